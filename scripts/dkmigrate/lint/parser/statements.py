"""The statements the linter reads, by their first keyword; READERS maps each to its reader."""

from __future__ import annotations


from ..syntax import (
    AlterDomain, Cluster, CreateIndex, CreateTable, DataChange, DropDatabase, DropIndex, DropTable, LockTable, Name,
    Other, Reindex, RenameSchema, RenameTables, SetSetting, Statement, TransactionControl, Trigger, Truncate, Unparsed,
    Vacuum,
)
from ..tokens import NUMBER, PUNCT, STRING, WORD, string_content
from .alter import read_alter_table
from .cursor import Cursor, read_options, switched_on
from .definitions import read_column, read_constraint, starts_constraint
from .known import OBJECTS

# Statements whose reader failing means the linter could not read them (for the other verbs, a reader that
# declines leaves a statement of a kind the rules do not look at: SET TIME ZONE, SELECT 1, DROP VIEW).
_MUST_READ = frozenset({"CREATE", "ALTER", "DROP", "TRUNCATE", "UPDATE", "DELETE", "INSERT", "REPLACE", "REINDEX"})


def read_statement(c: Cursor) -> Statement:
    reader = READERS.get(c.word())
    statement = reader(c) if reader is not None else None
    if statement is not None:
        return statement
    c.index = 0
    verb = " ".join(word for word in (c.word(0), c.word(1)) if word)
    if c.word() not in _MUST_READ:
        return Other(verb)
    if c.word() == "DROP" and c.word(1) in OBJECTS - {"TABLE", "INDEX", "TRIGGER"}:
        return Other(verb)
    if c.word() == "ALTER" and "TABLE" not in (c.word(1), c.word(2)):  # ALTER INDEX, ALTER TRIGGER
        return Other(verb)
    return Unparsed(verb or c.span(c.tokens[:1]), f"the linter could not follow this {verb or 'statement'}")


# CREATE ...

_CREATE_TABLE_PREFIXES = ("GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED")


def _create(c: Cursor) -> Statement | None:
    c.accept("CREATE")
    c.accept("OR", "REPLACE")
    while c.accept_one(*_CREATE_TABLE_PREFIXES):
        pass
    if c.accept("TABLE"):
        return _create_table(c)
    unique = bool(c.accept_one("UNIQUE"))
    c.accept_one("FULLTEXT", "SPATIAL")
    if c.accept("INDEX"):
        return _create_index(c, unique)
    c.accept("CONSTRAINT")
    if c.accept("TRIGGER"):
        return _trigger_target(c, create=True)
    return None


def _create_table(c: Cursor) -> CreateTable | None:
    c.accept("IF", "NOT", "EXISTS")
    name = c.name()
    if name is None:
        return None
    if not c.at_punct("("):  # AS SELECT, PARTITION OF, OF type
        return CreateTable(name, complete=False)
    columns, constraints, complete = [], [], True
    body = Cursor(c.skip_group(), c.text, c.dialect)
    for element in body.split_top_level():
        if element.at("LIKE"):
            complete = False
        elif starts_constraint(element):
            constraints.append(read_constraint(element))
        elif (column := read_column(element)) is not None:
            columns.append(column)
    if c.accept("PARTITION", "OF") or c.accept("INHERITS"):
        complete = False
    return CreateTable(name, tuple(columns), tuple(constraints), complete)


def _create_index(c: Cursor, unique: bool) -> CreateIndex | None:
    concurrently = c.accept("CONCURRENTLY")
    c.accept("IF", "NOT", "EXISTS")
    name = None if c.at("ON") else c.identifier()
    if c.accept("USING"):  # MySQL: CREATE INDEX i USING BTREE ON t
        c.advance()
    if not c.accept("ON"):
        return None
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return None
    if c.accept("USING"):
        c.advance()
    group = Cursor(c.skip_group(), c.text, c.dialect)
    columns = tuple(column for item in group.split_top_level()  # a column, maybe followed by ASC, an opclass...
                    if (column := item.identifier()) is not None and (item.done or item.peek().kind == WORD))
    return CreateIndex(name, table, unique, concurrently, columns)


def _trigger_target(c: Cursor, create: bool) -> Trigger | None:
    while not c.done:
        if c.accept("ON"):
            table = c.name()
            return Trigger(table, create) if table else None
        c.advance()
    return None


# DROP, RENAME, TRUNCATE

