"""Split the SQL text of a migration into the statements to send to the server one at a time.

This is a scanner, not a parser: a compiled regular expression jumps from one interesting character
to the next (a quote, a comment opener, a delimiter) and everything in between is kept as written.
It knows the quoting and comment rules of PostgreSQL, MySQL/MariaDB and SQLite, dollar quoting,
the BEGIN ... END bodies of triggers and routines, the mysql client's DELIMITER command and goose's
StatementBegin / StatementEnd markers.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from dkmigrate.errors import SqlSyntaxError

DIALECTS = ("postgres", "mysql", "sqlite")


@dataclass(frozen=True)
class Statement:
    text: str  # from the first token to just before the delimiter; inner comments kept verbatim
    line: int  # file line of the first token


def split_statements(sql: str, dialect: str = "postgres", first_line: int = 1) -> list[Statement]:
    """`first_line` is the file line number of sql's first line, so `line` is a file line."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r} (expected one of: {', '.join(DIALECTS)})")
    return _Splitter(sql, dialect, first_line).split()


# Scanner modes: an ordinary statement; the top level of a trigger or routine, where a BEGIN opens
# its body; inside that body, where the keywords that open and close blocks matter.
_PLAIN, _ROUTINE_HEAD, _ROUTINE_BODY = "plain", "routine head", "routine body"

_LINE_COMMENT = {
    "postgres": r"--",
    "mysql": r"--(?=[\x00-\x20]|\Z)|\#",  # MySQL needs a space or control character after --
    "sqlite": r"--",
}

_QUOTE_OPENERS = {"postgres": r"'|\"|\$(?:[^\W\d]\w*)?\$", "mysql": r"'|\"|`", "sqlite": r"'|\"|`|\["}

_MODE_TOKENS = {
    _PLAIN: "",
    _ROUTINE_HEAD: r"|\b(?<![$.])(?i:BEGIN)(?![\w$])|\(|\)",
    _ROUTINE_BODY: r"|\b(?<![$.])(?i:BEGIN|END|IF|CASE|LOOP|WHILE|REPEAT|THEN|ELSE|DO)(?![\w$])",
}


@functools.lru_cache(maxsize=None)
def _scanner(dialect: str, delimiter: str, mode: str) -> re.Pattern[str]:
    """Finds the next token that matters in `mode`; the caller tells tokens apart by their text.

    No capture groups: without them the regex engine jumps straight to the next candidate character.
    """
    alternatives = f"{re.escape(delimiter)}|{_QUOTE_OPENERS[dialect]}|{_LINE_COMMENT[dialect]}|/\\*"
    return re.compile(alternatives + _MODE_TOKENS[mode])


def _doubled_quote_end(q: str) -> re.Pattern[str]:
    """Matches the rest of a quoted token in which the quote character is escaped by doubling."""
    return re.compile(f"[^{q}]*(?:{q}{q}[^{q}]*)*{q}")


def _backslash_quote_end(q: str) -> re.Pattern[str]:
    """Like _doubled_quote_end, but a backslash also escapes the next character."""
    return re.compile(rf"[^{q}\\]*(?:(?:{q}{q}|\\.)[^{q}\\]*)*{q}", re.DOTALL)


_PG_ESCAPE_STRING_END = _backslash_quote_end("'")

# For each dialect and opening character: (pattern of the rest of the token, name in error messages).
_QUOTED = {
    "postgres": {
        "'": (_doubled_quote_end("'"), "string literal"),
        '"': (_doubled_quote_end('"'), "quoted identifier"),
    },
    "mysql": {
        "'": (_backslash_quote_end("'"), "string literal"),
        '"': (_backslash_quote_end('"'), "double-quoted string"),
        "`": (_doubled_quote_end("`"), "backtick-quoted identifier"),
    },
    "sqlite": {
        "'": (_doubled_quote_end("'"), "string literal"),
        '"': (_doubled_quote_end('"'), "quoted identifier"),
        "`": (_doubled_quote_end("`"), "backtick-quoted identifier"),
        "[": (re.compile(r"[^\]]*\]"), "bracket-quoted identifier"),
    },
}

