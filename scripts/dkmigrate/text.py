"""User text shown inside one line (a message, a SQL comment): control and line-breaking characters escaped."""

import unicodedata

_CONTROL_CATEGORIES = frozenset(("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def is_control(char: str) -> bool:
    """A character that can end a line, hide text, or change a terminal: never shown or written as it is."""
    return unicodedata.category(char) in _CONTROL_CATEGORIES or char in _LINE_BREAKS


def printable(text: str) -> str:
    """The text with every control character (a newline, a NUL, U+2028, an escape) written as \\uXXXX."""
    return "".join(f"\\u{ord(char):04x}" if is_control(char) else char for char in text)
