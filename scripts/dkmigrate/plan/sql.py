"""Statements the patterns are built from, one plain function each, for PostgreSQL, MySQL and SQLite.

Every name reaching these functions is a parsed identifiers.Name or TableName, quoted here for the
dialect; types were checked by identifiers.parse_type; defaults come from the database's own catalogue
or are quoted as literals.
"""

import re
from dataclasses import dataclass, replace

from ..adapters.base import TableFacts
from .identifiers import Name, TableName, derived_name, dollar_quoted, literal, quote

LOCK_TIMEOUT = "5s"  # how long a DDL statement may wait for its lock before giving up (and being retried)
BATCH_ROWS = 5000  # rows per backfill transaction


def lock_timeout(dialect: str, in_transaction: bool) -> list[str]:
    """Bound the wait for a lock, so a DDL statement queued behind a long transaction cannot stall all traffic."""
    if dialect == "postgres":
        return [f"SET {'LOCAL ' if in_transaction else ''}lock_timeout = '{LOCK_TIMEOUT}'"]
    if dialect == "mysql":
        return [f"SET SESSION lock_wait_timeout = {LOCK_TIMEOUT.rstrip('s')}"]
    return []


def reset_lock_timeout(dialect: str) -> list[str]:
    if dialect == "postgres":
        return ["RESET lock_timeout"]
    if dialect == "mysql":
        return ["SET SESSION lock_wait_timeout = DEFAULT"]
    return []


def add_column(dialect: str, table: TableName, column: Name, column_type: str, *, not_null: bool = False,
               default: str | None = None) -> str:
    definition = f"{column.sql(dialect)} {column_type}"
    if default is not None:
        definition += f" DEFAULT {default}"
    if not_null:
        definition += " NOT NULL"
    statement = f"ALTER TABLE {table.sql(dialect)} ADD COLUMN {definition}"
    return statement + (", ALGORITHM=INSTANT" if dialect == "mysql" else "")


def drop_column(dialect: str, table: TableName, column: Name) -> str:
    statement = f"ALTER TABLE {table.sql(dialect)} DROP COLUMN {column.sql(dialect)}"
    return statement + (", ALGORITHM=INPLACE, LOCK=NONE" if dialect == "mysql" else "")


def rename_column(dialect: str, table: TableName, old: Name, new: Name) -> str:
    return f"ALTER TABLE {table.sql(dialect)} RENAME COLUMN {old.sql(dialect)} TO {new.sql(dialect)}"


def create_index(dialect: str, name: str, table: TableName, columns: list[Name], *, unique: bool = False,
                 method: str | None = None) -> str:
    """Built without blocking writes where the engine can: CONCURRENTLY, or ALGORITHM=INPLACE, LOCK=NONE."""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    column_list = ", ".join(column.sql(dialect) for column in columns)
    if dialect == "postgres":
        using = f" USING {method}" if method and method != "btree" else ""
        return f"CREATE {kind} CONCURRENTLY {quote(name, dialect)} ON {table.sql(dialect)}{using} ({column_list})"
    if dialect == "mysql":
        return (f"ALTER TABLE {table.sql(dialect)} ADD {kind} {quote(name, dialect)} ({column_list}), "
                "ALGORITHM=INPLACE, LOCK=NONE")
    return f"CREATE {kind} {quote(name, dialect)} ON {table.sql(dialect)} ({column_list})"


def drop_index(dialect: str, name: str, table: TableName) -> str:
    if dialect == "postgres":
        return f"DROP INDEX CONCURRENTLY IF EXISTS {table.sibling(name).sql(dialect)}"
    if dialect == "mysql":
        return f"ALTER TABLE {table.sql(dialect)} DROP INDEX {quote(name, dialect)}, ALGORITHM=INPLACE, LOCK=NONE"
    return f"DROP INDEX IF EXISTS {quote(name, dialect)}"


def postgres_not_null_without_scan(table: TableName, column: Name, check: str) -> list[str]:
    """SET NOT NULL on a table with rows, outside a transaction: a CHECK added NOT VALID (a brief lock), validated
    (a scan that blocks no writes), then SET NOT NULL, which PostgreSQL 12+ proves from the CHECK without a scan."""
    t, c, k = table.sql("postgres"), column.sql("postgres"), quote(check, "postgres")
    return [*lock_timeout("postgres", False),
            f"ALTER TABLE {t} ADD CONSTRAINT {k} CHECK ({c} IS NOT NULL) NOT VALID",
            *reset_lock_timeout("postgres"),
            f"ALTER TABLE {t} VALIDATE CONSTRAINT {k}",
            *lock_timeout("postgres", False),
            f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",
            f"ALTER TABLE {t} DROP CONSTRAINT {k}",
            *reset_lock_timeout("postgres")]


def concurrently(index_definition: str) -> str:
    """PostgreSQL's CREATE [UNIQUE] INDEX definition (pg_get_indexdef) as a build that blocks no writes."""
    return re.sub(r"^CREATE (UNIQUE )?INDEX ", r"CREATE \1INDEX CONCURRENTLY ", index_definition, count=1)


