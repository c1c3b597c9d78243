"""The machinery of renaming a column and of changing its type without downtime: a second column, kept
equal to the first by a trigger while old and new application versions run side by side, backfilled in
batches, given the old column's indexes and NOT NULL, and finally swapped in for the old one.

    EXPAND    add the new column and the trigger that keeps both equal
    MIGRATE   copy the existing rows in batches; build the indexes; prove NOT NULL without a long lock
    DEPLOY    release the application that uses the new column (rename), or that accepts the new type
    CONTRACT  drop the trigger and the old column (and, for a type change, give the new column the old name)
"""

from dataclasses import dataclass

from ...adapters.base import ColumnFacts, IndexFacts, TableFacts
from ...engines import engine
from ...lexer import WORD, tokenize
from ..identifiers import Name, TableName, derived_name, dollar_quoted, literal, quote
from ..model import CONTRACT, EXPAND, MIGRATE, Phase
from ..registry import Context
from .. import sql


@dataclass(frozen=True)
class ColumnCopy:
    table: TableName
    old: Name
    new: Name
    new_type: str
    old_type: str
    swap: bool  # CONTRACT gives the new column the old name (type change) instead of keeping it (rename)
    old_facts: ColumnFacts | None
    table_facts: TableFacts | None

    @property
    def final(self) -> Name:
        return self.old if self.swap else self.new

    @property
    def not_null(self) -> bool:
        return self.old_facts is not None and not self.old_facts.nullable

    @property
    def indexes(self) -> list[IndexFacts]:
        """The old column's indexes that can be rebuilt on the new column."""
        if self.table_facts is None:
            return []
        return [index for index in self.table_facts.indexes
                if self.old.text in index.columns and index.simple and not index.primary]

    def new_index_name(self, index: IndexFacts) -> str:
        columns = [self.new.text if c == self.old.text else c for c in index.columns]
        return derived_name(self.table.name.text, *columns, suffix="key" if index.unique else "idx")

    def new_index_columns(self, index: IndexFacts) -> list[Name]:
        return [self.new if c == self.old.text else Name(c) for c in index.columns]

    @property
    def check_name(self) -> str:
        return derived_name(self.table.name.text, self.new.text, suffix="not_null")

    @property
    def sync_name(self) -> str:
        return derived_name(self.table.name.text, self.new.text, suffix="sync")


def refuse_keys(ctx: Context, copy: ColumnCopy, verb: str) -> None:
    """A key column cannot be copied: the old one's constraints and references would be lost."""
    from ...errors import UsageError

    facts = copy.table_facts
    if facts is None:
        return
    if copy.old.text in facts.primary_key:
        raise UsageError(f"{copy.table}.{copy.old} is part of the primary key: this planner does not {verb} key columns "
                         "by expand-contract (every referencing row and index would have to move with it)")
    referencing = [key.name for key in facts.referenced_by if copy.old.text in key.referenced_columns]
    if referencing:
        raise UsageError(f"{copy.table}.{copy.old} is referenced by foreign keys ({', '.join(referencing)}): this planner "
                         f"does not {verb} referenced columns by expand-contract")


def note_constraints(ctx: Context, copy: ColumnCopy) -> None:
    """CHECK constraints and foreign keys on the old column go when it is dropped: the agent must carry them over."""
    facts = copy.table_facts
    if facts is None:
        ctx.fill_in.append(f"what {copy.table}.{copy.old} carries besides its values (NOT NULL, default, indexes, CHECK "
                           f"constraints, foreign keys): without the live database the plan cannot see them; give "
                           f"{copy.new} the same in the MIGRATE migration")
        return
    for check in facts.checks:
        if copy.old.text in check.columns:
            ctx.fill_in.append(f"{copy.table} has {check.definition} ({check.name}) on {copy.old}: add it for {copy.new} "
                               f"(NOT VALID, then VALIDATE) in the MIGRATE migration; CONTRACT's DROP COLUMN drops it")
    for key in facts.foreign_keys:
        if copy.old.text in key.columns:
            ctx.fill_in.append(f"{copy.table}.{copy.old} is a foreign key ({key.name} to {key.referenced_table}): add it for "
                               f"{copy.new} (NOT VALID, then VALIDATE) in the MIGRATE migration; CONTRACT's DROP COLUMN drops it")


