"""Constraints added to a table that already has rows: add-not-null-column, add-foreign-key and
add-unique-constraint. On PostgreSQL each is split so that no step scans the table under a lock that
blocks writes: NOT VALID then VALIDATE, CREATE UNIQUE INDEX CONCURRENTLY then USING INDEX."""

from dataclasses import replace

from ...engines import engine
from ..identifiers import Name, TableName, derived_name, literal, quote
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..operations import Comment, Rebuild, phase
from ..registry import Built, Context, Slots, register
from .. import sql

_NOT_NULL = r"(?:required|not null|non-null|non-nullable|mandatory)"
_VALUE = r"(?P<default>'(?:[^']|'')*'|[A-Za-z0-9_.+-]+)"


def default_literal(text: str) -> str:
    """A default from the goal or --default, always as a string literal: never SQL of its own."""
    if len(text) >= 2 and text[0] == text[-1] == "'":
        text = text[1:-1].replace("''", "'")
    return literal(text)


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
    value = (default_literal(slots.default) if slots.default is not None else
             ctx.missing("value for the existing rows", "give it with --default (a literal value)").text)
    facts = ctx.table_facts(table)
    if facts is not None and facts.column(column.text) is not None:
        from ...errors import UsageError

        raise UsageError(f"table {table} already has a column {column}")
    t, c = table.sql(d), column.sql(d)
    if not engine(d).validates_online:
        how = engine(d).add_column_note
        expand = Phase(EXPAND, f"add {column} NOT NULL DEFAULT {value}",
                       [f"One statement is enough: {how}; existing rows read {value}."],
                       sql=[*sql.lock_timeout(d, False), sql.add_column(d, table, column, column_type, not_null=True, default=value)],
                       verify=[sql.rows_where_column_missing(d, table, column)],
                       rollback=[sql.drop_column(d, table, column)], transaction=engine(d).transactional_ddl)
        deploy = Phase(DEPLOY, f"write {column}", [f"Release the application version that writes {column}."],
                       verify=[f"New rows carry a real {column}, not only the default."],
                       rollback=["Redeploy the previous version: the default fills the column for it."])
        return Built(f"Add {table}.{column} ({column_type}, NOT NULL, existing rows {value}).", [expand, deploy])
    check = quote(derived_name(table.name.text, column.text, suffix="not_null"), d)
    set_not_null = f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"
    phases = [
        Phase(EXPAND, f"add {column}, nullable, with its default",
              [f"Add {column} nullable, then give it the default {value} for rows inserted from now on (both only change "
               "the catalogue: no rewrite, no scan)."],
              sql=[*sql.lock_timeout(d, True), sql.add_column(d, table, column, column_type),
                   f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {value}"],
              verify=[sql.rows_where_column_missing(d, table, column)],
              rollback=[*sql.lock_timeout(d, True), sql.drop_column(d, table, column)]),
        Phase(MIGRATE, f"fill {column} and prove it is never NULL",
              [f"Set {column} = {value} in the existing rows, {sql.BATCH_ROWS} per transaction.",
               f"Add CHECK ({column} IS NOT NULL) NOT VALID (a brief lock), then VALIDATE it (a scan that blocks no writes)."],
              sql=[*sql.backfill(d, table, f"{c} = {value}", f"{c} IS NULL"),
                   *sql.lock_timeout(d, False),
                   f"ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID",
                   *sql.reset_lock_timeout(d),
                   f"ALTER TABLE {t} VALIDATE CONSTRAINT {check}"],
              verify=[f"SELECT count(*) AS null_rows FROM {t} WHERE {c} IS NULL HAVING count(*) > 0"],
              rollback=[*sql.lock_timeout(d, False), f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {check}",
                        *sql.reset_lock_timeout(d)],
              transaction=False),
        Phase(DEPLOY, f"write {column}", [f"Release the application version that writes {column} on every insert."],
              verify=[f"New rows carry a real {column}, not only the default."],
              rollback=["Redeploy the previous version: the default fills the column for it."]),
        Phase(CONTRACT, f"make {column} NOT NULL",
              ["SET NOT NULL uses the validated CHECK (PostgreSQL 12+): no scan; then the CHECK is redundant and goes."],
              sql=[*sql.lock_timeout(d, True), set_not_null, f"ALTER TABLE {t} DROP CONSTRAINT {check}"],
              verify=[f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({table.literal(d)}) "
                      f"AND attname = {literal(column.text)} AND NOT attnotnull"],
              rollback=[*sql.lock_timeout(d, True), f"ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID",
                        f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"]),
    ]
    phases[-1].allowing(set_not_null, "set-not-null", f"the MIGRATE migration validated CHECK ({column} IS NOT NULL): no scan")
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
    build_index = [] if indexed else [sql.create_index(d, index_name, table, [column])]
    drop_index = [] if indexed else [sql.drop_index(d, index_name, table)]
    constraint = (f"ALTER TABLE {t} ADD CONSTRAINT {quote(name, d)} FOREIGN KEY ({c}) "
                  f"REFERENCES {target.sql(d)} ({referenced.sql(d)})")
    steps_clean = ("Before anything: the orphans query must return no rows (fix or delete the rows that point "
                   "nowhere, and make the application stop writing them).")
    procedure = engine(d).foreign_key_procedure
    if procedure == "not-valid":
        phases = [
            Phase(EXPAND, "index the column, add the key NOT VALID",
                  [steps_clean,
                   *([f"Index {column} concurrently (deletes and updates in {target} look rows up by it)."] if build_index else []),
                   "Add the foreign key NOT VALID: a brief lock on both tables, no scan; new writes are checked from now on."],
                  sql=[*build_index, *sql.lock_timeout(d, False), f"{constraint} NOT VALID", *sql.reset_lock_timeout(d)],
                  verify=[orphans, *sql.invalid_indexes(d, table)],
                  rollback=[*sql.lock_timeout(d, False), f"ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {quote(name, d)}",
                            *sql.reset_lock_timeout(d), *drop_index],
                  transaction=not build_index),
            Phase(MIGRATE, "validate the existing rows",
                  ["VALIDATE CONSTRAINT scans the table under SHARE UPDATE EXCLUSIVE: reads and writes go on."],
                  sql=[f"ALTER TABLE {t} VALIDATE CONSTRAINT {quote(name, d)}"],
                  verify=[f"SELECT conname FROM pg_constraint WHERE conrelid = to_regclass({table.literal(d)}) "
                          f"AND conname = {literal(name)} AND NOT convalidated"],
                  rollback=["-- nothing to undo: VALIDATE only checked the existing rows (EXPAND's down drops the key)"]),
        ]
    elif procedure == "unchecked-inplace":
        phases = [Phase(EXPAND, "add the key without a table copy",
                        [steps_clean, "With foreign_key_checks off, InnoDB adds the key in place (ALGORITHM=INPLACE, "
                                      "LOCK=NONE) without checking the existing rows: the orphans query is that check."],
                        sql=[*sql.lock_timeout(d, False), "SET foreign_key_checks = 0",
                             f"{constraint}, ALGORITHM=INPLACE, LOCK=NONE", "SET foreign_key_checks = 1"],
                        verify=[orphans],
                        rollback=[f"ALTER TABLE {t} DROP FOREIGN KEY {quote(name, d)}, ALGORITHM=INPLACE, LOCK=NONE"],
                        transaction=False)]
    else:
        phases = _sqlite_foreign_key(ctx, table, column, target, referenced, build_index, drop_index, orphans, steps_clean)
    phases.append(Phase(DEPLOY, "rely on the key",
                        [f"The application may now rely on every {table}.{column} pointing at a {target} row; it must "
                         "handle the foreign key error on writes that would break it."],
                        verify=["No foreign key violations in the application's error log."],
                        rollback=["Nothing to undo in the application."]))
    return Built(f"Add a foreign key from {table}.{column} to {target}.{referenced} without a long lock: orphans first, "
                 "then the key for new rows, then the check of the existing rows.", phases)


def _sqlite_foreign_key(ctx, table, column, target, referenced, build_index, drop_index, orphans, steps_clean):
    facts = ctx.table_facts(table)
    expand = Phase(EXPAND, f"index {column}", [steps_clean, f"Index {column}."] if build_index else [steps_clean],
                   sql=build_index, verify=[orphans], rollback=drop_index or ["-- nothing to undo"])
    database = engine(ctx.dialect)
    steps = ["SQLite cannot add a foreign key with ALTER TABLE: the table is rebuilt (create, copy, drop, rename). "
             "SQLite enforces the key only where the application turns on PRAGMA foreign_keys."]
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
    index = sql.create_index(d, name, table, columns, unique=True)
    drop = sql.drop_index(d, name, table)
    database = engine(d)
    expand = Phase(EXPAND, "build the unique index", [first, "Build the unique index " + database.index_build_note],
                   sql=[index], verify=[duplicates, *sql.invalid_indexes(d, table)],
                   rollback=[drop], transaction=database.transactional_ddl and not database.runs_outside_transaction(index))
    phases = [expand]
    if database.validates_online:
        phases.append(Phase(
            MIGRATE, "turn the index into the constraint",
            ["ADD CONSTRAINT ... UNIQUE USING INDEX takes a brief lock and no scan: the index already proves it."],
            sql=[*sql.lock_timeout(d, True), f"ALTER TABLE {t} ADD CONSTRAINT {quote(name, d)} UNIQUE USING INDEX {quote(name, d)}"],
            verify=[f"SELECT 'missing' AS {quote('constraint', d)} WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE "
                    f"conrelid = to_regclass({table.literal(d)}) AND conname = {literal(name)})"],
            rollback=[*sql.lock_timeout(d, False), f"ALTER TABLE {t} DROP CONSTRAINT {quote(name, d)}",
                      *sql.reset_lock_timeout(d), index],
        ))
    phases.append(Phase(DEPLOY, "rely on uniqueness",
                        ["The application may rely on the uniqueness; it must handle the unique violation error "
                         "(e.g. turn it into a validation message)."],
                        verify=["No unhandled unique violations in the application's error log."],
                        rollback=["Nothing to undo in the application."]))
    return Built(f"Make {table}({', '.join(map(str, columns))}) unique without blocking writes.", phases)
