"""Split the SQL text of a migration into the statements to send to the server one at a time.

The tokens come from dkmigrate.lexer (the linter's lexer too), so the quoting and comment rules of each
engine are written once, in its engine module. This module adds what splitting needs on top: the statement
delimiter (and the mysql client's DELIMITER command), the BEGIN ... END bodies of triggers and routines,
MySQL's executable comments, goose's StatementBegin / StatementEnd markers, and errors for unterminated
tokens, reported where they start.
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable

from .engines import DIALECTS, engine
from .errors import SqlSyntaxError
from .lexer import boundaries, closed_quote, nested_comment_end, scanner

__all__ = ["DIALECTS", "Statement", "split_statements"]


class Statement(namedtuple("Statement", "text line")):
    """One statement: its text, from the first token to just before the delimiter (inner comments kept verbatim),
    and the file line of its first token. A tuple: every statement of every migration that runs or is linted is
    one, and a tuple holds it in half the memory of a dataclass."""

    __slots__ = ()


def split_statements(sql: str, dialect: str = "postgres", first_line: int = 1) -> list[Statement]:
    """`first_line` is the file line number of sql's first line, so `line` is a file line."""
    return _Splitter(sql, dialect, first_line).split()


_GOOSE_BEGIN = re.compile(r"--[ \t]*\+goose[ \t]+statementbegin[ \t]*(?:\r?\n|\Z)", re.IGNORECASE)
_GOOSE_END = re.compile(r"^[ \t]*--[ \t]*\+goose[ \t]+statementend[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
_DELIMITER_COMMAND = re.compile(r"(?i:DELIMITER)(?![\w$])[ \t]*(\S*)[^\n]*\n?")

_ROUTINE_KINDS = frozenset({"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"})  # CREATE ... these: a body may hold ;
_ROUTINE_MODIFIERS = frozenset({"TEMP", "TEMPORARY", "AGGREGATE", "CONSTRAINT"})
_ROUTINE_KEYWORDS = ("BEGIN", "END", "IF", "CASE", "LOOP", "WHILE", "REPEAT", "THEN", "ELSE", "DO")
_BODY_KEYWORDS = frozenset(_ROUTINE_KEYWORDS)


class _Splitter:
    """One pass over one text: the statements found so far, the current delimiter, the line count."""

    def __init__(self, sql: str, dialect: str, first_line: int):
        self.sql = sql
        self.dialect = dialect
        self.lexicon = engine(dialect).lexicon
        self.executable_comment = re.compile(self.lexicon.executable_comment) if self.lexicon.executable_comment else None
        self.delimiter = ";"
        self._match_token = scanner(dialect).match  # triggers and routines are read under the ; delimiter alone
        self.statements: list[Statement] = []
        self._counted_to = 0
        self._line = first_line

    def split(self) -> list[Statement]:
        end = len(self.sql)
        pos = self._skip_trivia(0, end)
        while pos < end:
            if self._goose_begin_at(pos):
                pos = self._take_goose_block(pos)
            elif self.lexicon.delimiter_command and (command := _DELIMITER_COMMAND.match(self.sql, pos)):
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
        sql, pattern = self.sql, scanner(self.dialect, self.delimiter)
        while pos < end:
            token = pattern.match(sql, pos)
            if token is None or token.lastgroup != "comment":
                return end if token is None else min(token.start(token.lastgroup), end)
            start = token.start("comment")
            if sql.startswith("/*", start):
                if self.executable_comment is not None and self.executable_comment.match(sql, start):
                    return start  # MySQL runs the text of /*! ... */ comments: a statement of its own
                pos = self._block_comment_end(start, token.end())
            elif self._goose_begin_at(start):
                return start
            else:
                pos = token.end()
        return end

    def _goose_begin_at(self, pos: int) -> bool:
        """Whether a `-- +goose StatementBegin` line starts at `pos` (only blanks before it on its line)."""
        if _GOOSE_BEGIN.match(self.sql, pos) is None:
            return False
        line_start = self.sql.rfind("\n", 0, pos) + 1
        return not self.sql[line_start:pos].strip()

    def _take_goose_block(self, pos: int) -> int:
        newline = self.sql.find("\n", pos)
        body_start = len(self.sql) if newline < 0 else newline + 1
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

    def _block_comment_end(self, start: int, end: int) -> int:
        """The end of the block comment at `start`, which the lexer ended at `end`; raises when unterminated."""
        sql = self.sql
        if self.lexicon.nested_comments and "/*" in sql[start + 2:end]:
            end = nested_comment_end(sql, start)
        elif not sql.endswith("*/", start + 2, end):
            end = -1
        if end < 0:
            raise SqlSyntaxError("unterminated block comment", self._line_at(start))
        return end

    def _check_closed(self, group: str, start: int, end: int) -> None:
        closed, name = closed_quote(self.dialect, group)
        match = closed.match(self.sql, start)
        if match is None or match.end() != end:
            if group == "dollar":
                name = f"{name} {self.sql[start:self.sql.index('$', start + 1) + 1]}"
            raise SqlSyntaxError(f"unterminated {name}", self._line_at(start))

    def _take_statement(self, start: int) -> int:
        """Emits the statement whose first token is at `start`; returns where the next one may begin."""
        if self.delimiter == ";" and self.sql[start] in "Cc" and self._routine_at(start):
            return self._take_routine(start)
        sql, length = self.sql, len(self.sql)
        pos, (search, groups) = start, boundaries(self.dialect, self.delimiter)
        while (token := search(sql, pos)) is not None:
            kind, pos = groups[token.lastindex], token.end()
            if kind == "delimiter":
                self._emit(start, token.start())
                return pos
            if kind == "comment":
                if sql.startswith("/*", token.start()):
                    pos = self._block_comment_end(token.start(), pos)
                elif self._goose_begin_at(token.start()):
                    self._emit(start, token.start())
                    return token.start()
            elif pos == length:
                self._check_closed(kind, token.start(), length)
        self._emit(start, length)
        return length

    def _token_at(self, pos: int) -> tuple[str, str, int]:
        """(group, upper-case text, end) of the token at or after `pos`, comments skipped; group "" at the end."""
        token = self._match_token(self.sql, pos)
        if token is not None and token.lastgroup == "comment":
            token = self._match_token(self.sql, self._skip_trivia(pos, len(self.sql)))
        if token is None:
            return "", "", pos
        return token.lastgroup, token.group(token.lastgroup).upper(), token.end()

    def _routine_at(self, start: int) -> bool:
        """Whether the statement at `start` creates a trigger or a routine: CREATE [OR REPLACE] [DEFINER = user]
        [TEMP | TEMPORARY | AGGREGATE | CONSTRAINT] TRIGGER | PROCEDURE | FUNCTION | EVENT."""
        group, word, pos = self._token_at(start)
        if word != "CREATE":
            return False
        group, word, pos = self._token_at(pos)
        if word == "OR":
            group, word, pos = self._token_at(pos)
            if word != "REPLACE":
                return False
            group, word, pos = self._token_at(pos)
        if word == "DEFINER":
            group, word, pos = self._token_at(pos)
            if word != "=":
                return False
            group, word, pos = self._after_user(pos)
        if word in _ROUTINE_MODIFIERS:
            group, word, pos = self._token_at(pos)
        return group == "word" and word in _ROUTINE_KINDS

    def _after_user(self, pos: int) -> tuple[str, str, int]:
        """The token after a user name ('app'@'%', root@localhost, CURRENT_USER()) that starts at `pos`."""
        group, word, end = self._token_at(pos)  # the user's name
        while group:
            group, word, next_end = self._token_at(end)
            if word == "@":
                group, word, end = self._token_at(next_end)  # the host
            elif word == "(" and self._token_at(next_end)[1] == ")":
                end = self._token_at(next_end)[2]
            elif next_end - len(word) == end and group not in ("word", "delimiter"):  # 192.168.1.%: written together
                end = next_end
            else:
                return group, word, next_end
        return group, word, end

    def _take_routine(self, start: int) -> int:
        """A trigger or routine: the search stops at its block keywords too, so that the BEGIN ... END nesting of
        its body can be followed."""
        sql, length = self.sql, len(self.sql)
        body = _RoutineBody(self._skip_trivia, self._token_at)
        search, groups = boundaries(self.dialect, self.delimiter, _ROUTINE_KEYWORDS)
        pos = start
        while (token := search(sql, pos)) is not None:
            kind, pos = groups[token.lastindex], token.end()
            if kind == "keyword":
                word = token.group().upper()
                if (word in _BODY_KEYWORDS) if body.open_blocks else word == "BEGIN":
                    body.on_keyword(sql, word, token.start(), pos)
                if word == "END" and (after := self._match_token(sql, pos)) is not None and after.lastgroup == "word" \
                        and after.start("word") > pos and after.group("word").upper() in _END_SUFFIXES:
                    pos = after.end()  # END IF, END LOOP...: one closing
            elif kind == "delimiter":
                if not body.open_blocks:
                    self._emit(start, token.start())
                    return pos
                body.statement_may_start_at(pos)
            elif kind == "comment":
                if sql.startswith("/*", token.start()):
                    pos = self._block_comment_end(token.start(), pos)
                elif self._goose_begin_at(token.start()):
                    self._emit(start, token.start())
                    return token.start()
            elif kind in ("(", ")"):
                if not body.open_blocks:
                    body.parens += 1 if kind == "(" else -1
            elif pos == length:
                self._check_closed(kind, token.start(), length)
        if body.open_blocks:
            block, block_start = body.open_blocks[-1]
            raise SqlSyntaxError(f"unterminated {_BLOCK_SHAPES[block]} block", self._line_at(block_start))
        self._emit(start, length)
        return length


_BLOCK_SHAPES = {
    "BEGIN": "BEGIN ... END",
    "IF": "IF ... END IF",
    "CASE": "CASE ... END CASE",
    "CASE expression": "CASE ... END",
    "LOOP": "LOOP ... END LOOP",
    "WHILE": "WHILE ... END WHILE",
    "REPEAT": "REPEAT ... END REPEAT",
}
_END_SUFFIXES = frozenset({"IF", "LOOP", "WHILE", "REPEAT", "CASE"})  # END IF: one closing, not an IF


class _RoutineBody:
    """Follows the BEGIN ... END nesting of a trigger, routine or event body.

    Until the body opens, the scanner reports only BEGIN (outside parentheses, so a parameter named
    `begin` does not count). Inside, it reports block keywords: IF, WHILE, REPEAT and LOOP open a
    block only where an inner statement starts, so that MySQL's IF(a, b, c) function does not.
    """

    def __init__(self, skip_trivia: Callable[[int, int], int], token_at: Callable[[int], tuple[str, str, int]]) -> None:
        self.open_blocks: list[tuple[str, int]] = []  # (kind, position) of each unclosed block
        self.parens = 0
        self._skip_trivia = skip_trivia
        self._token_at = token_at
        self._statement_start = 0  # where the latest inner statement could begin

    def statement_may_start_at(self, pos: int) -> None:
        self._statement_start = pos

    def on_keyword(self, sql: str, word: str, start: int, end: int) -> None:
        """Updates the nesting for one keyword (upper case) found at sql[start:end]."""
        if word == "END":
            self.open_blocks.pop()
        elif word == "BEGIN":
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

    def _starts_statement(self, sql: str, pos: int) -> bool:
        """Whether only comments and an optional `label:` separate `pos` from the statement start."""
        gap_end = self._skip_trivia(self._statement_start, pos)
        group, _, end = self._token_at(gap_end)
        if group == "word" and gap_end < pos:  # label: (not label::type, not label := value)
            _, colon, colon_end = self._token_at(end)
            if colon == ":" and not sql.startswith("=", colon_end):
                gap_end = self._skip_trivia(colon_end, pos)
        return gap_end == pos

    def _innermost(self) -> str:
        return self.open_blocks[-1][0]
