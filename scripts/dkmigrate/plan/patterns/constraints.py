"""Constraints added to a table that already has rows: add-not-null-column, add-foreign-key and
add-unique-constraint. On PostgreSQL each is split so that no step scans the table under a lock that
blocks writes: NOT VALID then VALIDATE, CREATE UNIQUE INDEX CONCURRENTLY then USING INDEX."""

from ...engines import engine
from ..identifiers import Name, TableName, derived_name
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..operations import (AddColumn, AddForeignKey, AddNotNullCheck, AddUniqueUsingIndex, AlterColumn, Backfill,
                          Comment, CreateIndex, DropCheck, DropConstraint, Locked, Rebuild, ValidateConstraint, phase,
                          replace)
from ..registry import Built, Context, Slots, register
from .. import sql
from ...text import printable

_NOT_NULL = r"(?:required|not null|non-null|non-nullable|mandatory)"
_VALUE = r"(?P<default>'(?:[^']|'')*'|[A-Za-z0-9_.+-]+)"


def default_literal(text: str, dialect: str) -> str:
    """A default from the goal or --default, always as a string literal of the engine: never SQL of its own."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    literal = engine(dialect).literal(text)
    if "\x00" in literal:
        from ...errors import UsageError

        raise UsageError(f"default '{printable(text)}' holds a NUL character, which {engine(dialect).label} cannot "
                         "write in a migration's string literal")
    return literal


@register(
    "add-not-null-column", "add a NOT NULL column to a large table", "add not null column orders.status text default 'new'",
    intent=rf"^add\b.*\b{_NOT_NULL}\b",
    forms=[
        rf"add (?:an? )?{_NOT_NULL} column to (?:an? )?(?:large |big |huge |existing )?table",
        rf"add (?:an? )?{_NOT_NULL} column (?P<column>\S+?)(?: (?P<type>[^']+?))? (?:to|on) (?:the )?(?:table )?(?P<table>\S+?)(?: default {_VALUE})?",
        rf"add (?:an? )?{_NOT_NULL} column (?P<column_ref>\S+?)(?: (?P<type>[^']+?))?(?: default {_VALUE})?",
        rf"add (?:column )?(?P<column_ref>\S+?)(?: (?P<type>[^']+?))? {_NOT_NULL}(?: default {_VALUE})?",
    ],
    to_slot="type",
)
def add_not_null_column(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    column = slots.column or ctx.missing("new column", "name it in the goal (table.column) or with --column")
    column_type = slots.type or ctx.missing("type of the new column", "name it in the goal or with --type").text
    value = (default_literal(slots.default, d) if slots.default is not None else
             ctx.missing("value for the existing rows", "give it with --default (a literal value)").text)
    facts = ctx.table_facts(table)
    if facts is not None and facts.column(column.text) is not None:
        from ...errors import UsageError

        raise UsageError(f"table {table} already has a column {column}")
    t, c = table.sql(d), column.sql(d)
    database = engine(d)
    if not database.validates_online:
        expand = phase(database, EXPAND, f"add {column} NOT NULL DEFAULT {value}",
                       [f"One statement is enough: {database.add_column_note}; existing rows read {value}."],
                       [Locked((AddColumn(table, column, column_type, not_null=True, default=value),), in_transaction=False)],
                       verify=[sql.rows_where_column_missing(d, table, column)], transaction=database.transactional_ddl)
        deploy = Phase(DEPLOY, f"write {column}", [f"Release the application version that writes {column}."],
                       verify=[f"New rows carry a real {column}, not only the default."],
                       rollback=["Redeploy the previous version: the default fills the column for it."])
        return Built(f"Add {table}.{column} ({column_type}, NOT NULL, existing rows {value}).", [expand, deploy])
    check = derived_name(table.name.text, column.text, suffix="not_null")
    phases = [
        phase(database, EXPAND, f"add {column}, nullable, with its default",
              [f"Add {column} nullable, then give it the default {value} for rows inserted from now on (both only change "
               "the catalogue: no rewrite, no scan)."],
              [Locked((AddColumn(table, column, column_type),
                       AlterColumn(table, column, column_type, False, value, False, None)))],
              verify=[sql.rows_where_column_missing(d, table, column)]),
        phase(database, MIGRATE, f"fill {column} and prove it is never NULL",
              [f"Set {column} = {value} in the existing rows, {sql.BATCH_ROWS} per transaction.",
               f"Add CHECK ({column} IS NOT NULL) NOT VALID (a brief lock), then VALIDATE it (a scan that blocks no writes)."],
              [Backfill(table, f"{c} = {value}", f"{c} IS NULL"),
               Locked((AddNotNullCheck(table, check, column),), in_transaction=False), ValidateConstraint(table, check)],
              verify=[f"SELECT count(*) AS null_rows FROM {t} WHERE {c} IS NULL HAVING count(*) > 0"]),
        Phase(DEPLOY, f"write {column}", [f"Release the application version that writes {column} on every insert."],
              verify=[f"New rows carry a real {column}, not only the default."],
              rollback=["Redeploy the previous version: the default fills the column for it."]),
        phase(database, CONTRACT, f"make {column} NOT NULL",
              ["SET NOT NULL uses the validated CHECK (PostgreSQL 12+): no scan; then the CHECK is redundant and goes."],
              [Locked((AlterColumn(table, column, column_type, True, None, False, None).allowing(
                  "set-not-null", f"the MIGRATE migration validated CHECK ({column} IS NOT NULL): no scan"),
                       DropCheck(table, check, column)))],
              verify=[database.rows_where_column_nullable(table, column)]),
    ]
    ctx.notes.append(f"With a constant default, PostgreSQL 11+ can also do it in one statement without a rewrite: "
                     f"ALTER TABLE {t} ADD COLUMN {c} {column_type} NOT NULL DEFAULT {value}. The phases above also work "
                     "when the default must not stay, or the existing rows need other values than new ones.")
    return Built(f"Add {table}.{column} ({column_type}, NOT NULL) to a table with rows: nullable first, filled in "
                 "batches, proven by a validated CHECK, then NOT NULL without a scan.", phases)


def _referenced_column(ctx: Context, target: TableName, given: Name | None) -> Name:
    if given is not None:
        return given
    key = ctx.primary_key(target)
    return key[0] if len(key) == 1 else ctx.missing(f"referenced column of {target}", "name it (table.column)")


@register(
    "add-foreign-key", "add a foreign key", "add foreign key orders.customer_id references customers.id",
    intent=r"\bforeign\s+key\b|\breferences\b",
    forms=[
        r"add (?:an? )?foreign key (?:on |from |for )?(?P<column_ref>.+?) (?:references|referencing|to|->) (?P<target_ref>.+)",
        r"(?:make )?(?P<column_ref>.+?) (?:references|reference) (?P<target_ref>.+)",
        r"add (?:an? )?foreign key",
    ],
    to_slot="target_ref",
)
def add_foreign_key(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    column = slots.column or ctx.missing("referencing column", "name it in the goal (table.column) or with --column")
    target = slots.target_table or TableName(None, ctx.missing("referenced table", "name it in the goal or with --to"))
    referenced = _referenced_column(ctx, target, slots.target_column)
    ctx.column_facts(table, column)
    name = derived_name(table.name.text, column.text, suffix="fkey")
    t, c = table.sql(d), column.sql(d)
    orphans = (f"SELECT o.{c} FROM {t} o WHERE o.{c} IS NOT NULL AND NOT EXISTS "
               f"(SELECT 1 FROM {target.sql(d)} p WHERE p.{referenced.sql(d)} = o.{c}) LIMIT 10")
    facts = ctx.table_facts(table)
    indexed = facts is not None and any(index.columns[:1] == (column.text,) for index in facts.indexes)
    index_name = derived_name(table.name.text, column.text, suffix="idx")
    indexed = indexed or engine(d).indexes_foreign_keys
    index = [] if indexed else [CreateIndex(table, index_name, (column,))]
    key = AddForeignKey(table, name, column, target, referenced)
    steps_clean = ("Before anything: the orphans query must return no rows (fix or delete the rows that point "
                   "nowhere, and make the application stop writing them).")
    database = engine(d)
    procedure = database.foreign_key_procedure
    if procedure == "not-valid":
        phases = [
            phase(database, EXPAND, "index the column, add the key NOT VALID",
                  [steps_clean,
                   *([f"Index {column} concurrently (deletes and updates in {target} look rows up by it)."] if index else []),
                   "Add the foreign key NOT VALID: a brief lock on both tables, no scan; new writes are checked from now on."],
                  [*index, Locked((key,), in_transaction=False)], verify=[orphans, *sql.invalid_indexes(d, table)]),
            phase(database, MIGRATE, "validate the existing rows",
                  ["VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on."],
                  [ValidateConstraint(table, name)], verify=[database.rows_where_constraint_not_validated(table, name)],
                  nothing_to_undo="nothing to undo: VALIDATE only checked the existing rows (EXPAND's down drops the key)"),
        ]
    elif procedure == "unchecked-inplace":
        phases = [phase(database, EXPAND, "add the key without a table copy",
                        [steps_clean, "With foreign_key_checks off, InnoDB adds the key in place (ALGORITHM=INPLACE, "
                                      "LOCK=NONE) without checking the existing rows: the orphans query is that check."],
                        [Locked((key,), in_transaction=False)], verify=[orphans], transaction=False)]
    else:
        phases = _rebuilt_foreign_key(ctx, table, column, target, referenced, index, orphans, steps_clean)
    phases.append(Phase(DEPLOY, "rely on the key",
                        [f"The application may now rely on every {table}.{column} pointing at a {target} row; it must "
                         "handle the foreign key error on writes that would break it."],
                        verify=["No foreign key violations in the application's error log."],
                        rollback=["Nothing to undo in the application."]))
    return Built(f"Add a foreign key from {table}.{column} to {target}.{referenced} without a long lock: orphans first, "
                 "then the key for new rows, then the check of the existing rows.", phases)


def _rebuilt_foreign_key(ctx, table, column, target, referenced, index, orphans, steps_clean):
    facts = ctx.table_facts(table)
    database = engine(ctx.dialect)
    expand = phase(database, EXPAND, f"index {column}", [steps_clean, f"Index {column}."] if index else [steps_clean],
                   index, verify=[orphans], nothing_to_undo="nothing to undo")
    steps = [f"{database.label} cannot add a foreign key with ALTER TABLE: the table is rebuilt (create, copy, drop, "
             f"rename). {database.label} enforces the key only where the application turns on PRAGMA foreign_keys."]
    if facts is None:
        operations = [Comment(ctx.missing(f'columns of {table}', 'plan against the live database, which knows them').text)]
        undo = operations
    else:
        ctx.rebuild_caveat(table, facts)
        shape = sql.shape_of(facts)
        with_key = replace(shape, foreign_keys=shape.foreign_keys + (((column.text,), target.name.text, (referenced.text,)),))
        operations, undo = [Rebuild(table, with_key, shape)], None
    violations = database.rows_of_foreign_key_violations(table.literal(ctx.dialect))
    migrate = phase(database, MIGRATE, "rebuild the table with the key", steps, operations,
                    verify=[violations] if violations else [], undo=undo)
    return [expand, migrate]


@register(
    "add-unique-constraint", "add a unique constraint", "add unique constraint on users.email",
    intent=r"\bunique\b",
    forms=[
        r"(?:add (?:an? )?)?unique (?:constraint |index |key )?(?:on |to |for )?(?P<column_ref>[^\s,]+)",
        r"make (?P<column_ref>.+?) unique",
        r"(?:add (?:an? )?)?unique (?:constraint|index|key)(?: to (?:an? )?(?:existing )?table)?",
    ],
    to_slot="column",
)
def add_unique_constraint(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    columns = slots.columns or [slots.column or ctx.missing("column to make unique", "name it (table.column) or with --columns")]
    for column in columns:
        ctx.column_facts(table, column)
    name = derived_name(table.name.text, *(c.text for c in columns), suffix="key")
    t, listed = table.sql(d), ", ".join(c.sql(d) for c in columns)
    duplicates = (f"SELECT {listed}, count(*) FROM {t} WHERE {' AND '.join(f'{c.sql(d)} IS NOT NULL' for c in columns)}"
                  f" GROUP BY {listed} HAVING count(*) > 1 LIMIT 10")
    first = ("Before anything: the duplicates query must return no rows (merge or fix the duplicates, and make the "
             "application stop writing new ones).")
    index = CreateIndex(table, name, tuple(columns), unique=True)
    database = engine(d)
    phases = [phase(database, EXPAND, "build the unique index", [first, "Build the unique index " + database.index_build_note],
                    [index], verify=[duplicates, *sql.invalid_indexes(d, table)])]
    if database.validates_online:
        phases.append(phase(
            database, MIGRATE, "turn the index into the constraint",
            ["ADD CONSTRAINT ... UNIQUE USING INDEX takes a brief lock and no scan: the index already proves it."],
            [Locked((AddUniqueUsingIndex(table, index),))],
            verify=[database.rows_where_constraint_missing(table, name)],
            # outside a transaction: dropping the constraint drops its index, built again CONCURRENTLY
            undo=[Locked((DropConstraint(table, name),), in_transaction=False), index]))
    phases.append(Phase(DEPLOY, "rely on uniqueness",
                        ["The application may rely on the uniqueness; it must handle the unique violation error "
                         "(e.g. turn it into a validation message)."],
                        verify=["No unhandled unique violations in the application's error log."],
                        rollback=["Nothing to undo in the application."]))
    return Built(f"Make {table}({', '.join(map(str, columns))}) unique without blocking writes.", phases)
