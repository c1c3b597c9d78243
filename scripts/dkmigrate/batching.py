"""`-- migrate:batch size=5000 pause=100ms`: the directive that marks an UPDATE ... WHERE or DELETE ... WHERE of a
migration section to run in resumable batches (design section 10), and the reading of the statement it marks.

Everything here is read before anything runs, without a database: a bad directive is a CatalogueError (exit 2)
that names the file and line. How the batches then run is backfill.py's part.
"""

from __future__ import annotations

import re
from .records import record

from .errors import CatalogueError
from .lexer import PUNCT, QUOTED, WORD, name_of, scanner, tokenize

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from .catalogue.model import Section
    from .sqlsplit import Statement

DIRECTIVE = "migrate:batch"
DEFAULT_SIZE = 1000
MAX_SIZE = 1_000_000
_PAUSE = re.compile(r"(?P<number>\d+(?:\.\d+)?)(?P<unit>ms|s|m)?")  # the directive's value, not SQL
_PAUSE_UNITS = {"ms": 0.001, "s": 1.0, None: 1.0, "m": 60.0}
_UPDATE_MODIFIERS = frozenset({"ONLY", "LOW_PRIORITY", "IGNORE"})
_DELETE_MODIFIERS = frozenset({"LOW_PRIORITY", "QUICK", "IGNORE"})
_OPENS = frozenset({"BEGIN", "START"})
_CLOSES = frozenset({"COMMIT", "END", "ROLLBACK", "ABORT"})
_NOT_BATCHABLE = {"FROM": "an UPDATE ... FROM (a join)", "USING": "a DELETE ... USING (a join)",
                  "JOIN": "a join", "ORDER": "ORDER BY", "LIMIT": "LIMIT", "RETURNING": "RETURNING"}
_BEFORE_WHERE = frozenset({"FROM", "USING", "JOIN"})  # after the WHERE, FROM is IS DISTINCT FROM's


@record
class BatchSpec:
    size: int  # rows of the table walked per batch (one transaction each)
    pause: float  # seconds between batches
    line: int  # file line of the directive


@record
class BatchedStatement:
    """An UPDATE or DELETE split at its WHERE: `head` (UPDATE t SET ..., DELETE FROM t) and `condition`."""

    spec: BatchSpec
    statement: "Statement"
    file: str  # the file's name, for messages
    index: int  # 0-based, among the section's statements
    kind: str  # "UPDATE" or "DELETE"
    table: str  # as written, schema-qualified where it was: the table the keyset walks
    table_parts: tuple[str, ...]  # the name as the engine stores it: (schema, name) or (name,)
    reference: str  # how the statement's columns are qualified: the alias, or the table as written
    target: str  # the table as the FROM of a query reads it (with the alias)
    head: str
    condition: str
    assigned: tuple[str, ...]  # UPDATE: the columns SET assigns (as the engine compares names)


