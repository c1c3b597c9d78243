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

import re

from ..syntax import Other, Statement, Unparsed
from ..tokens import tokenize
from .cursor import Cursor, read_options, switched_on
from .known import COMMANDS, OBJECTS
from .statements import READERS, read_statement

# The first keywords decide whether a statement is worth tokenizing: a CREATE FUNCTION's body, or the rows of
# an INSERT, can be megabytes that change nothing the rules look at.
_VERB = re.compile(r"\s*([A-Za-z]+)")
_OBJECT = re.compile(
    r"\s*(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED|UNIQUE|FULLTEXT|SPATIAL"
    r"|CONSTRAINT|ONLINE|OFFLINE|IGNORE)\s+)*([A-Za-z]+)", re.IGNORECASE)
_READ_OBJECTS = frozenset({"TABLE", "INDEX", "TRIGGER"})
_READ_ALTERS = frozenset({"DOMAIN", "SCHEMA"})
_INSERT_HEAD = re.compile(r".*?\b(?:VALUES|SELECT|TABLE|WITH)\b", re.IGNORECASE | re.DOTALL)


def parse(text: str, dialect: str) -> Statement:
    verb = _VERB.match(text)
    verb = verb.group(1).upper() if verb else ""
    if verb in ("CREATE", "ALTER"):
        target = _OBJECT.match(text)
        kind = target.group(1).upper() if target else ""
        if kind not in _READ_OBJECTS and not (verb == "ALTER" and kind in _READ_ALTERS):
            if kind in OBJECTS:
                return Other(f"{verb} {kind}")
            return Unparsed(f"{verb} {kind}".strip(), f"{verb} of no kind of object the linter knows")
    elif verb == "EXPLAIN":
        return _explain(text, dialect)
    elif verb not in READERS:
        if verb in COMMANDS:
            return Other(" ".join(text.split(None, 2)[:2]).upper())
        first = text.split(None, 1)[0] if text.strip() else ""
        return Unparsed(first, "no SQL command starts with this word")
    head = text
    if verb in ("INSERT", "REPLACE") and (match := _INSERT_HEAD.match(text)):
        head = match.group()
    return read_statement(Cursor(tokenize(head, dialect), text, dialect))


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
