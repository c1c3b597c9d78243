"""Whole tables: dropping, renaming, emptying, rewriting them."""

from ..findings import POSTGRES, RISKY
from ..locks import REWRITING_ACTIONS
from ..registry import Hit, rule
from ..syntax import (
    AlterTable, Cluster, DropDatabase, DropTable, OtherAction, RenameSchema, RenameTable, RenameTables, Truncate, Vacuum,
)


@rule(
    "drop-table", RISKY, statements=(DropTable,),
    summary="DROP TABLE of an existing table",
    why="The table and its data are gone, and running code that still uses it fails. The table rebuild (CREATE "
        "TABLE new, INSERT INTO new SELECT ... FROM old, DROP TABLE old, ALTER TABLE new RENAME TO old, in one "
        "section) keeps the table and its rows, and is not flagged.",
    safe_alternative="Deploy code that no longer uses the table first; keep the data until the change is proven "
                     "(rename it aside, or back it up), and drop it in a later migration.",
)
def drop_table(statement: DropTable, context):
    for name in statement.names:
        if context.is_new(name) or name.key in context.rebuilt_tables:  # a step of the table rebuild
            continue
        yield Hit(f"DROP TABLE {name.written} deletes the table and all its rows; code still using it fails",
                  f"1. deploy the code that no longer uses {name.written}\n"
                  f"2. keep the data until the change is proven: ALTER TABLE {name.written} RENAME TO "
                  f"{name.last}_retired; (or back it up)\n"
                  f"3. DROP TABLE {name.last}_retired; in a later migration")


@rule(
    "rename-table", RISKY, statements=(AlterTable, RenameTables), actions=(RenameTable,),
    summary="ALTER TABLE ... RENAME TO",
    why="Every running instance of the application that still uses the old name fails from the moment the rename "
        "commits until it is redeployed.",
    safe_alternative="Rename, and leave a view with the old name in the same migration (a simple view is "
                     "updatable, so old code keeps working); drop the view once no code uses the old name.",
)
def rename_table(statement, context):
    if isinstance(statement, RenameTables):
        pairs = statement.pairs
    else:
        pairs = tuple((statement.name, action.new) for action in statement.actions if isinstance(action, RenameTable))
    for old, new in pairs:
        if context.is_new(old) or context.reverses_up_rename(old, new):
            continue
        yield Hit(f"renaming {old.written} to {new.written} breaks every running instance of the application that "
                  f"still uses {old.written}, until all are redeployed",
                  f"in one migration: ALTER TABLE {old.written} RENAME TO {new.written}; "
                  f"CREATE VIEW {old.written} AS SELECT * FROM {new.written};  -- old code keeps working through "
                  f"the view\nthen deploy the code that uses {new.written}, and DROP VIEW {old.written}; in a later "
                  "migration")


@rule(
    "drop-database", RISKY, statements=(DropDatabase,),
    summary="DROP DATABASE (MySQL: DROP SCHEMA)",
    why="Every table and every row of the database is gone at once; no down section can bring them back, and a "
        "migration is the wrong place for it.",
    safe_alternative="Drop a database by hand, deliberately, after a backup, never from a migration.",
)
def drop_database(statement: DropDatabase, context):
    yield Hit(f"DROP DATABASE {statement.name.written} deletes every table and row in it")


@rule(
    "rename-schema", RISKY, dialects=(POSTGRES,), statements=(RenameSchema,),
    summary="ALTER SCHEMA ... RENAME TO",
    why="Every query, search_path and grant that names the old schema fails from the moment the rename commits "
        "until the code is redeployed.",
    safe_alternative="Create the new schema and move the objects over with the code that uses them (ALTER TABLE ... "
                     "SET SCHEMA, with a view left in the old schema for old code), then drop the old schema later.",
)
def rename_schema(statement: RenameSchema, context):
    yield Hit(f"renaming schema {statement.old.written} to {statement.new.written} breaks every running query that "
              f"names {statement.old.written}")


@rule(
    "truncate", RISKY, statements=(Truncate,),
    summary="TRUNCATE",
    why="Every row is deleted at once under an ACCESS EXCLUSIVE lock; with CASCADE every table that references it "
        "is emptied too. There is no undo once committed.",
    safe_alternative="Delete what must go with DELETE ... WHERE, in batches; if the table must really be emptied, "
                     "do it deliberately in a maintenance window, with a backup.",
)
def truncate(statement: Truncate, context):
    existing = [name.written for name in statement.names if not context.is_new(name)]
    if existing:
        lock = ", under an ACCESS EXCLUSIVE lock" if context.effect.lock else ""
        cascade = "; with CASCADE, every table that references it is emptied too" if statement.cascade else ""
        yield Hit(f"TRUNCATE deletes every row of {', '.join(existing)} at once{lock}{cascade}")


@rule(
    "table-rewrite", RISKY, dialects=(POSTGRES,), statements=(AlterTable,), actions=(OtherAction,),
    summary="ALTER TABLE ... SET TABLESPACE / SET LOGGED / SET UNLOGGED / SET ACCESS METHOD",
    why="These copy the whole table (and rebuild its indexes) while holding an ACCESS EXCLUSIVE lock: nothing can "
        "read or write the table until the copy ends.",
    safe_alternative="Do it in a maintenance window, or rebuild the table online with pg_repack (which can also "
                     "move it to another tablespace).",
)
def table_rewrite(statement: AlterTable, context):
    if context.is_new(statement.name):
        return
    for action in statement.actions:
        if isinstance(action, OtherAction) and action.words.startswith(REWRITING_ACTIONS):
            yield Hit(f"ALTER TABLE {statement.name.written} {action.words} copies the whole table under an ACCESS "
                      "EXCLUSIVE lock")


@rule(
    "vacuum-full-or-cluster", RISKY, dialects=(POSTGRES,), statements=(Vacuum, Cluster),
    summary="VACUUM FULL or CLUSTER",
    why="Both rewrite the whole table under an ACCESS EXCLUSIVE lock: nothing can read or write it until the copy "
        "ends.",
    safe_alternative="pg_repack (or pg_squeeze) rebuilds the table online; plain VACUUM reclaims space for reuse "
                     "without blocking reads or writes.",
)
def vacuum_full_or_cluster(statement, context):
    if isinstance(statement, Vacuum) and not statement.full:
        return
    tables = [name for name in (statement.tables if isinstance(statement, Vacuum) else (statement.table,)) if name]
    if tables and all(context.is_new(name) for name in tables):
        return
    command = "VACUUM FULL" if isinstance(statement, Vacuum) else "CLUSTER"
    target = ", ".join(name.written for name in tables) or "every table it applies to"
    yield Hit(f"{command} rewrites {target} under an ACCESS EXCLUSIVE lock")
