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
from ..identifiers import Name, TableName, derived_name
from ..model import CONTRACT, EXPAND, MIGRATE, Phase
from ..operations import (AddColumn, AddNotNullCheck, AlterColumn, Backfill, ColumnShape, CreateIndex, CreateSync,
                          DropCheck, DropColumn, DropIndex, DropSync, Locked, Rebuild, RenameColumn, RestoreIndex,
                          Sync, ValidateConstraint, phase, replace, reverse)
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


def phases(ctx: Context, copy: ColumnCopy, deploy: Phase) -> list[Phase]:
    note_constraints(ctx, copy)
    builder = _Copy(ctx, copy)
    expand, migrate, contract = builder.expand(), builder.migrate(), builder.contract()
    if copy.swap:
        return [expand, migrate, contract, deploy]
    return [expand, migrate, deploy, contract]


def _method(index: IndexFacts, dialect: str) -> str | None:
    """The access method an index definition names (PostgreSQL's CREATE INDEX ... USING gin (...))."""
    tokens = tokenize(index.definition, dialect)
    return next((method.text for using, method in zip(tokens, tokens[1:])
                 if using.upper == "USING" and method.kind == WORD), None)


class _Copy:
    """The phases of a column copy, as the engine of the plan allows them."""

    def __init__(self, ctx: Context, copy: ColumnCopy):
        self.ctx, self.c = ctx, copy
        self.d = ctx.dialect
        self.engine = engine(self.d)
        self.t, self.old, self.new = copy.table.sql(self.d), copy.old.sql(self.d), copy.new.sql(self.d)
        facts = copy.table_facts
        without_rowid = facts is not None and "without rowid" in (facts.definition or "").lower()
        self.sync = Sync(copy.table, copy.old, copy.new, copy.old_type, copy.new_type, copy.sync_name,
                         convert=copy.new_type != copy.old_type,
                         key=tuple(Name(k) for k in facts.primary_key) if without_rowid else ())

    def cast(self, expression: str, to_type: str) -> str:
        return self.engine.cast(expression, to_type) if self.sync.convert else expression

    @property
    def default(self) -> str | None:
        return self.c.old_facts.default if self.c.old_facts is not None else None

    def locked(self, *operations) -> Locked:
        return Locked(tuple(operations), in_transaction=self.engine.transactional_ddl)

    def differing_rows(self) -> str:
        return (f"SELECT {self.old}, {self.new} FROM {self.t}"
                f" WHERE {self.engine.distinct(self.new, self.cast(self.old, self.c.new_type))} LIMIT 10")

    def expand(self) -> Phase:
        c = self.c
        steps = [
            f"Add {c.new} ({c.new_type}) to {c.table}, nullable and without a default for now.",
            f"Create the trigger that keeps {c.old} and {c.new} equal: a row written by either application "
            "version gets both columns.",
            "No application change is needed yet.",
        ]
        if c.not_null and self.engine.sync_after_checks:
            steps.append(f"{c.old} is NOT NULL and {self.engine.label} triggers run after the row is checked: until "
                         f"CONTRACT the new application version writes both {c.old} and {c.new}.")
        if self.engine.add_column_caveat:
            steps.append(self.engine.add_column_caveat)
        operations = [self.locked(AddColumn(c.table, c.new, c.new_type), CreateSync(self.sync))]
        verify = [sql.rows_where_column_missing(self.d, c.table, c.new)]
        trigger = self.engine.rows_where_sync_missing(c.table, self.sync)
        return phase(self.engine, EXPAND, f"add {c.new} and keep it in sync", steps, operations,
                     verify=verify + ([trigger] if trigger else []), transaction=self.engine.transactional_ddl)

    def migrate(self) -> Phase:
        c = self.c
        steps = [f"Copy {c.old} into {c.new} {self.engine.backfill_words}."]
        operations = [Backfill(c.table, f"{self.new} = {self.cast(self.old, c.new_type)}",
                               f"{self.new} IS NULL AND {self.old} IS NOT NULL")]
        if c.indexes:
            steps.append(f"Build the indexes of {c.old} on {c.new}{self.engine.index_build_words}.")
            operations += [CreateIndex(c.table, c.new_index_name(index), tuple(c.new_index_columns(index)),
                                       index.unique, _method(index, self.d)) for index in c.indexes]
        if c.not_null and self.engine.validates_online:
            steps.append(f"{c.old} is NOT NULL: add CHECK ({c.new} IS NOT NULL) NOT VALID (a brief lock), then "
                         "VALIDATE it (a scan that blocks no writes), so CONTRACT's SET NOT NULL needs no scan.")
            operations += [Locked((AddNotNullCheck(c.table, c.check_name, c.new),), in_transaction=False),
                           ValidateConstraint(c.table, c.check_name)]
        return phase(self.engine, MIGRATE, f"backfill {c.new}", steps, operations,
                     verify=[self.differing_rows(), *sql.invalid_indexes(self.d, c.table)],
                     nothing_to_undo="nothing to undo: the copied values go with the column when EXPAND is rolled back")

    def needs_rebuild(self) -> bool:
        """Whether the engine must rebuild the table: it cannot drop a constrained column, nor give the new column
        the old one's NOT NULL or default, with ALTER TABLE."""
        facts = self.c.table_facts
        if not self.engine.rebuilds_tables or facts is None:
            return False
        constrained = any(self.c.old.text in index.columns for index in facts.indexes if index.definition.startswith("("))
        keyed = any(self.c.old.text in key.columns for key in facts.foreign_keys)
        return self.c.not_null or self.default is not None or constrained or keyed

    def contract(self) -> Phase:
        c = self.c
        steps = [self.engine.drop_copied_column_words.format(old=c.old)]
        if c.not_null and self.engine.validates_online:
            steps.append(f"SET NOT NULL on {c.new} uses the validated CHECK: no table scan.")
        if c.swap:
            steps.append(f"Give {c.new} the name {c.old}: from here on {c.old} is {c.new_type}.")
        drop = DropColumn(c.table, c.old, c.old_type).allowing(
            "drop-column", f"CONTRACT of an expand-contract: the application stopped using {c.old}").allowing(
            "irreversible-down", f"its values live on in {c.new}, from which the down restores them")
        rename = [RenameColumn(c.table, c.new, c.old).allowing(
            "rename-column", f"{c.new} is this plan's own column: no application uses its name").allowing_undo(
            "rename-column", f"back to the state after MIGRATE, where the application uses {c.old}")] if c.swap else []
        if self.needs_rebuild():
            self.ctx.rebuild_caveat(c.table, c.table_facts)
            steps.append(f"{self.engine.label} cannot drop a constrained column or add NOT NULL with ALTER TABLE: the "
                         f"table is rebuilt (create, copy, drop, rename), {c.final} keeping what {c.old} had (NOT NULL, "
                         "UNIQUE, keys).")
            during, after = self.shapes()
            final = c.final.sql(self.d)
            operations = [DropSync(self.sync),
                          Rebuild(c.table, after, during, copy=((c.final.text, self.new),),
                                  back=((c.old.text, self.cast(final, c.old_type)), (c.new.text, final)))]
            undo = None
        else:
            operations, undo = self.alter_in_place(drop, rename)
        built = phase(self.engine, CONTRACT, f"drop {c.old}" + (f", rename {c.new} to {c.old}" if c.swap else ""),
                      steps, operations,
                      verify=[sql.rows_where_column_exists(self.d, c.table, c.new if c.swap else c.old)]
                      + self.type_check(), undo=undo,
                      rollback_loses_data=(f"values written after CONTRACT that {c.old_type} cannot hold "
                                           f"(CAST(... AS {c.old_type}) rounds or refuses them)" if c.swap else None),
                      transaction=self.engine.transactional_ddl)
        return built

    def type_check(self) -> list[str]:
        query = self.engine.rows_where_type_differs(self.c.table, self.c.old, self.c.new_type) if self.c.swap else None
        return [query] if query else []

    def alter_in_place(self, drop: DropColumn, rename: list) -> tuple[list, list]:
        """CONTRACT by ALTER TABLE, and its down: back to the state after MIGRATE, the old column re-added and kept
        in sync, refilled (in batches where the engine commits them), given its NOT NULL and default again (proven
        by a validated CHECK where the engine validates online), its indexes rebuilt."""
        c, default = self.c, self.default
        online = self.engine.validates_online
        given = []
        if c.not_null and online:
            given += [AlterColumn(c.table, c.new, c.new_type, True, None, False, None).allowing(
                          "set-not-null", f"the MIGRATE migration validated {c.check_name}: no scan"),
                      DropCheck(c.table, c.check_name, c.new)]
        if (c.not_null and not online) or default is not None:
            given.append(AlterColumn(c.table, c.new, c.new_type, c.not_null, default, c.not_null and online, None))
        # where ALTER TABLE cannot drop an indexed column, its indexes go first (elsewhere they go with it)
        dropped_indexes = ([DropIndex(c.table, index.name, RestoreIndex(c.table, index.name, index.definition))
                            for index in c.indexes] if self.engine.rebuilds_tables else [])
        altered = [*given, *dropped_indexes, drop, *rename]
        operations = [self.locked(DropSync(self.sync), *altered)]
        back = Backfill(c.table, f"{self.old} = {self.cast(self.new, c.old_type)}",
                        f"{self.old} IS NULL AND {self.new} IS NOT NULL")
        restored = []
        if online:
            if c.not_null:
                old_check = derived_name(c.table.name.text, c.old.text, suffix="not_null")
                restored += [ValidateConstraint(c.table, c.check_name),
                             *sql.not_null_without_scan(c.table, c.old, old_check, c.old_type)]
            if default is not None:
                restored.append(Locked((AlterColumn(c.table, c.old, c.old_type, False, default, False, None),),
                                       in_transaction=False))
        elif c.not_null or default is not None:
            restored.append(self.locked(AlterColumn(c.table, c.old, c.old_type, c.not_null, default, False, None)))
        restored += [RestoreIndex(c.table, index.name, index.definition) for index in c.indexes if not dropped_indexes]
        re_added = reverse(altered)
        if not self.engine.backfills_in_batches:  # one transaction, no writer meanwhile: the sync last
            return operations, [self.locked(*re_added), back, *restored, CreateSync(self.sync)]
        # other writers go on: the sync first, so the refill misses no write
        return operations, [Locked((*re_added, CreateSync(self.sync)), in_transaction=False), back, *restored]

    def shapes(self):
        """The table as MIGRATE leaves it, and as CONTRACT leaves it."""
        c, d = self.c, self.d
        before = sql.shape_of(c.table_facts)
        new_indexes = tuple(
            f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {Name(c.new_index_name(index)).sql(d)} ON {self.t} "
            f"({', '.join(col.sql(d) for col in c.new_index_columns(index))})" for index in c.indexes)
        during = replace(before, columns=before.columns + (ColumnShape(c.new.text, c.new_type),),
                         indexes=before.indexes + new_indexes)
        final_name = c.final.text
        columns = []
        for column in before.columns:
            if column.name == c.old.text:
                if c.swap:
                    columns.append(ColumnShape(final_name, c.new_type, column.not_null, column.default))
                continue
            columns.append(column)
        if not c.swap:
            columns.append(ColumnShape(final_name, c.new_type, c.not_null, self.default))

        def renamed(names: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(final_name if name == c.old.text else name for name in names)

        after_indexes = tuple(
            f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {Name(c.new_index_name(index)).sql(d)} ON {self.t} "
            f"({', '.join(Name(col).sql(d) for col in renamed(index.columns))})"
            for index in c.indexes if not index.definition.startswith("("))
        after = replace(
            before, columns=tuple(columns), primary_key=renamed(before.primary_key),
            uniques=tuple(renamed(u) for u in before.uniques),
            foreign_keys=tuple((renamed(k[0]), k[1], k[2]) for k in before.foreign_keys),
            indexes=tuple(i for i in before.indexes if not sql.mentions(i, c.old.text, d)) + after_indexes)
        return during, after

