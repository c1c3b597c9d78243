"""Statements the patterns are built from, one plain function each, for PostgreSQL, MySQL and SQLite.

Every name reaching these functions is a parsed identifiers.Name or TableName, quoted here for the
dialect; types were checked by identifiers.parse_type; defaults come from the database's own catalogue
or are quoted as literals.
"""

from dataclasses import dataclass, replace

from ..adapters.base import TableFacts
from ..engines import engine
from ..engines.base import LOCK_TIMEOUT_SECONDS
from ..engines.postgres import POSTGRES
from ..lexer import QUOTED, WORD, identifier, tokenize
from .identifiers import Name, TableName, derived_name, quote

LOCK_TIMEOUT = f"{LOCK_TIMEOUT_SECONDS}s"  # how long a DDL statement may wait for its lock (then it is retried)
BATCH_ROWS = 5000  # rows per backfill transaction


def lock_timeout(dialect: str, in_transaction: bool) -> list[str]:
    """Bound the wait for a lock, so a DDL statement queued behind a long transaction cannot stall all traffic."""
    return engine(dialect).lock_timeout(in_transaction)


def reset_lock_timeout(dialect: str) -> list[str]:
    return engine(dialect).reset_lock_timeout()


def add_column(dialect: str, table: TableName, column: Name, column_type: str, *, not_null: bool = False,
               default: str | None = None) -> str:
    definition = f"{column.sql(dialect)} {column_type}"
    if default is not None:
        definition += f" DEFAULT {default}"
    if not_null:
        definition += " NOT NULL"
    return engine(dialect).add_column(table.sql(dialect), definition)


def drop_column(dialect: str, table: TableName, column: Name) -> str:
    return engine(dialect).drop_column(table.sql(dialect), column.sql(dialect))


def rename_column(dialect: str, table: TableName, old: Name, new: Name) -> str:
    return f"ALTER TABLE {table.sql(dialect)} RENAME COLUMN {old.sql(dialect)} TO {new.sql(dialect)}"


def rename_table(dialect: str, table: TableName, new: TableName) -> str:
    return engine(dialect).rename_table(table.sql(dialect), new.sql(dialect), new.name.sql(dialect))


def create_index(dialect: str, name: str, table: TableName, columns: list[Name], *, unique: bool = False,
                 method: str | None = None) -> str:
    """Built without blocking writes where the engine can: CONCURRENTLY, or ALGORITHM=INPLACE, LOCK=NONE."""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    column_list = ", ".join(column.sql(dialect) for column in columns)
    return engine(dialect).create_index(kind, quote(name, dialect), table.sql(dialect), column_list, method)


def drop_index(dialect: str, name: str, table: TableName) -> str:
    return engine(dialect).drop_index(quote(name, dialect), table.sibling(name).sql(dialect), table.sql(dialect))


def make_nullable(dialect: str, table: TableName, column: Name, column_type: str) -> str | None:
    return engine(dialect).make_nullable(table.sql(dialect), column.sql(dialect), column_type)


def make_not_null(dialect: str, table: TableName, column: Name, column_type: str) -> str | None:
    return engine(dialect).make_not_null(table.sql(dialect), column.sql(dialect), column_type)


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
    return POSTGRES.concurrently(index_definition)


def rows_where_column_exists(dialect: str, table: TableName, column: Name) -> str:
    """A query with a row when the column exists (a check that must come back empty once it is dropped)."""
    return engine(dialect).rows_where_column_exists(table.schema.text if table.schema else None, table.name.text,
                                                    table.sql(dialect), column.text)


def rows_where_column_missing(dialect: str, table: TableName, column: Name) -> str:
    """A query with a row when the column does not exist (a check that must come back empty once it is added)."""
    return f"SELECT 'missing' AS {quote('column', dialect)} WHERE NOT EXISTS ({rows_where_column_exists(dialect, table, column)})"


def rows_where_table_exists(dialect: str, table: TableName) -> str:
    return engine(dialect).rows_where_table_exists(table.schema.text if table.schema else None, table.name.text,
                                                   table.sql(dialect))


def invalid_indexes(table: TableName) -> str:
    """PostgreSQL: indexes a failed CREATE INDEX CONCURRENTLY left behind, unusable."""
    return (f"SELECT indexrelid::regclass FROM pg_index WHERE indrelid = to_regclass({table.literal('postgres')})"
            " AND NOT indisvalid")


def postgres_batched_copy(into: TableName, into_key: list[Name], source: TableName, source_key: list[Name],
                          columns: list[Name]) -> str:
    """Copy columns from the matching rows of another table, BATCH_ROWS rows per transaction (outside a
    transaction block), until every row of `into` agrees with its counterpart."""
    q = "postgres"

    def match(a: str, b: str) -> str:
        return " AND ".join(f"{a}.{i.sql(q)} = {b}.{s.sql(q)}" for i, s in zip(into_key, source_key))

    return POSTGRES.batched_copy(into.sql(q), source.sql(q), match, [column.sql(q) for column in columns], BATCH_ROWS)


def batched_update(dialect: str, table: TableName, assignments: str, pending: str) -> list[str]:
    """An UPDATE of many rows that the runner runs in batches of BATCH_ROWS rows, one transaction each, walking the
    table by its key and resuming where it stopped (the `-- migrate:batch` directive)."""
    return [f"-- migrate:batch size={BATCH_ROWS}", f"UPDATE {table.sql(dialect)} SET {assignments} WHERE {pending}"]


def restore_column(dialect: str, table: TableName, archive: TableName, key: list[Name], column: Name) -> str:
    """Put the values of a column back from a copy of the key and the column (a drop's archive)."""
    return engine(dialect).restore_column(table.sql(dialect), archive.sql(dialect), [k.sql(dialect) for k in key],
                                          column.sql(dialect), BATCH_ROWS)


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
    """Whether SQLite's CREATE INDEX text names the column in its column list."""
    tokens = tokenize(index_sql, "sqlite")
    start = next((i for i, token in enumerate(tokens) if token.text == "("), len(tokens))
    return any(identifier(token, "sqlite") == column.lower() for token in tokens[start:] if token.kind in (WORD, QUOTED))


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
