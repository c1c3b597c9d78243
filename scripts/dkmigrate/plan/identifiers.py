"""Names and types taken from a goal or from options: parsed strictly, then quoted for the dialect.

Nothing a user writes reaches the SQL of a plan except through here. A name is read by the lexer and is
either bare (letters, digits, _ and $ of ASCII, not starting with a digit) or quoted ("Mixed Case",
`back ticks`); anything else is refused with one clear line, so a goal such as
`rename users.email to x; DROP TABLE users` can never become SQL. Bare names fold to lower case on PostgreSQL,
as PostgreSQL itself folds them. Quoting for a dialect is the engine's (engine(dialect).quote).
"""

import hashlib
import re
from dataclasses import dataclass

from ..engines import engine
from ..engines.base import UNKNOWN
from ..engines.sqlite import SQLITE
from ..errors import UsageError
from ..lexer import PUNCT, QUOTED, WORD, Token, closed_quote, name_of, tokenize
from ..text import is_control, printable

MAX_NAME_BYTES = 63  # PostgreSQL's limit; MySQL allows 64

# A name the goal did not give is written inside a name's text between two NULs. No real name can hold a
# NUL (_checked refuses it), so a name derived from one (a trigger named after a table the goal did not
# give) is known to be unknown too: quote() leaves it as it is, and show_placeholders() turns each into
# <what> where the plan is presented.
_MARK = UNKNOWN
_MARKED = re.compile("\x00([^\x00]*)\x00")


def placeholder_text(what: str) -> str:
    return f"{_MARK}{what}{_MARK}"


def show_placeholders(text: str) -> str:
    return _MARKED.sub(r"<\1>", text)


@dataclass(frozen=True)
class Name:
    """The planner's identifier: one name exactly as the database stores it, quoted for a dialect by sql(). Built
    from what the lexer read (a goal's text through parse_names, a migration's through TableName.of) or from live
    facts, never by reading written SQL again. The linter's qualified name as parsed is lint.syntax.Name."""

    text: str

    def sql(self, dialect: str) -> str:
        return quote(self.text, dialect)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TableName:
    """A table (or another object of a schema) as the planner names it: an optional schema and a name."""

    schema: Name | None
    name: Name

    @classmethod
    def of(cls, parsed, dialect: str) -> "TableName":
        """A name the linter parsed (lint.syntax.Name), by its parts as the engine stores them (a name the linter
        made from a key of its own is stored as it compares it); the schema is dropped on an engine without schemas."""
        parts = parsed.stored or parsed.parts
        return cls(Name(parts[-2]) if len(parts) > 1 and engine(dialect).has_schemas else None, Name(parts[-1]))

    def sql(self, dialect: str) -> str:
        table = self.name.sql(dialect)
        return f"{self.schema.sql(dialect)}.{table}" if self.schema else table

    def sibling(self, text: str) -> "TableName":
        """Another object (function, index, table) in the same schema."""
        return TableName(self.schema, Name(text))

    def literal(self, dialect: str) -> str:
        """The table as a string literal naming it (for to_regclass, pragma functions, catalogues)."""
        return engine(dialect).table_literal(self.sql(dialect), self.name.text)

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.schema.text if self.schema else None, self.name.text)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else str(self.name)


def quote(text: str, dialect: str) -> str:
    """An identifier as it must be written: bare where that is safe, quoted otherwise."""
    if _MARK in text:  # not SQL until the placeholder is filled in, and never written to a file
        return text
    _refuse_control_characters(text, "name")
    return engine(dialect).quote(text)


def comment(text: str) -> str:
    """A `--` comment line of generated SQL: whatever it quotes can never end it and start SQL of its own."""
    return f"-- {printable(text)}"


def _refuse_control_characters(text: str, what: str) -> None:
    control = next((char for char in text if is_control(char)), None)
    if control is not None:
        raise UsageError(f"{what} '{printable(text)}' contains the control character U+{ord(control):04X}: "
                         "a name may hold any other character inside double quotes")


# A goal's names are read as a person writes them, in double quotes or back ticks on every engine (and in brackets
# where the engine has them): with SQLite's lexicon, which reads all three as quoted names, then folded and held to
# the goal's engine.
_GOAL_LEXICON = SQLITE.name


def parse_names(text: str, dialect: str, what: str) -> list[Name]:
    """A dotted name, each part bare or quoted: 'app.users.email', '"Users"."E-mail"'. Read by the lexer: the
    parts are its name tokens, one dot between each two, with nothing else (space, comment) around the dots."""
    text = text.strip()
    tokens = iter(tokenize(text, _GOAL_LEXICON))
    parts: list[Name] = []
    position = 0
    while True:
        token = next(tokens, None)
        if token is None or token.pos != position:
            raise _invalid(text, what)
        parts.append(_one_name(token, text, dialect, what))
        position = token.pos + len(token.text)
        if position == len(text):
            return parts
        dot = next(tokens, None)
        if dot is None or dot.pos != position or dot.kind != PUNCT or dot.text != ".":
            raise _invalid(text, what)
        position += 1


def _one_name(token: Token, text: str, dialect: str, what: str) -> Name:
    """The name one token of a goal gives, held to what the engine accepts."""
    if token.kind == QUOTED and token.text[0] in _openers(dialect):
        if not _closed(token):
            raise UsageError(f"{what} '{printable(text)}' has an unclosed {']' if token.text[0] == '[' else token.text[0]}")
    elif token.kind != WORD or not token.text.isascii():  # a bare name is letters, digits, _ and $ of ASCII
        raise _invalid(text, what)
    name = _checked(Name(name_of(token, dialect)), text, what)
    fault = engine(dialect).name_fault(name.text)
    if fault is not None:
        raise UsageError(f"{what} '{printable(text)}' {fault}")
    return name


