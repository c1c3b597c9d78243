"""Column types a new column will regret: the ones PostgreSQL's own wiki ("Don't Do This") and the peers
(squawk, strong_migrations, eugene) warn about, because changing them later costs a table rewrite or
breaks queries. They look at columns created by the migration: an existing column is not the migration's
doing."""

from ..analysis import DOWN
from ..findings import CAUTION, MYSQL, POSTGRES
from ..registry import Hit, rule
from ..syntax import AddColumn, AlterTable, ColumnDef, CreateTable, DataType


def _new_columns(statement, context) -> list[tuple[str, ColumnDef, DataType]]:
    """(table, column definition, type) of every column a CREATE TABLE or ADD COLUMN creates (a down section
    that restores what its up removed is not designing anything; a column retyped in place is
    change-column-type's)."""
    if context.section == DOWN:
        return []
    if isinstance(statement, CreateTable):
        return [(statement.name.written, column, column.type) for column in statement.columns if column.type]
    return [(statement.name.written, action.column, action.column.type) for action in statement.actions
            if isinstance(action, AddColumn) and action.column.type]


@rule(
    "prefer-timestamptz", CAUTION, dialects=(POSTGRES,), statements=(CreateTable, AlterTable),
    actions=(AddColumn,),
    summary="a column of type timestamp (without time zone)",
    why="A timestamp without time zone stores the wall-clock reading of whoever wrote it: a server or client in "
        "another time zone, or a change of daylight saving time, silently shifts what it means, and comparing it "
        "with now() converts through the session's TimeZone. Converting the column later rewrites the table.",
    safe_alternative="timestamptz (timestamp with time zone): it stores an instant and shows it in the session's "
                     "time zone. If every writer stores UTC by convention (Rails does), disable the rule in "
                     "migrate.yaml (lint: disable: [prefer-timestamptz]).",
)
def prefer_timestamptz(statement, context):
    for table, column, data_type in _new_columns(statement, context):
        if data_type.name == "timestamp":
            yield Hit(f"{table}.{column.name} is {data_type.written}: a timestamp without time zone shifts meaning "
                      "with the writer's time zone",
                      f"{column.name} timestamptz{_modifiers(data_type)}")


@rule(
    "char-column", CAUTION, dialects=(POSTGRES,), statements=(CreateTable, AlterTable),
    actions=(AddColumn,),
    summary="a column of type char(n) / character(n)",
    why="char(n) pads every value with spaces to n characters, drops trailing spaces when compared or cast to "
        "text, and is no faster than text or varchar in PostgreSQL; a longer length later rewrites the table.",
    safe_alternative="text, or varchar(n) if a maximum length is a rule of the data (a longer varchar later costs "
                     "no rewrite); a fixed length is a CHECK (length(col) = n).",
)
def char_column(statement, context):
    for table, column, data_type in _new_columns(statement, context):
        if data_type.name == "char":
            yield Hit(f"{table}.{column.name} is {data_type.written}: values are blank-padded, and a longer length "
                      "later rewrites the table", f"{column.name} text (with CHECK (length({column.name}) = n) if the "
                      "length is fixed)")


@rule(
    "json-column", CAUTION, dialects=(POSTGRES,), statements=(CreateTable, AlterTable),
    actions=(AddColumn,),
    summary="a column of type json (not jsonb)",
    why="json has no equality operator, so a query that compares rows - SELECT DISTINCT, UNION, GROUP BY, an ORM "
        "that selects DISTINCT * - fails once the table has a json column; it is also reparsed on every access "
        "and cannot be indexed with GIN.",
    safe_alternative="jsonb.",
)
def json_column(statement, context):
    for table, column, data_type in _new_columns(statement, context):
        if data_type.name == "json":
            yield Hit(f"{table}.{column.name} is json: queries with DISTINCT, UNION or GROUP BY over the table's rows "
                      "fail (json has no equality operator)", f"{column.name} jsonb")


_SMALL_KEYS = {"integer": "bigint", "smallint": "bigint", "serial": "bigserial", "smallserial": "bigserial",
               "mediumint": "bigint", "tinyint": "bigint", "integer unsigned": "bigint unsigned",
               "mediumint unsigned": "bigint unsigned", "smallint unsigned": "bigint unsigned"}


@rule(
    "integer-primary-key", CAUTION, dialects=(POSTGRES, MYSQL), statements=(CreateTable, AlterTable),
    actions=(AddColumn,),
    summary="a new primary key or identity column of a 32-bit (or smaller) integer type",
    why="A 32-bit key runs out at 2,147,483,647 rows or sequence values (sooner with gaps): inserts then fail, "
        "and widening the key to bigint rewrites the table and every table that references it, under ACCESS "
        "EXCLUSIVE (MySQL: a copy).",
    safe_alternative="bigint (bigserial, bigint GENERATED ... AS IDENTITY, BIGINT AUTO_INCREMENT): four more bytes "
                     "a row.",
)
def integer_primary_key(statement, context):
    keys = set()
    if isinstance(statement, CreateTable):
        keys = {name for constraint in statement.constraints if constraint.kind == "primary_key"
                for name in constraint.columns}
    for table, column, data_type in _new_columns(statement, context):
        if data_type.array or data_type.name not in _SMALL_KEYS:
            continue
        if column.primary_key or column.name in keys or column.generated == "identity":
            yield Hit(f"{table}.{column.name} ({data_type.written}) is a 32-bit key: it runs out at about 2 billion "
                      "values, and widening it later rewrites the table", f"{column.name} {_SMALL_KEYS[data_type.name]}")


def _modifiers(data_type: DataType) -> str:
    return f"({', '.join(map(str, data_type.modifiers))})" if data_type.modifiers else ""
