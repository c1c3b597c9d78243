"""Moving columns from one table to another without downtime: split-table (into a new table keyed by the
source's primary key), move-columns (into an existing table linked by a foreign key) and merge-tables
(every column of a child table into its parent).

    EXPAND    create the target table or columns, and triggers that copy every write to the other side
    MIGRATE   copy the existing rows in batches
    DEPLOY    release the application that reads and writes the columns in their new place
    CONTRACT  drop the triggers and the moved columns from the source
"""

from dataclasses import dataclass

from ...adapters.base import TableFacts
from ...engines import engine
from ...errors import UsageError
from ..identifiers import Name, TableName, derived_name, placeholder_text
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..operations import (AddColumn, AlterColumn, CopyAcross, CreateLinkSync, CreateTable, DropColumn, DropLinkSync,
                          Link, Locked, phase, reverse)
from ..registry import Context, Placeholder
from .. import sql


@dataclass(frozen=True)
class Move:
    source: TableName
    target: TableName
    columns: list[Name]
    types: dict[str, str]  # column -> type
    source_key: list[Name]  # the source's columns that identify a row's counterpart
    target_key: list[Name]  # the target's columns that hold the same values
    new_target: bool  # the target table is created by this plan (split)
    source_facts: TableFacts | None

    def match(self, dialect: str, source_alias: str, target_alias: str) -> str:
        return " AND ".join(f"{target_alias}.{t.sql(dialect)} = {source_alias}.{s.sql(dialect)}"
                            for s, t in zip(self.source_key, self.target_key))

    @property
    def link(self) -> Link:
        return Link(self.source, self.target, tuple(self.columns), tuple(self.source_key), tuple(self.target_key),
                    self.new_target, derived_name(self.source.name.text, self.target.name.text, suffix="sync"))


def columns_to_move(ctx: Context, source: TableName, names: list[Name]) -> tuple[list[Name], dict[str, str]]:
    if not names:
        facts = ctx.table_facts(source)
        listed = f" (its columns: {', '.join(c.name for c in facts.columns)})" if facts else ""
        placeholder = ctx.missing("columns to move", f"name them in the goal or with --columns a,b{listed}")
        return [placeholder], {placeholder.text: placeholder_text("their types")}
    types = {name.text: ctx.column_type(source, name) for name in names}
    return names, types


def link(ctx: Context, source: TableName, target: TableName) -> tuple[list[Name], list[Name]]:
    """How a source row finds its target row: a foreign key between the two tables, read from the database."""
    source_facts, target_facts = ctx.table_facts(source), ctx.table_facts(target)
    if source_facts is None or target_facts is None:
        what = f"how {source} and {target} rows correspond"
        return [ctx.missing(what, "plan against the live database, which reads the foreign key between them")], \
            [Placeholder(what)]
    for key in target_facts.foreign_keys:  # the target points at the source (user_profiles.user_id -> users.id)
        if _same(key.referenced_table, source):
            return [Name(c) for c in key.referenced_columns], [Name(c) for c in key.columns]
    for key in source_facts.foreign_keys:  # the source points at the target (user_profiles.user_id -> users.id)
        if _same(key.referenced_table, target):
            return [Name(c) for c in key.columns], [Name(c) for c in key.referenced_columns]
    raise UsageError(f"no foreign key links {source} and {target}: the planner cannot tell which rows correspond",
                     hint="add the foreign key first (migrate plan \"add foreign key ...\"), or move the data by hand")


def _same(regclass_text: str, table: TableName) -> bool:
    return regclass_text.split(".")[-1].strip('"') == table.name.text


def phases(ctx: Context, move: Move) -> list[Phase]:
    builder = _Move(ctx, move)
    database = builder.engine
    both_ways = ("Old instances may keep running: the triggers copy writes from either place to the other."
                 if database.link_sync_both_ways else
                 f"{database.label} triggers cannot write back to the table that fired them, so only {move.source} -> "
                 f"{move.target} is copied: the new version writes both places until CONTRACT.")
    deploy = Phase(
        DEPLOY, f"read and write the columns in {move.target}",
        [f"Release the application version that reads and writes {_names(move.columns)} in {move.target} "
         f"(not in {move.source}).",
         both_ways,
         f"Wait until nothing reads or writes {_names(move.columns)} in {move.source} any more."],
        verify=[f"No query names {_names(move.columns)} of {move.source} (query statistics, logs)."],
        rollback=["Redeploy the previous version: the triggers keep both places equal until CONTRACT."],
    )
    return [builder.expand(), builder.migrate(), deploy, builder.contract()]


def _names(names: list[Name]) -> str:
    return ", ".join(str(name) for name in names)