def _closed(token: Token) -> bool:
    quote = next(quote for quote in engine(_GOAL_LEXICON).lexicon.quotes if token.text[0] == quote.first)
    return closed_quote(_GOAL_LEXICON, quote.group)[0].fullmatch(token.text) is not None


def _openers(dialect: str) -> str:
    """Double quotes and back ticks everywhere (as a person writes a name in a goal), and the engine's brackets."""
    return "\"`" + ("[" if any(quote.group == "bracket" for quote in engine(dialect).lexicon.quotes) else "")


def _checked(name: Name, text: str, what: str) -> Name:
    if not name.text:
        raise _invalid(text, what)
    _refuse_control_characters(name.text, what)
    if len(name.text.encode()) > MAX_NAME_BYTES:
        raise UsageError(f"{what} '{printable(text)}' is longer than {MAX_NAME_BYTES} bytes")
    return name


def _invalid(text: str, what: str) -> UsageError:
    return UsageError(
        f"{what} '{printable(text)}' is not a valid name: use letters, digits and _, or double quotes around any other name"
    )


def parse_table(text: str, dialect: str, what: str = "table") -> TableName:
    parts = parse_names(text, dialect, what)
    if len(parts) > 2:
        raise UsageError(f"{what} '{text}' has too many parts (at most schema.table)")
    return _table(parts, dialect, text, what)


def parse_column_ref(text: str, dialect: str, what: str = "column") -> tuple[TableName, Name]:
    """'table.column' or 'schema.table.column'."""
    parts = parse_names(text, dialect, what)
    if len(parts) < 2 or len(parts) > 3:
        raise UsageError(f"{what} '{text}' must be written table.column (or schema.table.column)")
    return _table(parts[:-1], dialect, text, what), parts[-1]


def parse_name(text: str, dialect: str, what: str) -> Name:
    parts = parse_names(text, dialect, what)
    if len(parts) != 1:
        raise UsageError(f"{what} '{text}' must be one name, without a table or schema before it")
    return parts[0]


def _table(parts: list[Name], dialect: str, text: str, what: str) -> TableName:
    if len(parts) == 2:
        if not engine(dialect).has_schemas:
            if parts[0].text.lower() != "main":
                raise UsageError(f"{what} '{text}': {engine(dialect).label} has no schemas "
                                 "(an attached database is not supported)")
            return TableName(None, parts[1])
        return TableName(parts[0], parts[1])
    return TableName(None, parts[0])


# A separator starts only where a run of spaces starts, so a long run is scanned once, not once per space.
_LIST_SEPARATOR = re.compile(r"(?<!\s)\s*,\s*|(?<!\s)\s+and\s+")


def split_list(text: str) -> list[str]:
    """'a, b and c' or 'a,b' -> the pieces."""
    pieces = [piece for piece in _LIST_SEPARATOR.split(text.strip()) if piece]
    if not pieces:
        raise UsageError(f"'{text}': no names given")
    return pieces


def parse_name_list(text: str, dialect: str, what: str) -> list[Name]:
    return [parse_name(piece, dialect, what) for piece in split_list(text)]


def derived_name(*parts: str, suffix: str) -> str:
    """A name for an object the plan creates (trigger, index, constraint), within the length limit."""
    base = "_".join(parts)
    name = f"{base}_{suffix}"
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    room = MAX_NAME_BYTES - len(suffix) - len(digest) - 2
    return f"{base.encode()[:room].decode(errors='ignore')}_{digest}_{suffix}"


# Column types: one word (optionally schema-qualified), or one of the standard types of several words,
# with an optional (n) or (p, s) and optional []. No quotes, semicolons or other punctuation can pass.
_MULTI_WORD_TYPES = (
    "double precision", "character varying", "bit varying", "timestamp with time zone",
    "timestamp without time zone", "time with time zone", "time without time zone",
    "unsigned big int", "int unsigned", "bigint unsigned", "smallint unsigned", "tinyint unsigned",
)
_TYPE = re.compile(
    r"(?P<base>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?|" + "|".join(
        word.replace(" ", r"\s+") for word in _MULTI_WORD_TYPES) + r")"
    r"(?:\s*\(\s*\d+\s*(?:,\s*\d+\s*)?\))?(?:\s*\[\s*\])*",
    re.IGNORECASE,
)


# Words that open, divide or close a block of a trigger or routine body (PL/pgSQL's and MySQL's), and the mysql
# client's DELIMITER: as a type inside one, they would end it early or start another statement.
_BLOCK_WORDS = frozenset(("begin", "end", "if", "case", "loop", "while", "repeat", "then", "else", "do", "elseif",
                          "elsif", "until", "declare", "leave", "iterate", "handler", "delimiter"))


def parse_type(text: str, what: str = "type") -> str:
    text = " ".join(text.split())
    match = _TYPE.fullmatch(text)
    if not match or match.group("base").split(".")[-1].lower() in _BLOCK_WORDS:
        raise UsageError(
            f"{what} '{printable(text)}' is not a column type this planner accepts (a type name with an optional (n) or (p,s), "
            "e.g. numeric(12,2), varchar(255), bigint, timestamp with time zone)"
        )
    return text