def _drop_statement(c: Cursor) -> Statement | None:
    c.accept("DROP")
    c.accept("TEMPORARY")
    if c.accept("TABLE"):
        c.accept("IF", "EXISTS")
        names = _name_list(c)
        return DropTable(names) if names else None
    if c.accept("INDEX"):
        concurrently = c.accept("CONCURRENTLY")
        c.accept("IF", "EXISTS")
        names = _name_list(c)
        table = c.name() if c.accept("ON") else None
        return DropIndex(names, concurrently, table) if names else None
    if c.accept("TRIGGER"):
        c.accept("IF", "EXISTS")
        if c.name() is not None and c.done:  # MySQL and SQLite name no table
            return Other("DROP TRIGGER")
        return _trigger_target(c, create=False)
    if c.accept("DATABASE") or (c.reads("schema-is-database") and c.accept("SCHEMA")):
        c.accept("IF", "EXISTS")
        name = c.name()
        return DropDatabase(name) if name else None
    return None


def _name_list(c: Cursor) -> tuple[Name, ...]:
    names = []
    while (name := c.name()) is not None:
        names.append(name)
        c.accept_punct("*")
        if not c.accept_punct(","):
            break
    return tuple(names)


def _rename_statement(c: Cursor) -> Statement | None:
    if not c.reads("rename-table") or not c.accept("RENAME", "TABLE"):
        return None
    pairs = []
    for item in c.split_top_level():
        old = item.name()
        if old and item.accept("TO") and (new := item.name()):
            pairs.append((old, new))
    return RenameTables(tuple(pairs)) if pairs else None


def _truncate(c: Cursor) -> Statement | None:
    c.accept("TRUNCATE")
    c.accept("TABLE")
    c.accept("ONLY")
    names = _name_list(c)
    cascade = any(token.upper == "CASCADE" for token in c.rest())
    return Truncate(names, cascade) if names else None


# UPDATE, DELETE, INSERT, WITH

_BOUNDING_WORDS = frozenset({"WHERE", "LIMIT"})


def _update(c: Cursor) -> Statement | None:
    c.accept("UPDATE")
    while c.accept_one("ONLY", "LOW_PRIORITY", "IGNORE"):
        pass
    table = c.name()
    if table is None:
        return None
    return DataChange("UPDATE", table, has_where=_has_top_level(c, _BOUNDING_WORDS))


def _delete(c: Cursor) -> Statement | None:
    c.accept("DELETE")
    while c.accept_one("LOW_PRIORITY", "QUICK", "IGNORE"):
        pass
    c.accept("FROM")
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return None
    return DataChange("DELETE", table, has_where=_has_top_level(c, _BOUNDING_WORDS))


def _insert(c: Cursor) -> Statement | None:
    verb = c.advance().upper
    if c.accept("OR"):  # SQLite: INSERT OR REPLACE
        c.advance()
    while c.accept_one("LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"):
        pass
    c.accept("INTO")
    table = c.name()
    if table is None:
        return None
    if c.accept("AS"):
        c.identifier()
    c.skip_group()
    from_query = c.word() in ("SELECT", "WITH", "TABLE")
    return DataChange(verb, table, from_query=from_query)


def _has_top_level(c: Cursor, words: frozenset[str]) -> bool:
    depth = 0
    while (token := c.advance()) is not None:
        if token.kind == PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
        elif depth == 0 and token.kind == WORD and token.upper in words:
            return True
    return False


def _with(c: Cursor) -> Statement | None:
    """WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (query), ... followed by the statement."""
    c.accept("WITH")
    c.accept("RECURSIVE")
    while c.identifier() is not None:
        c.skip_group()
        if not c.accept("AS"):
            return None
        c.accept("NOT")
        c.accept("MATERIALIZED")
        c.skip_group()
        if not c.accept_punct(","):
            break
    rest = Cursor(c.rest(), c.text, c.dialect)
    reader = READERS.get(rest.word())
    return reader(rest) if reader in (_update, _delete, _insert) else None


# Maintenance, settings, transactions, locks

def _reindex(c: Cursor) -> Statement | None:
    c.accept("REINDEX")
    options = read_options(c)
    concurrently = "CONCURRENTLY" in options and switched_on(options["CONCURRENTLY"])
    target = c.accept_one("INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM")
    if target is None:
        return None
    concurrently = c.accept("CONCURRENTLY") or concurrently
    return Reindex(target, c.name(), concurrently)


def _vacuum(c: Cursor) -> Statement | None:
    c.accept("VACUUM")
    options = read_options(c)
    full = "FULL" in options and switched_on(options["FULL"])
    while (word := c.accept_one("FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE")) is not None:
        full = full or word == "FULL"
    tables = []
    for item in c.split_top_level():
        if (name := item.name()) is not None:
            tables.append(name)
    return Vacuum(full, tuple(tables))