def allow_contract(phase: Phase, c: ColumnCopy, dialect: str) -> None:
    """The steps of CONTRACT the linter flags, and why each is meant here."""
    kept = f"its values live on in {c.new}, from which the down restores them"
    drop = sql.drop_column(dialect, c.table, c.old)
    phase.allowing(drop, "drop-column", f"CONTRACT of an expand-contract: the application stopped using {c.old}")
    phase.allowing(drop, "irreversible-down", kept)
    if c.swap:
        rename = sql.rename_column(dialect, c.table, c.new, c.old)
        back = sql.rename_column(dialect, c.table, c.old, c.new)
        online = engine(dialect).online_alter
        rename, back = rename + online, back + online
        phase.allowing(rename, "rename-column", f"{c.new} is this plan's own column: no application uses its name")
        phase.allowing(back, "rename-column", f"back to the state after MIGRATE, where the application uses {c.old}")


def phases(ctx: Context, copy: ColumnCopy, deploy: Phase) -> list[Phase]:
    note_constraints(ctx, copy)
    builders = {"postgres": _PostgresCopy, "mysql": _MySQLCopy, "sqlite": _SQLiteCopy}
    builder = builders[ctx.dialect](ctx, copy)
    expand, migrate, contract = builder.expand(), builder.migrate(), builder.contract()
    if copy.swap:
        return [expand, migrate, contract, deploy]
    return [expand, migrate, deploy, contract]


class _Copy:
    dialect: str

    def __init__(self, ctx: Context, copy: ColumnCopy):
        self.ctx = ctx
        self.c = copy
        self.t = copy.table.sql(ctx.dialect)
        self.old = copy.old.sql(ctx.dialect)
        self.new = copy.new.sql(ctx.dialect)

    def cast(self, expression: str, to_type: str) -> str:
        return expression if self.c.new_type == self.c.old_type else f"CAST({expression} AS {to_type})"

    def differing_rows(self) -> str:
        return (f"SELECT {self.old}, {self.new} FROM {self.t}"
                f" WHERE {self.new} {self.distinct} {self.cast(self.old, self.c.new_type)} LIMIT 10")

    distinct = "IS DISTINCT FROM"

    def pending(self) -> str:
        return f"{self.new} IS NULL AND {self.old} IS NOT NULL"

    def backfill(self) -> list[str]:
        return sql.batched_update(self.dialect, self.c.table, f"{self.new} = {self.cast(self.old, self.c.new_type)}",
                                  self.pending())

    def index_statements(self) -> tuple[list[str], list[str]]:
        build, drop = [], []
        for index in self.c.indexes:
            name = self.c.new_index_name(index)
            build.append(sql.create_index(self.dialect, name, self.c.table, self.c.new_index_columns(index),
                                          unique=index.unique, method=_method(index)))
            drop.append(sql.drop_index(self.dialect, name, self.c.table))
        return build, drop

    def restore_old_indexes(self) -> list[str]:
        return [index.definition for index in self.c.indexes]

    def expand_steps(self) -> list[str]:
        return [
            f"Add {self.c.new} ({self.c.new_type}) to {self.c.table}, nullable and without a default for now.",
            f"Create the trigger that keeps {self.c.old} and {self.c.new} equal: a row written by either application "
            "version gets both columns.",
            "No application change is needed yet.",
        ]


def _method(index: IndexFacts) -> str | None:
    """The access method PostgreSQL's index definition names (CREATE INDEX ... USING gin (...))."""
    tokens = tokenize(index.definition, "postgres")
    return next((method.text for using, method in zip(tokens, tokens[1:])
                 if using.upper == "USING" and method.kind == WORD), None)


