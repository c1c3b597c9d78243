"""rename-table: users becomes accounts; a view under the old name serves the old application meanwhile."""

from ...engines import engine
from ..identifiers import Name, TableName, quote
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..operations import CreateView, Locked, RenameIndex, RenameTable, phase
from ..registry import Built, Context, Slots, register
from .. import sql


@register(
    "rename-table", "rename a table", "rename table users to accounts",
    intent=r"^rename\b",
    forms=[
        r"rename (?:the )?table (?P<table>.+?) to (?P<new_table>.+)",
        r"rename (?:the )?(?P<table>.+?) table to (?P<new_table>.+)",
        r"rename (?P<table>.+?) to (?P<new_table>.+)",
        r"rename (?:the )?table (?P<table>\S+)",  # the new name from --to
    ],
    to_slot="new_table",
)
def rename_table(slots: Slots, ctx: Context) -> Built:
    table = ctx.need_table(slots.table)
    target = slots.new_table or TableName(None, ctx.missing("new table name", "name it in the goal (... to NAME) or with --to"))
    if target.schema is not None and (table.schema is None or target.schema != table.schema):
        from ...errors import UsageError

        raise UsageError(f"the new name {target} is in another schema: renaming keeps the schema "
                         "(moving between schemas is ALTER TABLE ... SET SCHEMA, not planned here)")
    new = TableName(table.schema, target.name)
    facts = ctx.table_facts(table)
    d = ctx.dialect
    database = engine(d)
    view = _view(ctx, table, new, facts)
    rename = RenameTable(table, new).allowing(
        "rename-table", f"the view {table.name}, created in the same migration, serves the old name").allowing_undo(
        "rename-table", f"back to the state before EXPAND, where the application used {table.name}")
    steps = [f"Rename {table} to {new.name} and create a view named {table.name} over it, in one short transaction: "
             "the running application keeps reading and writing through the view.", database.view_note]
    expand = phase(
        database, EXPAND, f"rename to {new.name}, keep {table.name} as a view", steps,
        [Locked((rename, view))],
        verify=[f"SELECT 'missing' AS {quote('table', d)} WHERE NOT EXISTS ({sql.rows_where_table_exists(d, new)})"],
        transaction=database.transactional_ddl,
    )
    phases = [expand]
    renames = _index_renames(ctx, table, new, facts)
    if renames:
        phases.append(phase(
            database, MIGRATE, "bring index and constraint names along",
            [f"Rename the indexes (and so their constraints) named after {table.name}: cosmetic, but it keeps the "
             "schema readable. ALTER INDEX ... RENAME takes a lock that blocks no reads or writes."],
            renames, verify=[],
        ))
    phases.append(Phase(
        DEPLOY, f"switch the application to {new.name}",
        [f"Release the application version that names {new.name} (models, raw SQL, reports, grants, jobs).",
         f"Wait until nothing uses {table.name} any more."],
        verify=[f"No query names {table.name} ({database.query_statistics})."],
        rollback=[f"Redeploy the previous version: {table.name} still works as a view."],
    ))
    phases.append(phase(
        database, CONTRACT, f"drop the view {table.name}",
        [f"Drop the compatibility view {table.name}."],
        [Locked((view.reverse(),))],
        verify=[sql.rows_where_table_exists(d, table)],
    ))
    return Built(f"Rename {table} to {new.name} by expand-contract: the table takes its new name at once, and a view "
                 f"under the old name serves the old application until it is gone.", phases)


def _view(ctx: Context, table: TableName, new: TableName, facts) -> CreateView:
    if engine(ctx.dialect).updatable_views:
        return CreateView(table, new, (), ())
    if facts is None:
        columns = (ctx.missing(f"columns of {table}", "plan against the live database, which knows them"),)
        key = (ctx.missing(f"primary key of {table}", "plan against the live database, which knows it"),)
        return CreateView(table, new, columns, key)
    return CreateView(table, new, tuple(Name(column.name) for column in facts.columns),
                      tuple(Name(column) for column in facts.primary_key) or (Name("rowid"),),
                      tuple((column.name, column.default) for column in facts.columns if column.default is not None))


def _index_renames(ctx: Context, table: TableName, new: TableName, facts) -> list[RenameIndex]:
    """The indexes named after the table, renamed after it where the engine's habit is to name them so."""
    if facts is None or not engine(ctx.dialect).index_names_follow_table:
        return []
    prefix = table.name.text + "_"
    return [RenameIndex(table, index.name, new.name.text + "_" + index.name[len(prefix):])
            for index in facts.indexes if index.name.startswith(prefix)]