def rows_where_column_exists(dialect: str, table: TableName, column: Name) -> str:
    """A query with a row when the column exists (a check that must come back empty once it is dropped)."""
    if dialect == "postgres":
        return (f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({table.literal(dialect)})"
                f" AND attname = {literal(column.text)} AND NOT attisdropped")
    if dialect == "mysql":
        return (f"SELECT column_name FROM information_schema.columns WHERE table_schema = "
                f"{literal(table.schema.text) if table.schema else 'DATABASE()'} AND table_name = {literal(table.name.text)}"
                f" AND column_name = {literal(column.text)}")
    return f"SELECT name FROM pragma_table_info({literal(table.name.text)}) WHERE name = {literal(column.text)}"


def rows_where_column_missing(dialect: str, table: TableName, column: Name) -> str:
    """A query with a row when the column does not exist (a check that must come back empty once it is added)."""
    return f"SELECT 'missing' AS {quote('column', dialect)} WHERE NOT EXISTS ({rows_where_column_exists(dialect, table, column)})"


def rows_where_table_exists(dialect: str, table: TableName) -> str:
    if dialect == "postgres":
        return f"SELECT to_regclass({table.literal(dialect)}) WHERE to_regclass({table.literal(dialect)}) IS NOT NULL"
    if dialect == "mysql":
        return (f"SELECT table_name FROM information_schema.tables WHERE table_schema = "
                f"{literal(table.schema.text) if table.schema else 'DATABASE()'} AND table_name = {literal(table.name.text)}")
    return f"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = {literal(table.name.text)}"


def invalid_indexes(table: TableName) -> str:
    """PostgreSQL: indexes a failed CREATE INDEX CONCURRENTLY left behind, unusable."""
    return (f"SELECT indexrelid::regclass FROM pg_index WHERE indrelid = to_regclass({table.literal('postgres')})"
            " AND NOT indisvalid")


def postgres_batched_update(table: TableName, assignments: str, pending: str) -> str:
    """An UPDATE in transactions of BATCH_ROWS rows each, so no row lock is held for long and no single
    transaction keeps old row versions alive. Runs outside a transaction block (it commits as it goes)."""
    quoted = table.sql("postgres")
    return "DO " + dollar_quoted(
        "\n"
        "DECLARE\n"
        "    updated integer;\n"
        "BEGIN\n"
        "    LOOP\n"
        f"        UPDATE {quoted} SET {assignments}\n"
        f"        WHERE ctid = ANY (ARRAY(SELECT ctid FROM {quoted} WHERE {pending} LIMIT {BATCH_ROWS}));\n"
        "        GET DIAGNOSTICS updated = ROW_COUNT;\n"
        "        EXIT WHEN updated = 0;\n"
        "        COMMIT;\n"
        "    END LOOP;\n"
        "END\n"
    )


def postgres_batched_copy(into: TableName, into_key: list[Name], source: TableName, source_key: list[Name],
                          columns: list[Name]) -> str:
    """Copy columns from the matching rows of another table, BATCH_ROWS rows per transaction (outside a
    transaction block), until every row of `into` agrees with its counterpart."""
    q = "postgres"
    cols = [column.sql(q) for column in columns]

    def match(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{i.sql(q)} = {b}.{s.sql(q)}" for i, s in zip(into_key, source_key))

    return "DO " + dollar_quoted(
        "\nDECLARE\n    copied integer;\nBEGIN\n    LOOP\n"
        f"        UPDATE {into.sql(q)} i SET {', '.join(f'{c} = s.{c}' for c in cols)} FROM {source.sql(q)} s\n"
        f"        WHERE {match('i', 's')} AND i.ctid = ANY (ARRAY(\n"
        f"            SELECT i2.ctid FROM {into.sql(q)} i2 JOIN {source.sql(q)} s2 ON {match('i2', 's2')}\n"
        f"            WHERE {' OR '.join(f'i2.{c} IS DISTINCT FROM s2.{c}' for c in cols)} LIMIT {BATCH_ROWS}));\n"
        "        GET DIAGNOSTICS copied = ROW_COUNT;\n        EXIT WHEN copied = 0;\n        COMMIT;\n"
        "    END LOOP;\nEND\n"
    )


def mysql_batched_update(table: TableName, assignments: str, pending: str) -> list[str]:
    """The same in MySQL: a procedure repeating a LIMITed UPDATE, each one its own autocommitted transaction."""
    procedure = derived_name(table.name.text, suffix="backfill")
    quoted = table.sql("mysql")
    return [
        f"CREATE PROCEDURE {quote(procedure, 'mysql')}()\n"
        "BEGIN\n"
        "    REPEAT\n"
        f"        UPDATE {quoted} SET {assignments} WHERE {pending} LIMIT {BATCH_ROWS};\n"
        "    UNTIL ROW_COUNT() = 0 END REPEAT;\n"
        "END",
        f"CALL {quote(procedure, 'mysql')}()",
        f"DROP PROCEDURE {quote(procedure, 'mysql')}",
    ]


def batched_update(dialect: str, table: TableName, assignments: str, pending: str) -> list[str]:
    if dialect == "postgres":
        return [postgres_batched_update(table, assignments, pending)]
    if dialect == "mysql":
        return mysql_batched_update(table, assignments, pending)
    # SQLite has one writer at a time whatever the batch size: one statement, one short transaction.
    return [f"UPDATE {table.sql(dialect)} SET {assignments} WHERE {pending}"]


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None  # SQL text, from the database's catalogue


@dataclass(frozen=True)
class TableShape:
    """A SQLite table as the rebuild procedure re-creates it."""

    columns: tuple[ColumnDef, ...]
    primary_key: tuple[str, ...]
    uniques: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]  # (columns, table, referenced)
    indexes: tuple[str, ...]  # CREATE INDEX statements
    autoincrement: bool = False

    @classmethod
    def of(cls, facts: TableFacts) -> "TableShape":
        return cls(
            columns=tuple(ColumnDef(c.name, c.type, not c.nullable, c.default) for c in facts.columns),
            primary_key=facts.primary_key,
            uniques=tuple(index.columns for index in facts.indexes
                          if index.unique and not index.primary and index.definition.startswith("(")),
            foreign_keys=tuple((key.columns, key.referenced_table, key.referenced_columns)
                               for key in facts.foreign_keys),
            indexes=tuple(index.definition for index in facts.indexes if not index.definition.startswith("(")),
            autoincrement="autoincrement" in (facts.definition or "").lower(),
        )

    def without(self, column: str) -> "TableShape":
        return replace(
            self,
            columns=tuple(c for c in self.columns if c.name != column),
            uniques=tuple(u for u in self.uniques if column not in u),
            foreign_keys=tuple(k for k in self.foreign_keys if column not in k[0]),
            indexes=tuple(i for i in self.indexes if not _mentions(i, column)),
        )


