"""What the patterns build with besides operations: the queries a phase's checks run, operations that are one
procedure together, and the shape of a table a rebuild re-creates.

Every name reaching these functions is a parsed identifiers.Name or TableName, quoted for the dialect by its
engine; types were checked by identifiers.parse_type; defaults come from the database's own catalogue or are
quoted as literals.
"""

from ..adapters.base import TableFacts
from ..engines import engine
from ..engines.base import BATCH_ROWS  # noqa: F401  (the patterns' words)
from ..lexer import QUOTED, WORD, identifier, tokenize
from . import operations as ops
from .identifiers import Name, TableName, quote


def not_null_without_scan(table: TableName, column: Name, check: str, column_type: str = "") -> list[ops.Operation]:
    """SET NOT NULL on a table with rows, outside a transaction, where constraints validate online: a CHECK added NOT
    VALID (a brief lock), validated (a scan that blocks no writes), then SET NOT NULL, which the server proves from
    the CHECK without a scan."""
    return [ops.Locked((ops.AddNotNullCheck(table, check, column),), in_transaction=False),
            ops.ValidateConstraint(table, check),
            ops.Locked((ops.AlterColumn(table, column, column_type, True, None, False, None).allowing(
                "set-not-null", f"CHECK ({column} IS NOT NULL) was validated just before, outside a transaction: no scan"),
                        ops.DropCheck(table, check, column)), in_transaction=False)]


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


def invalid_indexes(dialect: str, table: TableName) -> list[str]:
    """A query listing the indexes a failed online build left behind, unusable, where the engine leaves any."""
    query = engine(dialect).rows_of_invalid_indexes(table.literal(dialect))
    return [query] if query else []


def restore_column(dialect: str, table: TableName, archive: TableName, key: list[Name], column: Name) -> str:
    """Put the values of a column back from a copy of the key and the column (a drop's archive)."""
    return engine(dialect).restore_column(table.sql(dialect), archive.sql(dialect), [k.sql(dialect) for k in key],
                                          column.sql(dialect), BATCH_ROWS)


def shape_of(facts: TableFacts) -> ops.TableShape:
    """A table as the database describes it, as a rebuild re-creates it."""
    return ops.TableShape(
        columns=tuple(ops.ColumnShape(c.name, c.type, not c.nullable, c.default) for c in facts.columns),
        primary_key=facts.primary_key,
        uniques=tuple(index.columns for index in facts.indexes
                      if index.unique and not index.primary and index.definition.startswith("(")),
        foreign_keys=tuple((key.columns, key.referenced_table, key.referenced_columns) for key in facts.foreign_keys),
        indexes=tuple(index.definition for index in facts.indexes if not index.definition.startswith("(")),
        autoincrement="autoincrement" in (facts.definition or "").lower(),
    )


def shape_without(shape: ops.TableShape, column: str, dialect: str) -> ops.TableShape:
    return ops.replace(
        shape,
        columns=tuple(c for c in shape.columns if c.name != column),
        uniques=tuple(u for u in shape.uniques if column not in u),
        foreign_keys=tuple(k for k in shape.foreign_keys if column not in k[0]),
        indexes=tuple(i for i in shape.indexes if not mentions(i, column, dialect)),
    )


def mentions(index_sql: str, column: str, dialect: str) -> bool:
    """Whether a CREATE INDEX statement names the column in its column list."""
    tokens = tokenize(index_sql, dialect)
    start = next((i for i, token in enumerate(tokens) if token.text == "("), len(tokens))
    return any(identifier(token, dialect) == column.lower() for token in tokens[start:] if token.kind in (WORD, QUOTED))
