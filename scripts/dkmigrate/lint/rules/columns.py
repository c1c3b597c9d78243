"""Adding columns: what makes ADD COLUMN rewrite the table, or fail."""

from ..findings import ERROR, POSTGRES, RISKY, SQLITE
from ..locks import SERIAL_TYPES
from ..registry import Hit, rule
from ..syntax import AddColumn, AlterTable, ColumnDef


def _added_columns(statement: AlterTable, context) -> list[ColumnDef]:
    return [action.column for action in context.actions_on_existing_table(statement, AddColumn)]


def _real_default(column: ColumnDef):
    return column.default if column.default is not None and not column.default.is_null else None


def _backfill_steps(table: str, column: ColumnDef, value: str) -> str:
    type_text = column.type.written if column.type else ""
    steps = (f"ALTER TABLE {table} ADD COLUMN {column.name} {type_text};\n"
             f"ALTER TABLE {table} ALTER COLUMN {column.name} SET DEFAULT {value};  -- for new rows only: no rewrite\n"
             f"then fill the existing rows in batches: UPDATE {table} SET {column.name} = {value} "
             f"WHERE {column.name} IS NULL AND id >= 1 AND id < 10001; ... each batch in its own transaction")
    if column.not_null:
        steps += (f"\nthen ALTER TABLE {table} ALTER COLUMN {column.name} SET NOT NULL (on PostgreSQL 12+ after a "
                  f"validated CHECK ({column.name} IS NOT NULL) constraint, so it does not scan)")
    return steps


@rule(
    "add-column-volatile-default", RISKY, dialects=(POSTGRES,), statements=(AlterTable,), actions=(AddColumn,),
    summary="ADD COLUMN with a volatile default (clock_timestamp(), random(), gen_random_uuid(), ...)",
    why="A volatile default is computed for each existing row, so PostgreSQL rewrites the whole table, and rebuilds "
        "its indexes, under an ACCESS EXCLUSIVE lock: nothing can read or write the table meanwhile. A constant "
        "default (or a stable one such as now()) is not flagged from PostgreSQL 11: it is stored once in the "
        "catalog and no row is written, whatever peers that flag every default say.",
    safe_alternative="Add the column without the default, SET DEFAULT in a second statement (it applies to new rows "
                     "only), then fill the existing rows in batches.",
)
def add_column_volatile_default(statement: AlterTable, context):
    if context.pg_version < 11:
        return  # add-column-default-rewrite covers every default there
    for column in _added_columns(statement, context):
        default = _real_default(column)
        if default is None or not (default.volatile_functions or default.unknown_functions):
            continue
        if default.volatile_functions:
            reason = f"{default.volatile_functions[0]}() is volatile"
        else:
            reason = (f"{default.unknown_functions[0]}() may be volatile (a function is VOLATILE unless declared "
                      "IMMUTABLE or STABLE; if it is declared so, this is safe: allow the rule with that reason)")
        yield Hit(f"ADD COLUMN {statement.name.written}.{column.name} DEFAULT {default.text}: {reason}, so "
                  f"PostgreSQL rewrites {statement.name.written} under an ACCESS EXCLUSIVE lock",
                  _backfill_steps(statement.name.written, column, default.text))


@rule(
    "add-column-default-rewrite", RISKY, dialects=(POSTGRES,), statements=(AlterTable,), actions=(AddColumn,),
    summary="ADD COLUMN with any default when the target is PostgreSQL 10 or older",
    why="Before PostgreSQL 11, adding a column with a default writes the default into every row: a full table "
        "rewrite under an ACCESS EXCLUSIVE lock.",
    safe_alternative="Add the column without the default, SET DEFAULT in a second statement (new rows only), then "
                     "fill the existing rows in batches; or target PostgreSQL 11 or later.",
)
def add_column_default_rewrite(statement: AlterTable, context):
    if context.pg_version >= 11:
        return
    for column in _added_columns(statement, context):
        default = _real_default(column)
        if default is not None:
            yield Hit(f"ADD COLUMN {statement.name.written}.{column.name} DEFAULT {default.text} rewrites the table "
                      f"on PostgreSQL {context.pg_version} (before 11 every row gets the default written into it)",
                      _backfill_steps(statement.name.written, column, default.text))


@rule(
    "add-column-required", ERROR, dialects=(POSTGRES, SQLITE), statements=(AlterTable,), actions=(AddColumn,),
    summary="ADD COLUMN NOT NULL without a default on an existing table",
    why="The existing rows would hold NULL in a NOT NULL column: PostgreSQL fails as soon as the table has a row "
        "(column contains null values), SQLite always (Cannot add a NOT NULL column with default value NULL).",
    safe_alternative="Give the column a default (a constant default costs no rewrite on PostgreSQL 11+), or add it "
                     "nullable, backfill it, then SET NOT NULL.",
)
def add_column_required(statement: AlterTable, context):
    for column in _added_columns(statement, context):
        generates_values = (column.generated is not None or column.auto_increment
                            or (column.type is not None and column.type.name in SERIAL_TYPES))
        if column.not_null and _real_default(column) is None and not generates_values:
            type_text = column.type.written if column.type else ""
            yield Hit(
                f"ADD COLUMN {statement.name.written}.{column.name} NOT NULL without a default: the existing rows "
                "have no value for it, so the statement fails on a table with rows",
                f"ALTER TABLE {statement.name.written} ADD COLUMN {column.name} {type_text} NOT NULL DEFAULT <value>;"
                "\nor add it nullable, backfill it in batches, then SET NOT NULL (on PostgreSQL 12+ after a validated "
                f"CHECK ({column.name} IS NOT NULL) NOT VALID constraint, so it does not scan)",
            )


@rule(
    "add-column-serial", RISKY, dialects=(POSTGRES,), statements=(AlterTable,), actions=(AddColumn,),
    summary="ADD COLUMN of serial/bigserial/identity/stored generated type",
    why="Each existing row needs its own value (the next sequence number, or the generated expression), so "
        "PostgreSQL rewrites the whole table under an ACCESS EXCLUSIVE lock.",
    safe_alternative="Add a plain nullable column; for a counter, create a sequence and SET DEFAULT nextval(...) "
                     "(new rows only); for a generated value, keep it filled by a trigger; backfill existing rows "
                     "in batches.",
)
def add_column_serial(statement: AlterTable, context):
    for column in _added_columns(statement, context):
        type_name = column.type.name if column.type else ""
        if type_name in SERIAL_TYPES:
            kind = type_name
        elif column.generated in ("identity", "stored"):
            kind = "an identity" if column.generated == "identity" else "a stored generated"
        else:
            continue
        table = statement.name.written
        yield Hit(f"ADD COLUMN {table}.{column.name} as {kind} column computes a value for every existing row: "
                  f"PostgreSQL rewrites {table} under an ACCESS EXCLUSIVE lock",
                  f"ALTER TABLE {table} ADD COLUMN {column.name} bigint;\n"
                  f"CREATE SEQUENCE {statement.name.last}_{column.name}_seq OWNED BY {table}.{column.name};\n"
                  f"ALTER TABLE {table} ALTER COLUMN {column.name} SET DEFAULT "
                  f"nextval('{statement.name.last}_{column.name}_seq');  -- new rows only\n"
                  "then backfill the existing rows in batches (for a generated column: keep it filled by a trigger "
                  "instead of the sequence)")
