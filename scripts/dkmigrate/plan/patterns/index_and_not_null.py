"""add-index and set-not-null: the two most common changes to a table with rows, each without a long lock.

add-index builds the index CONCURRENTLY on PostgreSQL (ALGORITHM=INPLACE, LOCK=NONE on MySQL). set-not-null
proves the column on PostgreSQL with a CHECK added NOT VALID and then validated, so SET NOT NULL needs no scan;
SQLite cannot change a column's nullability with ALTER TABLE and rebuilds the table.
"""

from ...engines import engine
from ...errors import UsageError
from ..identifiers import derived_name, quote
from ..model import CONTRACT, EXPAND, MIGRATE, Phase
from ..operations import (AddNotNullCheck, AlterColumn, Backfill, Comment, CreateIndex, DropCheck, Locked, Rebuild,
                          ValidateConstraint, phase, replace)
from ..registry import Built, Context, Slots, register
from .. import sql

_ADD_INDEX = r"(?:add|create|build) (?:an? )?(?:new )?(?:concurrent |btree )?index"
_NOT_NULL = r"(?:not null|non-null|non-nullable|required|mandatory)"
_DEFAULT = r"(?: (?:default|with default|filling nulls with) (?P<default>'(?:[^']|'')*'|[A-Za-z0-9_.+-]+))?"