class _PostgresCopy(_Copy):
    dialect = "postgres"

    @property
    def function(self) -> TableName:
        return self.c.table.sibling(self.c.sync_name)

    def trigger_sql(self) -> list[str]:
        old, new = self.old, self.new
        return [
            f"CREATE FUNCTION {self.function.sql('postgres')}() RETURNS trigger LANGUAGE plpgsql AS " + dollar_quoted(
            "\nBEGIN\n"
            "    -- The column a statement wrote wins. A new row that has only one of the two gets it copied\n"
            f"    -- ({self.c.new} has no default during the change, so a value in it was written).\n"
            "    IF TG_OP = 'INSERT' THEN\n"
            f"        IF NEW.{new} IS NOT NULL THEN\n"
            f"            NEW.{old} := NEW.{new};\n"
            "        ELSE\n"
            f"            NEW.{new} := NEW.{old};\n"
            "        END IF;\n"
            f"    ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN\n"
            f"        NEW.{old} := NEW.{new};\n"
            f"    ELSIF NEW.{old} IS DISTINCT FROM OLD.{old} THEN\n"
            f"        NEW.{new} := NEW.{old};\n"
            "    END IF;\n"
            "    RETURN NEW;\n"
            "END\n"),
            f"CREATE TRIGGER {quote(self.c.sync_name, 'postgres')} BEFORE INSERT OR UPDATE ON {self.t}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {self.function.sql('postgres')}()",
        ]

    def drop_trigger_sql(self) -> list[str]:
        return [f"DROP TRIGGER {quote(self.c.sync_name, 'postgres')} ON {self.t}",
                f"DROP FUNCTION {self.function.sql('postgres')}()"]

    def expand(self) -> Phase:
        return Phase(
            EXPAND, f"add {self.c.new} and keep it in sync", self.expand_steps(),
            sql=[*sql.lock_timeout("postgres", True), sql.add_column("postgres", self.c.table, self.c.new, self.c.new_type),
                 *self.trigger_sql()],
            verify=[sql.rows_where_column_missing("postgres", self.c.table, self.c.new),
                    f"SELECT 'missing trigger' WHERE NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = "
                    f"to_regclass({self.c.table.literal('postgres')}) AND tgname = {literal(self.c.sync_name)})"],
            rollback=[*sql.lock_timeout("postgres", True), *self.drop_trigger_sql(),
                      sql.drop_column("postgres", self.c.table, self.c.new)],
        )

    def migrate(self) -> Phase:
        build, drop = self.index_statements()
        steps = [f"Copy {self.c.old} into {self.c.new} for the existing rows, {sql.BATCH_ROWS} rows per transaction "
                 "(each commits before the next: no long lock, no long transaction)."]
        statements = self.backfill()
        rollback = list(drop)
        if build:
            steps.append(f"Build the indexes of {self.c.old} on {self.c.new} with CREATE INDEX CONCURRENTLY (writes go on).")
            statements += build
        if self.c.not_null:
            check = quote(self.c.check_name, "postgres")
            steps.append(f"{self.c.old} is NOT NULL: add CHECK ({self.c.new} IS NOT NULL) NOT VALID (a brief lock), then "
                         "VALIDATE it (a scan that blocks no writes), so CONTRACT's SET NOT NULL needs no scan.")
            statements += [*sql.lock_timeout("postgres", False),
                           f"ALTER TABLE {self.t} ADD CONSTRAINT {check} CHECK ({self.new} IS NOT NULL) NOT VALID",
                           *sql.reset_lock_timeout("postgres"),
                           f"ALTER TABLE {self.t} VALIDATE CONSTRAINT {check}"]
            rollback = [*sql.lock_timeout("postgres", False), f"ALTER TABLE {self.t} DROP CONSTRAINT IF EXISTS {check}",
                        *sql.reset_lock_timeout("postgres"), *rollback]
        return Phase(
            MIGRATE, f"backfill {self.c.new}", steps, sql=statements,
            verify=[self.differing_rows(), sql.invalid_indexes(self.c.table)],
            rollback=rollback or ["-- nothing to undo: the copied values go with the column when EXPAND is rolled back"],
            transaction=False,
        )

    def contract(self) -> Phase:
        c = self.c
        check = quote(c.check_name, "postgres")
        statements = [*sql.lock_timeout("postgres", True), *self.drop_trigger_sql()]
        set_not_null = f"ALTER TABLE {self.t} ALTER COLUMN {self.new} SET NOT NULL"
        if c.not_null:
            statements += [set_not_null, f"ALTER TABLE {self.t} DROP CONSTRAINT {check}"]
        if c.old_facts is not None and c.old_facts.default is not None:
            statements.append(f"ALTER TABLE {self.t} ALTER COLUMN {self.new} SET DEFAULT {c.old_facts.default}")
        drop = sql.drop_column("postgres", c.table, c.old)
        statements.append(drop)
        swap = sql.rename_column("postgres", c.table, c.new, c.old)
        if c.swap:
            statements.append(swap)
        phase = Phase(
            CONTRACT, f"drop {c.old}" + (f", rename {c.new} to {c.old}" if c.swap else ""),
            self.contract_steps(),
            sql=statements,
            verify=[sql.rows_where_column_exists("postgres", c.table, c.new if c.swap else c.old)]
            + ([self.type_mismatch()] if c.swap else []),
            rollback=self.contract_rollback(check),
            rollback_loses_data=self.contract_loss(),
            transaction=True,
        )
        allow_contract(phase, c, "postgres")
        if c.not_null:
            phase.allowing(set_not_null, "set-not-null", f"the MIGRATE migration validated {c.check_name}: no scan")
            phase.allowing(f"ALTER TABLE {self.t} ALTER COLUMN {self.old} SET NOT NULL", "set-not-null",
                           f"CHECK ({c.old} IS NOT NULL) was validated just before, outside a transaction: no scan")
        return phase

    def type_mismatch(self) -> str:
        return (f"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                f"to_regclass({self.c.table.literal('postgres')}) AND attname = {literal(self.c.old.text)} "
                f"AND atttypid <> to_regtype({literal(self.c.new_type)})")

    def contract_steps(self) -> list[str]:
        c = self.c
        steps = [f"Drop the trigger, then {c.old}, in one short transaction (lock_timeout {sql.LOCK_TIMEOUT}: "
                 "retry later if it times out)."]
        if c.not_null:
            steps.append(f"SET NOT NULL on {c.new} uses the validated CHECK: no table scan.")
        if c.swap:
            steps.append(f"Give {c.new} the name {c.old}: from here on {c.old} is {c.new_type}.")
        return steps

    def contract_rollback(self, check: str) -> list[str]:
        """Back to the state after MIGRATE without a long lock: the old column re-added and kept in sync at once,
        refilled in batches, its NOT NULL proven by a validated CHECK, its indexes built concurrently."""
        c = self.c
        statements = [*sql.lock_timeout("postgres", False)]
        if c.swap:
            statements.append(sql.rename_column("postgres", c.table, c.old, c.new))
        statements.append(sql.add_column("postgres", c.table, c.old, c.old_type))
        if c.not_null:
            statements += [f"ALTER TABLE {self.t} ALTER COLUMN {self.new} DROP NOT NULL",
                           f"ALTER TABLE {self.t} ADD CONSTRAINT {check} CHECK ({self.new} IS NOT NULL) NOT VALID"]
        if c.old_facts is not None and c.old_facts.default is not None:
            statements.append(f"ALTER TABLE {self.t} ALTER COLUMN {self.new} DROP DEFAULT")
        statements += [*self.trigger_sql(), *sql.reset_lock_timeout("postgres")]
        statements += sql.batched_update("postgres", c.table, f"{self.old} = {self.cast(self.new, c.old_type)}",
                                         f"{self.old} IS NULL AND {self.new} IS NOT NULL")
        if c.not_null:
            statements.append(f"ALTER TABLE {self.t} VALIDATE CONSTRAINT {check}")
            statements += sql.postgres_not_null_without_scan(
                c.table, c.old, derived_name(c.table.name.text, c.old.text, suffix="not_null"))
        if c.old_facts is not None and c.old_facts.default is not None:
            statements += [*sql.lock_timeout("postgres", False),
                           f"ALTER TABLE {self.t} ALTER COLUMN {self.old} SET DEFAULT {c.old_facts.default}",
                           *sql.reset_lock_timeout("postgres")]
        return statements + [sql.concurrently(definition) for definition in self.restore_old_indexes()]

    def contract_loss(self) -> str | None:
        if self.c.swap:
            return (f"values written after CONTRACT that {self.c.old_type} cannot hold "
                    f"(CAST(... AS {self.c.old_type}) rounds or refuses them)")
        return None


