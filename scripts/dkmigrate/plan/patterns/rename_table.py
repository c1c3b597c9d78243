"""rename-table: users becomes accounts; a view under the old name serves the old application meanwhile."""

from ...engines import engine
from ..identifiers import Name, TableName, quote
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
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
    old_q, d = table.sql(ctx.dialect), ctx.dialect
    database = engine(d)
    view = _view_statements(ctx, table, new, facts)
    rename = sql.rename_table(d, table, new)
    unrename = sql.rename_table(d, new, table)
    drop_view = ([f"DROP TRIGGER {quote(name, d)}" for name in _trigger_names(table)]
                 if not database.updatable_views and facts else [])
    drop_view.append(f"DROP VIEW {old_q}")
    steps = [f"Rename {table} to {new.name} and create a view named {table.name} over it, in one short transaction: "
             "the running application keeps reading and writing through the view.", database.view_note]
    expand = Phase(
        EXPAND, f"rename to {new.name}, keep {table.name} as a view", steps,
        sql=[*sql.lock_timeout(d, True), rename, *view],
        verify=[f"SELECT 'missing' AS {quote('table', d)} WHERE NOT EXISTS ({sql.rows_where_table_exists(d, new)})"],
        rollback=[*sql.lock_timeout(d, True), *drop_view, unrename],
        transaction=database.transactional_ddl,
    )
    expand.allowing(rename, "rename-table", f"the view {table.name}, created in the same migration, serves the old name")
    expand.allowing(unrename, "rename-table", f"back to the state before EXPAND, where the application used {table.name}")
    phases = [expand]
    renames = _index_renames(ctx, table, new, facts)
    if renames:
        phases.append(Phase(
            MIGRATE, "bring index and constraint names along",
            [f"Rename the indexes (and so their constraints) named after {table.name}: cosmetic, but it keeps the "
             "schema readable. ALTER INDEX ... RENAME takes a lock that blocks no reads or writes."],
            sql=[forward for forward, _ in renames], verify=[],
            rollback=[backward for _, backward in reversed(renames)],
        ))
    phases.append(Phase(
        DEPLOY, f"switch the application to {new.name}",
        [f"Release the application version that names {new.name} (models, raw SQL, reports, grants, jobs).",
         f"Wait until nothing uses {table.name} any more."],
        verify=[f"No query names {table.name} ({database.query_statistics})."],
        rollback=[f"Redeploy the previous version: {table.name} still works as a view."],
    ))
    phases.append(Phase(
        CONTRACT, f"drop the view {table.name}",
        [f"Drop the compatibility view {table.name}."],
        sql=[*sql.lock_timeout(d, True), *drop_view],
        verify=[sql.rows_where_table_exists(d, table)],
        rollback=[*sql.lock_timeout(d, True), *view],
    ))
    return Built(f"Rename {table} to {new.name} by expand-contract: the table takes its new name at once, and a view "
                 f"under the old name serves the old application until it is gone.", phases)


def _trigger_names(table: TableName) -> list[str]:
    return [f"{table.name.text}_view_{verb}" for verb in ("insert", "update", "delete")]


def _view_statements(ctx: Context, table: TableName, new: TableName, facts) -> list[str]:
    d = ctx.dialect
    view = [f"CREATE VIEW {table.sql(d)} AS SELECT * FROM {new.sql(d)}"]
    if engine(d).updatable_views:
        return view
    if facts is None:
        columns = [ctx.missing(f"columns of {table}", "plan against the live database, which knows them")]
        key = [ctx.missing(f"primary key of {table}", "plan against the live database, which knows it")]
        defaults = {}
    else:
        columns = [Name(column.name) for column in facts.columns]
        key = [Name(column) for column in facts.primary_key] or [Name("rowid")]
        defaults = {column.name: column.default for column in facts.columns if column.default is not None}
    insert, update, delete = (quote(name, d) for name in _trigger_names(table))
    names = ", ".join(c.sql(d) for c in columns)
    values = ", ".join(f"COALESCE(NEW.{c.sql(d)}, {defaults[c.text]})" if c.text in defaults else f"NEW.{c.sql(d)}"
                       for c in columns)
    match = " AND ".join(f"{k.sql(d)} = OLD.{k.sql(d)}" for k in key)
    assignments = ", ".join(f"{c.sql(d)} = NEW.{c.sql(d)}" for c in columns)
    return view + [
        f"CREATE TRIGGER {insert} INSTEAD OF INSERT ON {table.sql(d)}\nBEGIN\n"
        f"    INSERT INTO {new.sql(d)} ({names}) VALUES ({values});\nEND",
        f"CREATE TRIGGER {update} INSTEAD OF UPDATE ON {table.sql(d)}\nBEGIN\n"
        f"    UPDATE {new.sql(d)} SET {assignments} WHERE {match};\nEND",
        f"CREATE TRIGGER {delete} INSTEAD OF DELETE ON {table.sql(d)}\nBEGIN\n"
        f"    DELETE FROM {new.sql(d)} WHERE {match};\nEND",
    ]


def _index_renames(ctx: Context, table: TableName, new: TableName, facts) -> list[tuple[str, str]]:
    """(rename, rename back) for each index named after the table, where the engine's habit is to name them so."""
    if facts is None or not engine(ctx.dialect).index_names_follow_table:
        return []
    prefix = table.name.text + "_"
    renames = []
    for index in facts.indexes:
        if index.name.startswith(prefix):
            renamed = new.name.text + "_" + index.name[len(prefix):]
            d = ctx.dialect
            renames.append((f"ALTER INDEX {table.sibling(index.name).sql(d)} RENAME TO {quote(renamed, d)}",
                            f"ALTER INDEX {table.sibling(renamed).sql(d)} RENAME TO {quote(index.name, d)}"))
    return renames
