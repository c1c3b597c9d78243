"""The tokens of one SQL statement, as the linter reads them: words, quoted identifiers, literals and
punctuation, with comments and white space dropped.

Statements come from dkmigrate.sqlsplit, which has already matched every quote and comment, so the
tokenizer is lenient: it never fails, and reads an unterminated token to the end of the text. One compiled
expression per dialect finds every token; the list is built in a single comprehension, which is what keeps
the linter as fast as a native one on megabytes of SQL.
"""

from __future__ import annotations

import re
from typing import NamedTuple

WORD = "word"  # a keyword or an unquoted identifier
QUOTED = "quoted"  # a quoted identifier: "Name", `name`, [name]
STRING = "string"  # a string literal, dollar-quoted body included
NUMBER = "number"
PUNCT = "punct"  # an operator or punctuation: ( ) , ; . :: = ...


class Token(NamedTuple):
    kind: str
    text: str  # as written
    upper: str  # WORD: the text in upper case, to compare with keywords; other kinds: the text
    pos: int  # offset in the statement text


# One match per token: leading white space is part of the match, so it costs no match of its own. Words
# come first, as most tokens are words; a word directly followed by a quote is a string prefix (E'...').
_HEAD = r"""\s*(?:
    (?P<word>[^\W\d][\w$]*(?!'))
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<comment>--[^\n]*|/\*(?s:.*?)(?:\*/|\Z))
"""
_PATTERNS = {
    "postgres": _HEAD + r"""
  | (?P<string>(?:[BbXxNn]|[Uu]&)?'(?:[^']|'')*(?:'|\Z))
  | (?P<quoted>"(?:[^"]|"")*(?:"|\Z))
  | (?P<escape>[Ee]'(?:[^'\\]|''|\\.)*(?:'|\Z))
  | (?P<dollar>\$(?P<tag>(?:[^\W\d]\w*)?)\$(?s:.*?)(?:\$(?P=tag)\$|\Z))
  | (?P<param>\$\d+)
""",
    "mysql": r"""\s*(?:
    (?P<word>[^\W\d][\w$]*(?!'))
  | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)
  | (?P<comment>(?:--(?=\s|\Z)|\#)[^\n]*|/\*(?s:.*?)(?:\*/|\Z))
  | (?P<quoted>`(?:[^`]|``)*(?:`|\Z))
  | (?P<string>[Nn]?(?:'(?:[^'\\]|''|\\.)*(?:'|\Z)|"(?:[^"\\]|""|\\.)*(?:"|\Z)))
""",
    "sqlite": _HEAD + r"""
  | (?P<quoted>"(?:[^"]|"")*(?:"|\Z)|`(?:[^`]|``)*(?:`|\Z)|\[[^\]]*(?:\]|\Z))
  | (?P<string>[Xx]?'(?:[^']|'')*(?:'|\Z))
""",
}
_TAIL = r"""
  | (?P<punct>::|[<>!]=|<>|\|\||=>|\S)
)"""
_SCANNERS = {dialect: re.compile(pattern + _TAIL, re.VERBOSE) for dialect, pattern in _PATTERNS.items()}
_KINDS = {"word": WORD, "quoted": QUOTED, "escape": STRING, "string": STRING, "dollar": STRING, "param": NUMBER,
          "number": NUMBER, "punct": PUNCT}
_NESTED_COMMENT = re.compile(r"/\*(?:(?!\*/).)*?/\*", re.DOTALL)


def tokenize(text: str, dialect: str) -> list[Token]:
    if dialect == "postgres" and "/*" in text and _NESTED_COMMENT.search(text):
        text = _blank_nested_comments(text)
    kinds, make = _KINDS, Token._make
    return [make((kinds[kind], value, value.upper() if kind == "word" else value, match.start(kind)))
            for match in _SCANNERS[dialect].finditer(text)
            if (kind := match.lastgroup) != "comment" for value in (match.group(kind),)]


def _blank_nested_comments(text: str) -> str:
    """PostgreSQL nests block comments; replace each outermost one by spaces (offsets stay the same)."""
    pieces, pos, depth, start = [], 0, 0, 0
    for delimiter in re.finditer(r"/\*|\*/|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"", text):
        token = delimiter.group()
        if token == "/*":
            if depth == 0:
                start = delimiter.start()
            depth += 1
        elif token == "*/" and depth:
            depth -= 1
            if depth == 0:
                pieces.append(text[pos:start] + " " * (delimiter.end() - start))
                pos = delimiter.end()
    return "".join(pieces) + text[pos:]


def identifier(token: Token, dialect: str) -> str:
    """The name a WORD or QUOTED token stands for: PostgreSQL folds unquoted names to lower case and keeps
    quoted ones as written; MySQL and SQLite compare names without regard to case."""
    if token.kind == QUOTED:
        quote = token.text[0]
        closing = "]" if quote == "[" else quote
        name = token.text[1:-1] if token.text.endswith(closing) and len(token.text) > 1 else token.text[1:]
        name = name.replace(closing * 2, closing) if closing != "]" else name
        return name if dialect == "postgres" else name.lower()
    return token.text.lower()