class _SQLiteCopy(_Copy):
    dialect = "sqlite"
    distinct = "IS NOT"

    @property
    def row(self) -> str:
        facts = self.c.table_facts
        if facts is not None and "without rowid" in (facts.definition or "").lower():
            return " AND ".join(f"{quote(k, 'sqlite')} = NEW.{quote(k, 'sqlite')}" for k in facts.primary_key)
        return "rowid = NEW.rowid"

    def trigger_names(self) -> tuple[str, str]:
        return (derived_name(self.c.sync_name, suffix="insert"), derived_name(self.c.sync_name, suffix="update"))

    def trigger_sql(self) -> list[str]:
        insert, update = (quote(name, "sqlite") for name in self.trigger_names())
        old, new = self.old, self.new
        # SQLite triggers cannot change NEW: an AFTER trigger updates the row it fired for (recursive
        # triggers are off by default, so that update fires nothing further).
        return [
            f"CREATE TRIGGER {insert} AFTER INSERT ON {self.t} FOR EACH ROW\n"
            "BEGIN\n"
            f"    UPDATE {self.t} SET\n"
            f"        {old} = CASE WHEN NEW.{new} IS NOT NULL THEN {self.cast(f'NEW.{new}', self.c.old_type)} ELSE NEW.{old} END,\n"
            f"        {new} = CASE WHEN NEW.{new} IS NOT NULL THEN NEW.{new} ELSE {self.cast(f'NEW.{old}', self.c.new_type)} END\n"
            f"    WHERE {self.row};\n"
            "END",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {old}, {new} ON {self.t} FOR EACH ROW\n"
            f"WHEN NEW.{old} IS NOT OLD.{old} OR NEW.{new} IS NOT OLD.{new}\n"
            "BEGIN\n"
            f"    UPDATE {self.t} SET\n"
            f"        {old} = CASE WHEN NEW.{new} IS NOT OLD.{new} THEN {self.cast(f'NEW.{new}', self.c.old_type)} ELSE NEW.{old} END,\n"
            f"        {new} = CASE WHEN NEW.{new} IS NOT OLD.{new} THEN NEW.{new} ELSE {self.cast(f'NEW.{old}', self.c.new_type)} END\n"
            f"    WHERE {self.row};\n"
            "END",
        ]

    def drop_trigger_sql(self) -> list[str]:
        return [f"DROP TRIGGER {quote(name, 'sqlite')}" for name in self.trigger_names()]

    def expand(self) -> Phase:
        steps = self.expand_steps()
        if self.c.not_null:
            steps.append(f"{self.c.old} is NOT NULL and SQLite triggers run after the row is checked: until CONTRACT "
                         f"the new application version writes both {self.c.old} and {self.c.new}.")
        return Phase(
            EXPAND, f"add {self.c.new} and keep it in sync", steps,
            sql=[sql.add_column("sqlite", self.c.table, self.c.new, self.c.new_type), *self.trigger_sql()],
            verify=[sql.rows_where_column_missing("sqlite", self.c.table, self.c.new)],
            rollback=[*self.drop_trigger_sql(), sql.drop_column("sqlite", self.c.table, self.c.new)],
        )

    def migrate(self) -> Phase:
        build, drop = self.index_statements()
        steps = [f"Copy {self.c.old} into {self.c.new} for the existing rows, {sql.BATCH_ROWS} rows per transaction "
                 "(SQLite has one writer at a time: each batch holds it briefly)."]
        if build:
            steps.append(f"Build the indexes of {self.c.old} on {self.c.new}.")
        return Phase(
            MIGRATE, f"backfill {self.c.new}", steps, sql=[*self.backfill(), *build],
            verify=[self.differing_rows()],
            rollback=drop or ["-- nothing to undo: the copied values go with the column when EXPAND is rolled back"],
        )

    def needs_rebuild(self) -> bool:
        facts = self.c.table_facts
        if facts is None:
            return False
        constrained = any(self.c.old.text in index.columns for index in facts.indexes if index.definition.startswith("("))
        keyed = any(self.c.old.text in key.columns for key in facts.foreign_keys)
        return self.c.not_null or constrained or keyed

    def shapes(self) -> tuple[sql.TableShape, sql.TableShape]:
        """The table as MIGRATE leaves it, and as CONTRACT leaves it."""
        c = self.c
        before = sql.TableShape.of(c.table_facts)
        new_indexes = tuple(
            f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote(c.new_index_name(index), 'sqlite')} ON {self.t} "
            f"({', '.join(col.sql('sqlite') for col in c.new_index_columns(index))})" for index in c.indexes)
        during = sql.TableShape(before.columns + (sql.ColumnDef(c.new.text, c.new_type),), before.primary_key,
                                before.uniques, before.foreign_keys, before.indexes + new_indexes, before.autoincrement)
        final_name = c.final.text
        columns = []
        for column in before.columns:
            if column.name == c.old.text:
                if c.swap:
                    columns.append(sql.ColumnDef(final_name, c.new_type, column.not_null, column.default))
                continue
            columns.append(column)
        if not c.swap:
            old = c.old_facts
            columns.append(sql.ColumnDef(final_name, c.new_type, c.not_null, old.default if old else None))

        def renamed(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(final_name if name == c.old.text else name for name in names)

        after_indexes = tuple(
            f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote(c.new_index_name(index), 'sqlite')} ON {self.t} "
            f"({', '.join(quote(col, 'sqlite') for col in renamed(index.columns))})"
            for index in c.indexes if not index.definition.startswith("("))
        after = sql.TableShape(
            tuple(columns), renamed(before.primary_key), tuple(renamed(u) for u in before.uniques),
            tuple((renamed(k[0]), k[1], k[2]) for k in before.foreign_keys),
            tuple(i for i in before.indexes if not sql._mentions(i, c.old.text)) + after_indexes, before.autoincrement)
        return during, after

    def contract(self) -> Phase:
        c = self.c
        steps = [f"Drop the triggers and {c.old}" + (f", then give {c.new} the name {c.old}." if c.swap else ".")]
        if self.needs_rebuild():
            self.ctx.rebuild_caveat(c.table, c.table_facts)
            during, after = self.shapes()
            steps.append(f"SQLite cannot drop a constrained column or add NOT NULL with ALTER TABLE: the table is rebuilt "
                         f"(create, copy, drop, rename), {c.final} keeping what {c.old} had (NOT NULL, UNIQUE, keys).")
            statements = [*self.drop_trigger_sql(),
                          *sql.sqlite_rebuild(c.table, after, {c.final.text: self.new})]
            rollback = [*sql.sqlite_rebuild(c.table, during, {
                c.old.text: self.cast(c.final.sql("sqlite"), c.old_type), c.new.text: c.final.sql("sqlite")}),
                *self.trigger_sql()]
        else:
            old_indexes = [sql.drop_index("sqlite", index.name, c.table) for index in c.indexes]
            statements = [*self.drop_trigger_sql(), *old_indexes, sql.drop_column("sqlite", c.table, c.old)]
            rollback = []
            if c.swap:
                statements.append(sql.rename_column("sqlite", c.table, c.new, c.old))
                rollback.append(sql.rename_column("sqlite", c.table, c.old, c.new))
            rollback += [sql.add_column("sqlite", c.table, c.old, c.old_type),
                         f"UPDATE {self.t} SET {self.old} = {self.cast(self.new, c.old_type)}",
                         *self.restore_old_indexes(), *self.trigger_sql()]
        phase = Phase(
            CONTRACT, f"drop {c.old}" + (f", rename {c.new} to {c.old}" if c.swap else ""), steps, sql=statements,
            verify=[sql.rows_where_column_exists("sqlite", c.table, c.new if c.swap else c.old)],
            rollback=rollback,
            rollback_loses_data=(f"values written after CONTRACT that {c.old_type} cannot hold (they are converted "
                                 "back to it)" if c.swap else None),
        )
        allow_contract(phase, c, "sqlite")
        if self.needs_rebuild():
            phase.allowing_all(sql.sqlite_rebuild_allowances(c.table))
        return phase