def batched_statements(section: "Section", dialect: str) -> dict[int, BatchedStatement]:
    """The section's batched statements by index; {} when it has no directive (the common case, at once)."""
    if DIRECTIVE not in section.sql:
        return {}
    statements = section.statements(dialect)
    file = section.file.name
    found: dict[int, BatchedStatement] = {}
    lines = section.sql.split("\n")
    for line, text in _directive_comments(section, dialect):
        spec = _spec(text, file, line)
        index = next((i for i, statement in enumerate(statements) if statement.line > line), None)
        if index is None or not _only_comments_between(lines, section.first_line, line, statements[index].line):
            raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}` must be on the line before the UPDATE ... WHERE "
                                 "or DELETE ... WHERE it batches")
        if index in found:
            raise CatalogueError(f"{file}:{line}: a second `-- {DIRECTIVE}` for the statement on line "
                                 f"{statements[index].line}")
        found[index] = _read(spec, statements[index], index, dialect, file)
    _refuse_explicit_transaction(statements, found, dialect, file)
    return found


def _directive_comments(section: "Section", dialect: str) -> list[tuple[int, str]]:
    """(file line, text after `--`) of every line comment of the section that is a batch directive."""
    sql, found = section.sql, []
    for match in scanner(dialect).finditer(sql):
        if match.lastgroup != "comment":
            continue
        comment = match.group("comment")
        body = comment[2:].strip() if comment.startswith("--") else ""
        if body == DIRECTIVE or body.startswith(DIRECTIVE + " ") or body.startswith(DIRECTIVE + "\t"):
            start = match.start("comment")
            line = section.first_line + sql.count("\n", 0, start)
            if sql[sql.rfind("\n", 0, start) + 1:start].strip():
                raise CatalogueError(f"{section.file.name}:{line}: `-- {DIRECTIVE}` must be on a line of its own, "
                                     "the line before the statement it batches")
            found.append((line, body[len(DIRECTIVE):].strip()))
    return found


def _spec(text: str, file: str, line: int) -> BatchSpec:
    values: dict[str, str] = {}
    for word in text.split():
        key, equals, value = word.partition("=")
        if key not in ("size", "pause"):
            raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}` knows size= and pause=, not '{word[:40]}'",
                                 hint=f"write it as -- {DIRECTIVE} size=5000 pause=100ms")
        if not equals or not value:
            raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}`: {key} needs a value ({key}=...)")
        if key in values:
            raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}` gives {key} twice")
        values[key] = value
    size_text = values.get("size", str(DEFAULT_SIZE))
    if not size_text.isdigit() or not 0 < int(size_text) <= MAX_SIZE:
        raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}`: size must be a number of rows from 1 to "
                             f"{MAX_SIZE:,}, not '{size_text[:40]}'")
    pause = _PAUSE.fullmatch(values.get("pause", "0"))
    if pause is None:
        raise CatalogueError(f"{file}:{line}: `-- {DIRECTIVE}`: pause must be a duration such as 100ms, 2s or 0, "
                             f"not '{values['pause'][:40]}'")
    return BatchSpec(int(size_text), float(pause["number"]) * _PAUSE_UNITS[pause["unit"]], line)


def _only_comments_between(lines: list[str], first_line: int, directive: int, statement: int) -> bool:
    between = lines[directive - first_line + 1:statement - first_line]
    return all(not text.strip() or text.lstrip().startswith("--") for text in between)


def _read(spec: BatchSpec, statement: "Statement", index: int, dialect: str, file: str) -> BatchedStatement:
    """The statement split at its WHERE, or a CatalogueError saying what cannot be batched."""
    tokens = tokenize(statement.text, dialect)
    where = f"{file}:{statement.line}"
    kind = tokens[0].upper if tokens and tokens[0].kind == WORD else ""
    if kind not in ("UPDATE", "DELETE"):
        shown = " ".join(token.text for token in tokens[:2])[:40]
        raise CatalogueError(f"{file}:{spec.line}: `-- {DIRECTIVE}` batches an UPDATE ... WHERE or a "
                             f"DELETE ... WHERE, not {shown or 'an empty statement'} (line {statement.line})")
    position = 1
    modifiers = _UPDATE_MODIFIERS if kind == "UPDATE" else _DELETE_MODIFIERS
    while position < len(tokens) and tokens[position].upper in modifiers:
        position += 1
    if kind == "UPDATE" and position + 1 < len(tokens) and tokens[position].upper == "OR":
        position += 2  # SQLite's UPDATE OR ROLLBACK|ABORT|REPLACE|FAIL|IGNORE
    if kind == "DELETE":
        if position >= len(tokens) or tokens[position].upper != "FROM":
            raise CatalogueError(f"{where}: a batched DELETE reads DELETE FROM table WHERE ... (one table)")
        position += 1
        if position < len(tokens) and tokens[position].upper == "ONLY":
            position += 1
    table_start = position
    if position >= len(tokens) or tokens[position].kind not in (WORD, QUOTED):
        raise CatalogueError(f"{where}: a batched {kind} names its table after {kind}")
    position += 1
    while position + 1 < len(tokens) and tokens[position].text == "." and tokens[position + 1].kind in (WORD, QUOTED):
        position += 2
    table = statement.text[tokens[table_start].pos:tokens[position - 1].pos + len(tokens[position - 1].text)]
    follows = "SET" if kind == "UPDATE" else "WHERE"
    alias = None
    if position < len(tokens) and tokens[position].upper == "AS":
        position += 1
    if (position + 1 < len(tokens) and tokens[position].kind in (WORD, QUOTED) and tokens[position].upper != follows
            and tokens[position + 1].upper == follows):
        alias = tokens[position].text
        position += 1
    if position >= len(tokens) or tokens[position].upper != follows:
        raise CatalogueError(f"{where}: a batched {kind} changes one table: {kind} {'' if kind == 'UPDATE' else 'FROM '}"
                             f"table {follows} ... (no join, no second table)")
    where_token, assigned = (None if kind == "UPDATE" else tokens[position]), []
    depth, target_next = 0, kind == "UPDATE"  # an UPDATE's assigned column follows SET and each top-level comma
    for number, token in enumerate(tokens[position + 1:], start=position + 1):
        if token.kind == PUNCT and token.text == "(":
            depth += 1
        elif token.kind == PUNCT and token.text == ")":
            depth -= 1
        elif depth == 0 and token.kind == WORD and token.upper in _NOT_BATCHABLE and (
                (where_token is None) == (token.upper in _BEFORE_WHERE)):
            raise CatalogueError(f"{where}: a batched {kind} cannot have {_NOT_BATCHABLE[token.upper]}: the batches "
                                 "walk one table by its key")
        elif depth == 0 and token.upper == "WHERE" and where_token is None:
            where_token = token
        if target_next and token.kind in (WORD, QUOTED) and number + 1 < len(tokens):
            if tokens[number + 1].text == "=":
                assigned.append(token)
                target_next = False
            elif tokens[number + 1].text != ".":
                target_next = False
        elif depth == 0 and where_token is None and kind == "UPDATE" and token.text == ",":
            target_next = True
    condition = statement.text[where_token.pos + len(where_token.text):].strip() if where_token else ""
    if not condition:
        raise CatalogueError(f"{where}: a batched {kind} needs a WHERE (write WHERE true to change every row)")
    return BatchedStatement(
        spec, statement, file, index, kind, table,
        tuple(name_of(token, dialect) for token in tokens[table_start:position:2]), alias or table,
        f"{table} {alias}" if alias else table, statement.text[:where_token.pos].rstrip(), condition,
        tuple(name_of(token, dialect) for token in assigned))


def _refuse_explicit_transaction(statements: list["Statement"], found: dict[int, BatchedStatement], dialect: str,
                                 file: str) -> None:
    """A batch commits: it cannot be inside a BEGIN ... COMMIT the migration opens itself."""
    opened = None
    for index, statement in enumerate(statements):
        words = [token.upper for token in tokenize(statement.text, dialect)[:2]]
        first = words[0] if words else ""
        if first in _OPENS and (first == "BEGIN" or words[1:] == ["TRANSACTION"]) and words[1:] != ["ATOMIC"]:
            opened = statement
        elif first in _CLOSES and words[1:2] != ["TO"]:
            opened = None
        elif index in found and opened is not None:
            raise CatalogueError(f"{file}:{found[index].spec.line}: a batched statement commits each batch, so it "
                                 f"cannot run inside the transaction opened on line {opened.line}",
                                 hint="remove the BEGIN/COMMIT around it: the runner commits each batch itself")