@register(
    "add-index", "add an index to a table with rows", "add an index on orders.customer_id",
    intent=rf"^{_ADD_INDEX}\b|^index\s",
    forms=[
        rf"{_ADD_INDEX} (?:on|to|for) (?:the )?(?:table )?(?P<table>[^\s(]+) ?\((?P<columns>[^)]+)\)",
        rf"{_ADD_INDEX} (?:on|to|for) (?:the )?(?:column )?(?P<column>[^\s.]+) (?:on|in|of) (?:the )?(?:table )?"
        r"(?P<table>\S+?)(?: table)?",
        rf"{_ADD_INDEX} (?:on|to|for) (?:the )?(?:column )?(?P<column_ref>\S+\.\S+)",
        rf"{_ADD_INDEX} (?:on|to|for) (?:the )?(?:table )?(?P<table>[^\s.]+)(?: table)?",
        r"index (?P<column_ref>\S+)",
        _ADD_INDEX,
    ],
    to_slot="column",
)
def add_index(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    columns = slots.columns or [slots.column or ctx.missing("column to index", "name it (table.column) or with --columns")]
    for column in columns:
        ctx.column_facts(table, column)
    facts = ctx.table_facts(table)
    wanted = tuple(c.text for c in columns)
    existing = [index for index in (facts.indexes if facts else ()) if index.columns[:len(wanted)] == wanted]
    if existing:
        raise UsageError(f"{table} already has an index on ({', '.join(wanted)}): {existing[0].definition}",
                         hint="an index whose first columns are these serves the same lookups")
    name = derived_name(table.name.text, *wanted, suffix="idx")
    database = engine(d)
    build = CreateIndex(table, name, tuple(columns))
    expand = phase(database, EXPAND, f"build {name}", list(database.index_build_steps), [build],
                   verify=[*sql.invalid_indexes(d, table), _index_missing(d, table, name)])
    return Built(f"Index {table}({', '.join(wanted)}) without blocking writes where the engine can.", [expand])


def _index_missing(dialect: str, table, name: str) -> str:
    """A query with a row while the index does not exist."""
    found = engine(dialect).rows_where_index_exists(table.name.text, name)
    return f"SELECT 'missing' AS {quote('index', dialect)} WHERE NOT EXISTS ({found})"


@register(
    "set-not-null", "make an existing column NOT NULL", "make users.age not null",
    intent=rf"^(?:make|set|alter|change)\b.*\b{_NOT_NULL}\b|^add\s+(?:an?\s+)?{_NOT_NULL}\s+constraint\b",
    forms=[
        rf"(?:make|set|alter|change) (?:the )?(?:column )?(?P<column>[^\s.]+) (?:in|on|of) (?:the )?(?:table )?"
        rf"(?P<table>\S+?)(?: table)? (?:to )?(?:be )?(?:set )?{_NOT_NULL}{_DEFAULT}",
        rf"(?:make|set|alter|change) (?:the )?(?:column )?(?P<column_ref>\S+?) (?:column )?(?:to )?(?:be )?(?:set )?"
        rf"{_NOT_NULL}{_DEFAULT}",
        rf"add (?:an? )?{_NOT_NULL} constraint (?:on|to|for) (?:the )?(?:column )?(?P<column_ref>\S+?){_DEFAULT}",
    ],
    to_slot="column",
)
def set_not_null(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    column = slots.column or ctx.missing("column to make NOT NULL", "name it in the goal (table.column) or with --column")
    facts = ctx.column_facts(table, column)
    if facts is not None and not facts.nullable:
        raise UsageError(f"{table}.{column} is already NOT NULL")
    from .constraints import default_literal  # here: importing constraints first would register its patterns first

    value = default_literal(slots.default, d) if slots.default is not None else None
    t, c = table.sql(d), column.sql(d)
    nulls = f"SELECT count(*) AS null_rows FROM {t} WHERE {c} IS NULL HAVING count(*) > 0"
    first = (f"Before anything: every writer must set {column} (the application, jobs, imports); "
             + (f"existing NULLs become {value}." if value else
                "existing rows with NULL must be fixed first (the NULL rows query must return nothing), or give "
                "--default VALUE to fill them."))
    lost = f"which rows of {table} had no {column} (they keep {value})" if value else None
    database = engine(d)
    if database.validates_online:
        phases = _validated_not_null(ctx, table, column, value, first, nulls, lost)
    elif database.rebuilds_tables:
        phases = [_rebuilt_not_null(ctx, table, column, value, first, nulls, lost)]
    else:
        column_type = ctx.column_type(table, column, slots.type)
        fill = [Backfill(table, f"{c} = {value}", f"{c} IS NULL")] if value else []
        phases = [phase(database, CONTRACT, f"make {column} NOT NULL",
                        [first, "MODIFY ... NOT NULL rebuilds the table online (ALGORITHM=INPLACE, LOCK=NONE): reads "
                                "and writes go on; use gh-ost or pt-online-schema-change for a very large table."],
                        [*fill, Locked((AlterColumn(table, column, column_type, True, None, False, None),),
                                       in_transaction=False)],
                        verify=[nulls], transaction=False, rollback_loses_data=lost)]
    return Built(f"Make {table}.{column} NOT NULL without a long exclusive lock"
                 + (f" ({database.label}: by rebuilding the table)." if database.rebuilds_tables else "."), phases)


def _validated_not_null(ctx: Context, table, column, value, first, nulls, lost) -> list[Phase]:
    """Where constraints validate online: a CHECK added NOT VALID, validated without blocking writes, then SET NOT NULL
    proven by it."""
    d = ctx.dialect
    database = engine(d)
    check = derived_name(table.name.text, column.text, suffix="not_null")
    fill = [Backfill(table, f"{column.sql(d)} = {value}", f"{column.sql(d)} IS NULL")] if value else []
    add_check = AddNotNullCheck(table, check, column)
    expand = phase(database, EXPAND, f"add CHECK ({column} IS NOT NULL) NOT VALID",
                   [first, *([f"Set {column} = {value} where it is NULL, {sql.BATCH_ROWS} rows per transaction "
                              "(before the CHECK: an update of a row still NULL would fail it)."] if value else []),
                    "Add the CHECK NOT VALID: a brief lock, no scan; from now on every write is checked."],
                   [*fill, Locked((add_check,), in_transaction=not fill)],
                   verify=[database.rows_where_constraint_missing(table, check), nulls],
                   undo=[Locked((add_check.reverse(),))], transaction=not fill, rollback_loses_data=lost)
    migrate = phase(database, MIGRATE, "validate the existing rows",
                    ["VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on."],
                    [ValidateConstraint(table, check)], verify=[database.rows_where_constraint_not_validated(table, check)],
                    nothing_to_undo="nothing to undo: VALIDATE only checked the rows (EXPAND's down drops the CHECK)")
    contract = phase(database, CONTRACT, f"SET NOT NULL on {column}, drop the CHECK",
                     ["SET NOT NULL uses the validated CHECK (PostgreSQL 12+): no scan; then the CHECK is redundant and goes."],
                     [Locked((AlterColumn(table, column, "", True, None, False, None).allowing(
                         "set-not-null", f"the MIGRATE migration validated CHECK ({column} IS NOT NULL): no scan"),
                              DropCheck(table, check, column)))],
                     verify=[database.rows_where_column_nullable(table, column)])
    return [expand, migrate, contract]


def _rebuilt_not_null(ctx: Context, table, column, value, first, nulls, lost) -> Phase:
    database = engine(ctx.dialect)
    facts = ctx.table_facts(table)
    steps = [first, f"{database.label} cannot change a column's NOT NULL with ALTER TABLE: the table is rebuilt (create, "
                    "copy, drop, rename) under the database-wide write lock; writers wait until it is done."]
    if facts is None:
        operations = [Comment(ctx.missing(f'columns of {table}', 'plan against the live database, which knows them').text)]
        undo = operations
    else:
        ctx.rebuild_caveat(table, facts)
        shape = sql.shape_of(facts)
        required = replace(shape, columns=tuple(replace(c, not_null=True) if c.name == column.text else c
                                                 for c in shape.columns))
        fill = ((column.text, f"coalesce({column.sql(ctx.dialect)}, {value})"),) if value else ()
        operations, undo = [Rebuild(table, required, shape, copy=fill)], None
    return phase(database, CONTRACT, f"rebuild {table} with {column} NOT NULL", steps, operations, verify=[nulls],
                 undo=undo, rollback_loses_data=lost)