class _MySQLCopy(_Copy):
    dialect = "mysql"
    distinct = "<=>"

    def differing_rows(self) -> str:
        return (f"SELECT {self.old}, {self.new} FROM {self.t}"
                f" WHERE NOT ({self.new} <=> {self.cast(self.old, self.c.new_type)}) LIMIT 10")

    def trigger_names(self) -> tuple[str, str]:
        return (derived_name(self.c.sync_name, suffix="insert"), derived_name(self.c.sync_name, suffix="update"))

    def trigger_sql(self) -> list[str]:
        insert, update = (quote(name, "mysql") for name in self.trigger_names())
        old, new = self.old, self.new
        return [
            f"CREATE TRIGGER {insert} BEFORE INSERT ON {self.t} FOR EACH ROW\n"
            "BEGIN\n"
            f"    IF NEW.{new} IS NOT NULL THEN SET NEW.{old} = NEW.{new}; ELSE SET NEW.{new} = NEW.{old}; END IF;\n"
            "END",
            f"CREATE TRIGGER {update} BEFORE UPDATE ON {self.t} FOR EACH ROW\n"
            "BEGIN\n"
            f"    IF NOT (NEW.{new} <=> OLD.{new}) THEN SET NEW.{old} = NEW.{new};\n"
            f"    ELSEIF NOT (NEW.{old} <=> OLD.{old}) THEN SET NEW.{new} = NEW.{old};\n"
            "    END IF;\n"
            "END",
        ]

    def drop_trigger_sql(self) -> list[str]:
        return [f"DROP TRIGGER {quote(name, 'mysql')}" for name in self.trigger_names()]

    def expand(self) -> Phase:
        steps = self.expand_steps()
        steps.append("ADD COLUMN with ALGORITHM=INSTANT changes only metadata (MySQL 8.0.12+, MariaDB 10.3+); on older "
                     "servers use ALGORITHM=INPLACE, LOCK=NONE, or pt-online-schema-change / gh-ost for a large table.")
        return Phase(
            EXPAND, f"add {self.c.new} and keep it in sync", steps,
            sql=[*sql.lock_timeout("mysql", False), sql.add_column("mysql", self.c.table, self.c.new, self.c.new_type),
                 *self.trigger_sql()],
            verify=[sql.rows_where_column_missing("mysql", self.c.table, self.c.new)],
            rollback=[*self.drop_trigger_sql(), sql.drop_column("mysql", self.c.table, self.c.new)],
            transaction=False,
        )

    def migrate(self) -> Phase:
        build, drop = self.index_statements()
        statements = self.backfill() + build
        steps = [f"Copy {self.c.old} into {self.c.new} {sql.BATCH_ROWS} rows at a time (each UPDATE commits on its own)."]
        if build:
            steps.append("Build the indexes online (ALGORITHM=INPLACE, LOCK=NONE).")
        return Phase(MIGRATE, f"backfill {self.c.new}", steps, sql=statements, verify=[self.differing_rows()],
                     rollback=drop or ["-- nothing to undo: the copied values go with the column when EXPAND is rolled back"],
                     transaction=False)

    def contract(self) -> Phase:
        c = self.c
        modify = f"{self.new} {c.new_type}{' NOT NULL' if c.not_null else ''}"
        if c.old_facts is not None and c.old_facts.default is not None:
            modify += f" DEFAULT {c.old_facts.default}"
        statements = [*sql.lock_timeout("mysql", False), *self.drop_trigger_sql()]
        if c.not_null or (c.old_facts is not None and c.old_facts.default is not None):
            statements.append(f"ALTER TABLE {self.t} MODIFY COLUMN {modify}, ALGORITHM=INPLACE, LOCK=NONE")
        statements.append(sql.drop_column("mysql", c.table, c.old))
        rollback = [*sql.lock_timeout("mysql", False)]
        if c.swap:
            statements.append(sql.rename_column("mysql", c.table, c.new, c.old) + ", ALGORITHM=INPLACE, LOCK=NONE")
            rollback.append(sql.rename_column("mysql", c.table, c.old, c.new) + ", ALGORITHM=INPLACE, LOCK=NONE")
        rollback += [sql.add_column("mysql", c.table, c.old, c.old_type),
                     *sql.batched_update("mysql", c.table, f"{self.old} = {self.new}", f"{self.old} IS NULL AND {self.new} IS NOT NULL"),
                     *self.trigger_sql()]
        phase = Phase(
            CONTRACT, f"drop {c.old}" + (f", rename {c.new} to {c.old}" if c.swap else ""),
            [f"Drop the triggers and {c.old} (ALGORITHM=INPLACE, LOCK=NONE; INSTANT on MySQL 8.0.29+). MySQL commits "
             "each DDL statement on its own: the steps are not one transaction."],
            sql=statements, verify=[sql.rows_where_column_exists("mysql", c.table, c.new if c.swap else c.old)],
            rollback=rollback, transaction=False,
        )
        allow_contract(phase, c, "mysql")
        return phase
