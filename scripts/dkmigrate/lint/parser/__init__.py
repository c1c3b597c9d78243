"""Reads one statement into the model of lint.syntax.

A small recursive-descent reader over lint.tokens: it understands the statements and ALTER TABLE actions
that decide a migration's safety, in PostgreSQL's, MySQL's and SQLite's spelling, and reads everything
else as an Other by its first keywords. It never fails: what it cannot follow it skips; a statement
of a kind it knows but does not model is an Other, and one it cannot read at all (a typo, SQL it does not
know) is an Unparsed, which the unparsed-statement rule reports.

cursor.py: the position in a statement's tokens; statements.py: the statements; alter.py: the actions of
ALTER TABLE; definitions.py: columns, types, defaults and constraints.
"""

from __future__ import annotations

from ..syntax import Other, Statement, Unparsed
from ..tokens import WORD, Token, keywords, tokenize, tokens
from .cursor import Cursor, read_options, switched_on
from .known import COMMANDS, OBJECTS
from .statements import READERS, read_statement

# The first keywords decide whether a statement is worth reading whole: a CREATE FUNCTION's body, or the rows of
# an INSERT, can be megabytes that change nothing the rules look at. Tokens are read one at a time until then.
_OBJECT_MODIFIERS = frozenset({"GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED", "UNIQUE", "FULLTEXT", "SPATIAL",
                               "CONSTRAINT", "ONLINE", "OFFLINE", "IGNORE"})  # CREATE [OR REPLACE] <these> TABLE
_READ_OBJECTS = frozenset({"TABLE", "INDEX", "TRIGGER"})
_READ_ALTERS = frozenset({"DOMAIN", "SCHEMA"})
_ROWS = frozenset({"VALUES", "SELECT", "TABLE", "WITH"})  # where an INSERT's rows begin: its head ends there


def parse(text: str, dialect: str) -> Statement:
    head = keywords(text, dialect, 3)
    verb = head[0] if head else ""
    if verb in ("CREATE", "ALTER"):
        kind = _object_kind(head)
        if kind is None:  # CREATE OR REPLACE ..., CREATE GLOBAL TEMPORARY ...: more words
            kind = _object_kind(keywords(text, dialect, 16)) or ""
        if kind not in _READ_OBJECTS and not (verb == "ALTER" and kind in _READ_ALTERS):
            if kind in OBJECTS:
                return Other(f"{verb} {kind}")
            return Unparsed(f"{verb} {kind}".strip(), f"{verb} of no kind of object the linter knows")
    elif verb == "EXPLAIN":
        return _explain(text, dialect)
    elif verb not in READERS:
        if verb in COMMANDS:
            return Other(" ".join(text.split(None, 2)[:2]).upper())
        first_word = text.split(None, 1)[0] if text.strip() else ""
        return Unparsed(first_word, "no SQL command starts with this word")
    elif verb in ("INSERT", "REPLACE"):  # its head alone, token by token up to where its rows begin
        read: list[Token] = []
        for token in tokens(text, dialect):
            read.append(token)
            if token.kind == WORD and token.upper in _ROWS:
                break
        return read_statement(Cursor(read, text, dialect))
    return read_statement(Cursor(tokenize(text, dialect), text, dialect))


def _object_kind(head: tuple[str, ...]) -> str | None:
    """The kind of object CREATE or ALTER names after its modifiers: "" when a word is missing, None when the
    head may be too short to tell."""
    rest = list(head[1:])
    if rest[:2] == ["OR", "REPLACE"]:
        del rest[:2]
    while rest and rest[0] in _OBJECT_MODIFIERS:
        del rest[0]
    if rest:
        return rest[0]
    return None if len(head) == 3 else ""


def _explain(text: str, dialect: str) -> Statement:
    """EXPLAIN only plans its statement; EXPLAIN ANALYZE runs it, so it is linted as that statement."""
    c = Cursor(tokenize(text, dialect), text, dialect)
    c.accept("EXPLAIN")
    if c.at_punct("("):
        analyze = switched_on(read_options(c).get("ANALYZE", "FALSE"))
    else:
        analyze = bool(c.accept_one("ANALYZE", "ANALYSE"))
        c.accept("VERBOSE")
    if not analyze or c.done:
        return Other("EXPLAIN")
    return parse(text[c.peek().pos:], dialect)