class _Move:
    """The phases of a move, as the engine of the plan allows them."""

    def __init__(self, ctx: Context, move: Move):
        self.ctx, self.m = ctx, move
        self.d = ctx.dialect
        self.engine = engine(self.d)
        self.link = move.link
        self.s, self.t = move.source.sql(self.d), move.target.sql(self.d)

    def q(self, name: Name) -> str:
        return name.sql(self.d)

    def locked(self, *operations) -> Locked:
        return Locked(tuple(operations), in_transaction=self.engine.transactional_ddl)

    def nullable(self, column: Name) -> bool:
        """Whether the source column allows NULL; a column the goal did not name yet is taken as nullable."""
        facts = self.ctx.column_facts(self.m.source, column)
        return facts is None or facts.nullable

    def create_target(self) -> list:
        m = self.m
        if not m.new_target:
            return [AddColumn(m.target, c, m.types[c.text]) for c in m.columns]
        key_types = {key.text: self.ctx.column_type(m.source, key) for key in m.source_key}
        columns = [(t, key_types[s.text], True) for s, t in zip(m.source_key, m.target_key)]
        columns += [(c, m.types[c.text], False) for c in m.columns]
        return [CreateTable(m.target, tuple(columns), tuple(m.target_key), m.source, tuple(m.source_key))]

    def differing_rows(self) -> str:
        m, d = self.m, self.d
        keys = ", ".join(f"s.{self.q(k)}" for k in m.source_key)
        missing = f"t.{self.q(m.target_key[0])} IS NULL" + (
            " AND (" + " OR ".join(f"s.{self.q(c)} IS NOT NULL" for c in m.columns) + ")" if not m.new_target else "")
        differs = " OR ".join(self.engine.distinct(f"t.{self.q(c)}", f"s.{self.q(c)}") for c in m.columns)
        return (f"SELECT {keys} FROM {self.s} s LEFT JOIN {self.t} t ON {m.match(d, 's', 't')}"
                f" WHERE {missing} OR {differs} LIMIT 10")

    def relaxed(self) -> list[Name]:
        """Moved columns the source requires, where writes come back to it and NOT NULL can be dropped in place: a
        new version that writes them elsewhere could not insert a row."""
        if not self.engine.link_sync_both_ways or self.engine.rebuilds_tables:
            return []
        return [c for c in self.m.columns if not self.nullable(c)]

    def expand(self) -> Phase:
        m = self.m
        relaxed = self.relaxed()
        steps = ([f"Create {m.target} with {_names(m.columns)}, keyed by {m.source}'s primary key."] if m.new_target else
                 [f"Add {_names(m.columns)} to {m.target}, nullable."])
        steps.append("Create the triggers that copy every write of these columns from either table to the other; they "
                     "stop when both sides agree, so they never loop." if self.engine.link_sync_both_ways else
                     f"Create the triggers on {m.source} that copy its writes to {m.target}.")
        if relaxed:
            steps.append(f"Drop NOT NULL from {_names(relaxed)} in {m.source}, so the new version can insert rows "
                         "without them (the validation moves to the application and the new table).")
        operations = [self.locked(*self.create_target(), CreateLinkSync(self.link),
                                  *(AlterColumn(m.source, c, m.types[c.text], False, None, True, None) for c in relaxed))]
        return phase(self.engine, EXPAND, f"{'create' if m.new_target else 'extend'} {m.target} and keep it in sync",
                     steps, operations,
                     verify=[f"SELECT 'missing' AS target WHERE NOT EXISTS ({sql.rows_where_table_exists(self.d, m.target)})"],
                     transaction=self.engine.transactional_ddl)

    def migrate(self) -> Phase:
        m = self.m
        built = phase(self.engine, MIGRATE, f"copy the existing rows into {m.target}",
                      [f"Copy {_names(m.columns)} of the existing rows{self.engine.copy_rows_words}."],
                      [CopyAcross(self.link)], verify=[self.differing_rows()],
                      nothing_to_undo="nothing to undo: the copies go with the target when EXPAND is rolled back")
        built.transaction = self.engine.transactional_ddl and not self.engine.backfills_in_batches
        return built

    def contract(self) -> Phase:
        m = self.m
        facts = m.source_facts
        if self.engine.rebuilds_tables and facts is not None and any(
                any(c.text in index.columns for index in facts.indexes) or not self.nullable(c) for c in m.columns):
            raise UsageError(f"{_names(m.columns)} of {m.source} carry indexes or NOT NULL: drop those first "
                             f"({self.engine.label} cannot drop such a column without rebuilding the table)")
        kept = f"the values live on in {m.target}, from which the down restores them"
        drops = [DropColumn(m.source, c, m.types[c.text]).allowing(
                     "drop-column", f"CONTRACT of an expand-contract: the application reads them from {m.target}"
                 ).allowing("irreversible-down", kept) for c in m.columns]
        re_added = reverse(drops)
        # Where writers go on while the copy commits in batches, the sync comes first so the copy misses no write;
        # but a trigger that cannot write back to its own table cannot fire inside a copy that reads the other one.
        if self.engine.backfills_in_batches and self.engine.link_sync_both_ways:
            undo = [Locked((*re_added, CreateLinkSync(self.link)), in_transaction=False), CopyAcross(self.link, True)]
        else:
            undo = [self.locked(*re_added), CopyAcross(self.link, True), CreateLinkSync(self.link)]
        return phase(self.engine, CONTRACT, f"drop the moved columns from {m.source}",
                     [f"Drop the triggers and {_names(m.columns)} from {m.source}{self.engine.drop_columns_words}."],
                     [self.locked(DropLinkSync(self.link), *drops)],
                     verify=[sql.rows_where_column_exists(self.d, m.source, c) for c in m.columns], undo=undo,
                     transaction=self.engine.transactional_ddl)