def _mentions(index_sql: str, column: str) -> bool:
    inside = index_sql[index_sql.find("(") + 1:]
    words = {word.strip(' "`[]').lower() for word in inside.replace(",", " ").replace(")", " ").split()}
    return column.lower() in words


def sqlite_rebuild(table: TableName, shape: TableShape, copy: dict[str, str]) -> list[str]:
    """SQLite's procedure for a change ALTER TABLE cannot make (sqlite.org/lang_altertable.html, section 7):
    create the new table, copy the rows, drop the old one, rename the new one, re-create the indexes.

    copy maps each new column to the SQL expression that fills it from the old table. The migrating
    connection leaves foreign key enforcement off (SQLite's default), so dropping the old table deletes no
    child rows, and references from other tables keep pointing at the name.
    """
    temporary = table.sibling(derived_name(table.name.text, suffix="rebuild"))
    definitions = []
    single_integer_key = (len(shape.primary_key) == 1 and
                          next(c for c in shape.columns if c.name == shape.primary_key[0]).type.upper() == "INTEGER")
    for column in shape.columns:
        text = f"{quote(column.name, 'sqlite')} {column.type}".rstrip()
        if single_integer_key and column.name == shape.primary_key[0]:
            text += " PRIMARY KEY" + (" AUTOINCREMENT" if shape.autoincrement else "")
        if column.not_null:
            text += " NOT NULL"
        if column.default is not None:
            text += f" DEFAULT {column.default}"
        definitions.append(text)
    if shape.primary_key and not single_integer_key:
        definitions.append(f"PRIMARY KEY ({_names(shape.primary_key)})")
    for unique in shape.uniques:
        definitions.append(f"UNIQUE ({_names(unique)})")
    for columns, referenced, referenced_columns in shape.foreign_keys:
        target = f" ({_names(referenced_columns)})" if any(referenced_columns) else ""
        definitions.append(f"FOREIGN KEY ({_names(columns)}) REFERENCES {quote(referenced, 'sqlite')}{target}")
    body = ",\n    ".join(definitions)
    names = [column.name for column in shape.columns]
    return [
        f"CREATE TABLE {temporary.sql('sqlite')} (\n    {body}\n)",
        f"INSERT INTO {temporary.sql('sqlite')} ({_names(names)})\n"
        f"    SELECT {', '.join(copy.get(name, quote(name, 'sqlite')) for name in names)} FROM {table.sql('sqlite')}",
        f"DROP TABLE {table.sql('sqlite')}",
        f"ALTER TABLE {temporary.sql('sqlite')} RENAME TO {table.sql('sqlite')}",
        *shape.indexes,
    ]


def sqlite_rebuild_allowances(table: TableName) -> list[tuple[str, str, str]]:
    """(statement, rule, reason) for the linter: the rebuild's DROP TABLE loses nothing."""
    drop = f"DROP TABLE {table.sql('sqlite')}"
    reason = "SQLite's table rebuild: every row was copied into the new table, which takes this name next"
    return [(drop, "drop-table", reason), (drop, "irreversible-down", reason)]


def _names(names) -> str:
    return ", ".join(quote(name, "sqlite") for name in names)