_WHITESPACE = re.compile(r"\s*")
_LINE_COMMENT_AT = {dialect: re.compile(pattern) for dialect, pattern in _LINE_COMMENT.items()}
_MYSQL_EXECUTABLE_COMMENT = re.compile(r"/\*M?!")
_PG_COMMENT_DELIMITERS = re.compile(r"/\*|\*/")
_GOOSE_BEGIN = re.compile(r"--[ \t]*\+goose[ \t]+statementbegin[ \t]*(?:\r?\n|\Z)", re.IGNORECASE)
_GOOSE_END = re.compile(r"^[ \t]*--[ \t]*\+goose[ \t]+statementend[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_DELIMITER_COMMAND = re.compile(r"(?i:DELIMITER)(?![\w$])[ \t]*(\S*)[^\n]*\n?")

_USER = r"""(?: '[^']*' | "[^"]*" | `[^`]*` | [\w.$%-]+ )"""
_ROUTINE_START = re.compile(
    rf"""CREATE \s+ (?: OR \s+ REPLACE \s+ )?
        (?: DEFINER \s* = \s* {_USER} (?: \s* @ \s* {_USER} )? (?: \s* \( \s* \) )? \s+ )?
        (?: (?: TEMP | TEMPORARY | AGGREGATE | CONSTRAINT ) \s+ )?
        (?: TRIGGER | PROCEDURE | FUNCTION | EVENT ) (?![\w$])""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_identifier_char(char: str) -> bool:
    return char.isalnum() or char in "_$"


class _Splitter:
    """One pass over one text: the statements found so far, the current delimiter, the line count."""

    def __init__(self, sql: str, dialect: str, first_line: int):
        self.sql = sql
        self.dialect = dialect
        self.delimiter = ";"
        self.statements: list[Statement] = []
        self._counted_to = 0
        self._line = first_line

    def split(self) -> list[Statement]:
        end = len(self.sql)
        pos = self._skip_trivia(0, end)
        while pos < end:
            if self._goose_begin_at(pos):
                pos = self._take_goose_block(pos)
            elif self.dialect == "mysql" and (command := _DELIMITER_COMMAND.match(self.sql, pos)):
                pos = self._take_delimiter_command(command)
            else:
                pos = self._take_statement(pos)
            pos = self._skip_trivia(pos, end)
        return self.statements

    def _line_at(self, pos: int) -> int:
        """File line of `pos`; positions are asked for in increasing order."""
        self._line += self.sql.count("\n", self._counted_to, pos)
        self._counted_to = pos
        return self._line

    def _emit(self, start: int, end: int) -> None:
        text = self.sql[start:end].rstrip()
        if text:
            self.statements.append(Statement(text, self._line_at(start)))

    def _skip_trivia(self, pos: int, end: int) -> int:
        """Position of the first token at or after `pos`, of a goose StatementBegin line, or `end`."""
        sql = self.sql
        while True:
            pos = _WHITESPACE.match(sql, pos).end()
            if pos >= end:
                return end
            if _LINE_COMMENT_AT[self.dialect].match(sql, pos):
                if self._goose_begin_at(pos):
                    return pos
                pos = self._skip_line_comment(pos)
            elif sql.startswith("/*", pos) and not self._is_executable_comment(pos):
                pos = self._skip_block_comment(pos)
            else:
                return pos

    def _is_executable_comment(self, pos: int) -> bool:
        """MySQL runs the text of /*! ... */ comments, so such a comment is a statement of its own."""
        return self.dialect == "mysql" and _MYSQL_EXECUTABLE_COMMENT.match(self.sql, pos) is not None

    def _goose_begin_at(self, pos: int) -> bool:
        """Whether a `-- +goose StatementBegin` line starts at `pos` (only blanks before it on its line)."""
        if _GOOSE_BEGIN.match(self.sql, pos) is None:
            return False
        line_start = self.sql.rfind("\n", 0, pos) + 1
        return not self.sql[line_start:pos].strip()

    def _take_goose_block(self, pos: int) -> int:
        body_start = self._skip_line_comment(pos)
        end_marker = _GOOSE_END.search(self.sql, body_start)
        if end_marker is None:
            raise SqlSyntaxError(
                "unterminated goose StatementBegin block (no '-- +goose StatementEnd' line)", self._line_at(pos)
            )
        body_end = end_marker.start()
        first_token = self._skip_trivia(body_start, body_end)
        text = self.sql[first_token:body_end].rstrip()
        if text.endswith(";"):
            text = text[:-1].rstrip()
        if text:
            self.statements.append(Statement(text, self._line_at(first_token)))
        return end_marker.end()

    def _take_delimiter_command(self, command: re.Match[str]) -> int:
        if not command.group(1):
            raise SqlSyntaxError("DELIMITER must be followed by the new delimiter", self._line_at(command.start()))
        self.delimiter = command.group(1)
        return command.end()

    def _take_statement(self, start: int) -> int:
        """Emits the statement whose first token is at `start`; returns where the next one may begin."""
        sql = self.sql
        is_routine = self.delimiter == ";" and _ROUTINE_START.match(sql, start) is not None
        body = _RoutineBody(self._skip_trivia)
        head_scanner = _scanner(self.dialect, self.delimiter, _ROUTINE_HEAD if is_routine else _PLAIN)
        body_scanner = _scanner(self.dialect, self.delimiter, _ROUTINE_BODY)
        scanner = head_scanner
        pos = start
        while (token := scanner.search(sql, pos)) is not None:
            text, pos = token.group(), token.end()
            if text == self.delimiter:
                if not body.open_blocks:
                    self._emit(start, token.start())
                    return pos
                body.statement_may_start_at(pos)
            elif text[0] in "'\"`[":
                pos = self._skip_quoted(token.start())
            elif text[0] == "$":
                pos = self._skip_dollar_quoted(token.start(), text)
            elif text[0] in "-#":
                if self._goose_begin_at(token.start()):
                    self._emit(start, token.start())
                    return token.start()
                pos = self._skip_line_comment(token.start())
            elif text == "/*":
                pos = self._skip_block_comment(token.start())
            elif text in ("(", ")"):
                body.parens += 1 if text == "(" else -1
            else:
                pos = body.on_keyword(sql, token)
                scanner = body_scanner if body.open_blocks else head_scanner
        if body.open_blocks:
            block, block_start = body.open_blocks[-1]
            raise SqlSyntaxError(f"unterminated {_BLOCK_SHAPES[block]} block", self._line_at(block_start))
        self._emit(start, len(sql))
        return len(sql)

    def _skip_quoted(self, pos: int) -> int:
        rest, name = _QUOTED[self.dialect][self.sql[pos]]
        if self.dialect == "postgres" and self._is_escape_string(pos):
            rest = _PG_ESCAPE_STRING_END
        closed = rest.match(self.sql, pos + 1)
        if closed is None:
            raise SqlSyntaxError(f"unterminated {name}", self._line_at(pos))
        return closed.end()

    def _is_escape_string(self, quote: int) -> bool:
        """PostgreSQL E'...' strings, the only ones there in which a backslash escapes."""
        sql = self.sql
        return quote >= 1 and sql[quote - 1] in "eE" and (quote == 1 or not _is_identifier_char(sql[quote - 2]))

    def _skip_dollar_quoted(self, pos: int, tag: str) -> int:
        if pos and _is_identifier_char(self.sql[pos - 1]):  # a $ inside an identifier such as a$b$
            return pos + 1
        closing = self.sql.find(tag, pos + len(tag))
        if closing < 0:
            raise SqlSyntaxError(f"unterminated dollar-quoted string {tag}", self._line_at(pos))
        return closing + len(tag)

    def _skip_line_comment(self, pos: int) -> int:
        newline = self.sql.find("\n", pos)
        return len(self.sql) if newline < 0 else newline + 1

    def _skip_block_comment(self, pos: int) -> int:
        if self.dialect == "postgres":
            depth = 0
            for delimiter in _PG_COMMENT_DELIMITERS.finditer(self.sql, pos):
                depth += 1 if delimiter.group() == "/*" else -1
                if depth == 0:
                    return delimiter.end()
        else:
            closing = self.sql.find("*/", pos + 2)
            if closing >= 0:
                return closing + 2
        raise SqlSyntaxError("unterminated block comment", self._line_at(pos))


_BLOCK_SHAPES = {
    "BEGIN": "BEGIN ... END",
    "IF": "IF ... END IF",
    "CASE": "CASE ... END CASE",
    "CASE expression": "CASE ... END",
    "LOOP": "LOOP ... END LOOP",
    "WHILE": "WHILE ... END WHILE",
    "REPEAT": "REPEAT ... END REPEAT",
}
_END_SUFFIX = re.compile(r"\s+(?:IF|LOOP|WHILE|REPEAT|CASE)(?![\w$])", re.IGNORECASE)
_LABEL = re.compile(r"[^\W\d][\w$]*\s*:(?![:=])")


class _RoutineBody:
    """Follows the BEGIN ... END nesting of a trigger, routine or event body.

    Until the body opens, the scanner reports only BEGIN (outside parentheses, so a parameter named
    `begin` does not count). Inside, it reports block keywords: IF, WHILE, REPEAT and LOOP open a
    block only where an inner statement starts, so that MySQL's IF(a, b, c) function does not.
    """

    def __init__(self, skip_trivia: Callable[[int, int], int]) -> None:
        self.open_blocks: list[tuple[str, int]] = []  # (kind, position) of each unclosed block
        self.parens = 0
        self._skip_trivia = skip_trivia
        self._statement_start = 0  # where the latest inner statement could begin

    def statement_may_start_at(self, pos: int) -> None:
        self._statement_start = pos

    def on_keyword(self, sql: str, keyword: re.Match[str]) -> int:
        """Updates the nesting for one keyword; returns where scanning resumes."""
        word = keyword.group().upper()
        start, end = keyword.span()
        if word == "END":
            self.open_blocks.pop()
            suffix = _END_SUFFIX.match(sql, end)
            return suffix.end() if suffix else end
        if word == "BEGIN":
            if self.parens == 0:
                self.open_blocks.append(("BEGIN", start))
                self._statement_start = end
        elif word == "CASE":
            self.open_blocks.append(("CASE" if self._starts_statement(sql, start) else "CASE expression", start))
        elif word in ("IF", "WHILE", "LOOP", "REPEAT"):
            if self._starts_statement(sql, start):
                self.open_blocks.append((word, start))
                if word in ("LOOP", "REPEAT"):
                    self._statement_start = end
        elif word in ("THEN", "ELSE"):
            if self._innermost() in ("IF", "CASE"):
                self._statement_start = end
        elif self._innermost() == "WHILE":  # DO
            self._statement_start = end
        return end

    def _starts_statement(self, sql: str, pos: int) -> bool:
        """Whether only comments and an optional `label:` separate `pos` from the statement start."""
        gap_end = self._skip_trivia(self._statement_start, pos)
        label = _LABEL.match(sql, gap_end)
        if label:
            gap_end = self._skip_trivia(label.end(), pos)
        return gap_end == pos

    def _innermost(self) -> str:
        return self.open_blocks[-1][0]
