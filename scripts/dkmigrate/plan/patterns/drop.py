"""drop-column and drop-table: the application lets go first, the data is kept aside, then it goes."""

from ...adapters.base import TableFacts
from ...engines import engine
from ..identifiers import Name, TableName, derived_name, quote
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..operations import (AlterColumn, Comment, DropColumn, DropIndex, DropTable, KeepCopy, Locked, Rebuild,
                          RenameTable, RestoreColumn, RestoreIndex, Statement, on_session, phase, reverse)
from ..registry import Built, Context, Slots, register
from .. import sql


@register(
    "drop-column", "drop a column", "drop column users.legacy_flag",
    intent=r"^(?:drop|remove|delete)\b.*(?:\bcolumn\b|\S\.\S)|^(?:drop|remove|delete)\s+(?:the\s+)?\S+\s+(?:from|of|in|on)\s",
    forms=[
        r"(?:drop|remove|delete) (?:the )?column (?P<column>.+?) (?:from|of|in|on) (?:the )?(?:table )?(?P<table>.+)",
        r"(?:drop|remove|delete) (?:the )?(?P<column>[^\s.]+) (?:from|of|in|on) (?:the )?(?:table )?(?P<table>\S+?)(?: table)?",
        r"(?:drop|remove|delete) (?:the )?(?:column )?(?P<column_ref>.+?)(?: column)?",
        r"(?:drop|remove|delete) (?:an? |the )?column",
    ],
    to_slot="column",
)
def drop_column(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    column = slots.column or ctx.missing("column to drop", "name it in the goal (table.column) or with --column")
    facts = ctx.table_facts(table)
    column_facts = ctx.column_facts(table, column)
    column_type = ctx.column_type(table, column)
    key = ctx.primary_key(table)
    if facts is not None and column.text in facts.primary_key:
        from ...errors import UsageError

        raise UsageError(f"{table}.{column} is part of the primary key: drop or replace the key first")
    archive = table.sibling(derived_name(table.name.text, column.text, suffix="dropped"))
    t, a = table.sql(d), archive.sql(d)
    keys = ", ".join(k.sql(d) for k in key)
    phases = []
    required = column_facts is not None and not column_facts.nullable and column_facts.default is None
    database = engine(d)
    if required and not database.rebuilds_tables:
        phases.append(phase(database, EXPAND, f"let {column} be NULL",
                            [f"{column} is NOT NULL without a default: drop NOT NULL, so the application version that "
                             "no longer writes it can insert rows."],
                            [Locked((AlterColumn(table, column, column_type, False, None, True, None),),
                                    in_transaction=database.transactional_ddl)],
                            verify=[], transaction=database.transactional_ddl))
    phases.append(Phase(DEPLOY, f"stop using {column}",
                        [f"Release the application version that neither reads nor writes {column} (ORMs that list "
                         "every column in their INSERTs and SELECTs must be told to ignore it first).",
                         f"Wait until nothing uses {column}: other services, reports, views, triggers."],
                        verify=[f"No query names {column} (query statistics, logs); no view depends on it."],
                        rollback=[f"Redeploy the previous version: {column} is still there."]))
    phases.append(phase(database, MIGRATE, f"keep a copy of {column}",
                        [f"Copy the key and {column} of every row into {archive}, so CONTRACT's down can put the values "
                         "back. Drop the copy when the change has proven itself."],
                        [KeepCopy(archive, table, (*key, column))],
                        verify=[f"SELECT {keys} FROM {t} s WHERE NOT EXISTS (SELECT 1 FROM {a} k WHERE "
                                f"{' AND '.join(f'k.{k.sql(d)} = s.{k.sql(d)}' for k in key)}) LIMIT 10"]))
    restore = RestoreColumn(table, archive, tuple(key), column).allowing(
        "full-table-dml", f"the down puts back the values of {column} that the MIGRATE phase kept in {archive.name}")
    operations = _drop_operations(ctx, table, column, column_type, facts)
    undo = [*on_session(reverse(operations)), restore]
    if required and database.validates_online:
        undo += sql.not_null_without_scan(table, column, derived_name(table.name.text, column.text, suffix="not_null"),
                                          column_type)
    phases.append(phase(database, CONTRACT, f"drop {column}", [f"Drop {column}{database.drop_column_note}."],
                        operations, verify=[sql.rows_where_column_exists(d, table, column)], undo=undo,
                        transaction=database.transactional_ddl))
    return Built(f"Drop {table}.{column} after the application stopped using it, keeping a copy of its values "
                 "until the change has proven itself.", phases)


def _drop_operations(ctx: Context, table: TableName, column: Name, column_type: str, facts: TableFacts | None) -> list:
    database = engine(ctx.dialect)
    drop = DropColumn(table, column, column_type).allowing(
        "drop-column", f"the application stopped using {column} in the DEPLOY phase").allowing(
        "irreversible-down", f"the MIGRATE phase kept the values in {derived_name(table.name.text, column.text, suffix='dropped')}, "
                             "from which the down restores them")
    if not database.rebuilds_tables:
        return [Locked((drop,), in_transaction=database.transactional_ddl)]
    indexes = [index for index in (facts.indexes if facts else ()) if column.text in index.columns]
    constrained = any(index.definition.startswith("(") for index in indexes) or any(
        column.text in key.columns for key in (facts.foreign_keys if facts else ()))
    if constrained:
        ctx.rebuild_caveat(table, facts)
        shape = sql.shape_of(facts)
        return [Rebuild(table, sql.shape_without(shape, column.text, ctx.dialect), shape, back=((column.text, "NULL"),))]
    return [*(DropIndex(table, index.name, RestoreIndex(table, index.name, index.definition)) for index in indexes), drop]


@register(
    "drop-table", "drop a table", "drop table audit_old",
    intent=r"^(?:drop|remove|delete)\b",
    forms=[
        r"(?:drop|remove|delete) (?:the )?table (?P<table>.+)",
        r"(?:drop|remove|delete) (?:the )?(?P<table>.+?) table",
        r"(?:drop|remove|delete) (?P<table>[^\s.]+)",
    ],
    to_slot="table",
)
def drop_table(slots: Slots, ctx: Context) -> Built:
    d = ctx.dialect
    table = ctx.need_table(slots.table)
    facts = ctx.table_facts(table)
    retired = table.sibling(derived_name(table.name.text, suffix="retired"))
    if facts is not None and facts.referenced_by:
        keys = ", ".join(f"{key.name} on {key.table}" for key in facts.referenced_by)
        ctx.fill_in.append(f"foreign keys point at {table} ({keys}): drop them, or the tables they belong to, first")
    database = engine(d)
    in_transaction = database.transactional_ddl
    retire = phase(database, MIGRATE, f"retire {table} under another name",
                   [f"Rename it to {retired.name}: anything that still uses {table} now fails loudly, while the data is "
                    "intact and the rename takes a moment to undo."],
                   [Locked((RenameTable(table, retired).allowing(
                       "rename-table", f"the application stopped using {table} in the DEPLOY phase; the rename is the last "
                                       "check that nothing else does").allowing_undo(
                       "rename-table", f"back to the state before, where {table} existed under its name"),),
                       in_transaction=in_transaction)],
                   verify=[sql.rows_where_table_exists(d, table)], transaction=in_transaction)
    drop = phase(database, CONTRACT, f"drop {retired.name}",
                 [f"After a grace period with no errors, and with a backup that holds {table}: drop it."],
                 [Locked((DropTable(retired).allowing("drop-table", f"the goal: {table} was retired by the previous phase")
                          .allowing("irreversible-down", f"the plan says so: the rows of {table} come back only from the backup"),),
                         in_transaction=in_transaction)],
                 verify=[sql.rows_where_table_exists(d, retired)], undo=[_create_table(ctx, retired, table, facts)],
                 rollback_loses_data=f"the rows of {table} (the down re-creates it empty: restore them from the backup)",
                 transaction=in_transaction)
    phases = [
        Phase(DEPLOY, f"stop using {table}",
              [f"Release the application version that no longer uses {table}; find every other reader (services, "
               "reports, ETL jobs, views, functions)."],
              verify=[f"No query names {table} (query statistics, logs) for a full business cycle."],
              rollback=[f"Redeploy the previous version: {table} is still there."]),
        retire,
        drop,
    ]
    return Built(f"Drop {table} in steps that can be undone until the last: the application lets go, the table is "
                 "retired under another name, and only then dropped.", phases)


def _create_table(ctx: Context, name: TableName, table: TableName, facts: TableFacts | None):
    d = ctx.dialect
    if facts is None:
        return Comment(f"re-create {name} as {table} was (its CREATE TABLE from the backup or the schema dump)")
    columns = [f"{quote(c.name, d)} {c.type}{' NOT NULL' if not c.nullable else ''}"
               f"{f' DEFAULT {c.default}' if c.default is not None and 'nextval(' not in c.default else ''}"
               for c in facts.columns]
    if facts.primary_key:
        columns.append(f"PRIMARY KEY ({', '.join(quote(k, d) for k in facts.primary_key)})")
    return Statement(f"CREATE TABLE {name.sql(d)} (\n    " + ",\n    ".join(columns) + "\n)")