def _cluster(c: Cursor) -> Statement | None:
    c.accept("CLUSTER")
    read_options(c)
    c.accept("VERBOSE")
    first = c.name()
    if first is not None and c.accept("ON"):  # the old form: CLUSTER index ON table
        return Cluster(c.name())
    return Cluster(first)


def _set(c: Cursor) -> Statement | None:
    c.accept("SET")
    local = c.accept_one("SESSION", "LOCAL") == "LOCAL"
    name = c.name()
    if name is None or not (c.accept("TO") or c.accept_punct("=")):
        return None
    value_tokens = c.rest()
    value = c.span(value_tokens).strip("'\"") if value_tokens else None
    if value is not None and value.upper() == "DEFAULT":
        value = None
    return SetSetting(".".join(name.parts), value, local)


def _reset(c: Cursor) -> Statement | None:
    c.accept("RESET")
    name = c.name()
    return SetSetting(".".join(name.parts), None) if name else None


def _select(c: Cursor) -> Statement | None:
    """SELECT [pg_catalog.]set_config('name', 'value', is_local): a setting, as SET writes it."""
    c.accept("SELECT")
    if c.at("PG_CATALOG") and c.peek(1) is not None and c.peek(1).text == ".":
        c.index += 2
    if not (c.accept("SET_CONFIG") and c.accept_punct("(")):
        return None
    arguments = [c.advance() for _ in range(5)]
    if None in arguments or not (c.accept_punct(")") and c.done):
        return None
    name, comma, value, comma_, local = arguments
    if not (name.kind == value.kind == STRING and comma.text == comma_.text == "," and local.kind in (WORD, NUMBER)):
        return None
    return SetSetting(string_content(name).lower(), string_content(value) or None,
                      local=local.upper in ("TRUE", "T", "ON", "1"))


def _transaction(c: Cursor) -> Statement | None:
    word = c.advance().upper
    if word == "START" and not c.accept("TRANSACTION"):
        return None
    if word == "BEGIN" and c.at("ATOMIC"):
        return None
    if word == "ROLLBACK" and any(token.upper == "TO" for token in c.rest()):
        return None  # ROLLBACK TO SAVEPOINT stays inside the transaction
    action = {"BEGIN": "begin", "START": "begin", "COMMIT": "commit", "END": "commit"}.get(word, "rollback")
    return TransactionControl(action)


def _lock(c: Cursor) -> Statement | None:
    if not c.reads("lock-table"):
        return None
    c.accept("LOCK")
    c.accept("TABLE")
    c.accept("ONLY")
    names = _name_list(c)
    mode = "ACCESS EXCLUSIVE"
    if c.accept("IN"):
        words = []
        while (word := c.word()) and word != "MODE":
            words.append(word)
            c.advance()
        mode = " ".join(words)
    return LockTable(names, mode) if names else None


def _alter(c: Cursor) -> Statement | None:
    if c.at("ALTER", "DOMAIN"):
        return _alter_domain(c)
    if c.at("ALTER", "SCHEMA"):
        return _alter_schema(c)
    return read_alter_table(c)


def _alter_domain(c: Cursor) -> Statement | None:
    c.accept("ALTER", "DOMAIN")
    name = c.name()
    if name is None:
        return None
    if c.accept("ADD"):
        return AlterDomain(name, constraint=read_constraint(c))
    if c.accept("VALIDATE", "CONSTRAINT"):
        return AlterDomain(name, validates=c.identifier())
    return AlterDomain(name)


def _alter_schema(c: Cursor) -> Statement | None:
    c.accept("ALTER", "SCHEMA")
    name = c.name()
    if name is not None and c.accept("RENAME", "TO") and (new := c.name()) is not None:
        return RenameSchema(name, new)
    return Other("ALTER SCHEMA")


READERS = {
    "CREATE": _create, "ALTER": _alter, "DROP": _drop_statement, "RENAME": _rename_statement,
    "TRUNCATE": _truncate, "UPDATE": _update, "DELETE": _delete, "INSERT": _insert, "REPLACE": _insert,
    "WITH": _with, "REINDEX": _reindex, "VACUUM": _vacuum, "CLUSTER": _cluster, "SET": _set, "RESET": _reset,
    "SELECT": _select, "BEGIN": _transaction, "START": _transaction, "COMMIT": _transaction, "END": _transaction,
    "ROLLBACK": _transaction, "ABORT": _transaction, "LOCK": _lock,
}
