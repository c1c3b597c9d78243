"""Reads one statement into the model of lint.syntax.

A small recursive-descent reader over lint.tokens: it understands the statements and ALTER TABLE actions
that decide a migration's safety, in PostgreSQL's, MySQL's and SQLite's spelling, and reads everything
else as an Other by its first keywords. It never fails: what it cannot follow it skips, and a statement
it cannot make sense of is an Other.

cursor.py: the position in a statement's tokens; statements.py: the statements; alter.py: the actions of
ALTER TABLE; definitions.py: columns, types, defaults and constraints.
"""

from __future__ import annotations

import re

from ..syntax import Other, Statement
from ..tokens import tokenize
from .cursor import Cursor
from .statements import READERS, read_statement

# The first keywords decide whether a statement is worth tokenizing: a CREATE FUNCTION's body, or the rows of
# an INSERT, can be megabytes that change nothing the rules look at.
_VERB = re.compile(r"\s*([A-Za-z]+)")
_OBJECT = re.compile(
    r"\s*(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED|UNIQUE|FULLTEXT|SPATIAL"
    r"|CONSTRAINT|ONLINE|OFFLINE|IGNORE)\s+)*([A-Za-z]+)", re.IGNORECASE)
_READ_OBJECTS = frozenset({"TABLE", "INDEX", "TRIGGER"})
_INSERT_HEAD = re.compile(r".*?\b(?:VALUES|SELECT|TABLE|WITH)\b", re.IGNORECASE | re.DOTALL)


def parse(text: str, dialect: str) -> Statement:
    verb = _VERB.match(text)
    verb = verb.group(1).upper() if verb else ""
    if verb in ("CREATE", "ALTER"):
        target = _OBJECT.match(text)
        if target is None or target.group(1).upper() not in _READ_OBJECTS:
            return Other(f"{verb} {target.group(1).upper()}" if target else verb)
    elif verb not in READERS:
        return Other(" ".join(text.split(None, 2)[:2]).upper())
    head = text
    if verb in ("INSERT", "REPLACE") and (match := _INSERT_HEAD.match(text)):
        head = match.group()
    return read_statement(Cursor(tokenize(head, dialect), text, dialect))
