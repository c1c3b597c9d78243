"""Changing existing columns: dropping, renaming, retyping, making them NOT NULL."""

from ..coercion import mysql_changes_type, rewrites_table
from ..findings import CAUTION, MYSQL, POSTGRES, RISKY
from ..locks import set_not_null_scans, type_change_cost
from ..registry import Hit, rule
from ..syntax import AlterColumnType, AlterTable, DropColumn, ModifyColumn, RenameColumn, SetNotNull
from .wording import expand_contract


def _type_of(statement: AlterTable, context, column: str) -> str:
    known = context.schema.column(statement.name, column)
    return known.type.written if known and known.type else f"<the type of {column}>"


@rule(
    "drop-column", CAUTION, statements=(AlterTable,), actions=(DropColumn,),
    summary="DROP COLUMN",
    why="Application code still reading or writing the column fails (ORMs often select every column by name), and "
        "its data is gone.",
    safe_alternative="Deploy code that no longer uses the column first (with an ORM, mark it ignored so it is not "
                     "selected), then drop it in a later migration.",
)
def drop_column(statement: AlterTable, context):
    for action in context.actions_on_existing_table(statement, DropColumn):
        if ((statement.name.key, action.column) in context.created.columns
                or context.up_created_column(statement.name, action.column)):
            continue
        table = statement.name.written
        yield Hit(f"DROP COLUMN {table}.{action.column}: code that still uses {action.column} fails, and its data "
                  "is gone",
                  f"1. deploy the code that no longer reads or writes {table}.{action.column} (with an ORM, mark it "
                  "ignored first, so queries stop naming it)\n"
                  f"2. then, in a later migration: ALTER TABLE {table} DROP COLUMN {action.column};")


@rule(
    "rename-column", RISKY, statements=(AlterTable,), actions=(RenameColumn, ModifyColumn),
    summary="RENAME COLUMN",
    why="Every running instance of the application that still uses the old name fails from the moment the rename "
        "commits until it is redeployed: there is no moment when old and new code both work.",
    safe_alternative="Expand-contract: add the new column, keep both in step, backfill, switch the code, then drop "
                     "the old column in a later migration.",
)
def rename_column(statement: AlterTable, context):
    if context.is_new(statement.name):
        return
    table = statement.name.written
    for action in statement.actions:
        if isinstance(action, RenameColumn):
            old, new = action.old, action.new
        elif isinstance(action, ModifyColumn) and action.old_name and action.old_name != action.column.name:
            old, new = action.old_name, action.column.name
        else:
            continue
        if context.reverses_up_rename(old, new, statement.name):
            continue
        yield Hit(f"RENAME COLUMN {table}.{old} TO {new} breaks every running instance of the application that "
                  f"still uses {old}, until all are redeployed",
                  expand_contract(table, old, new, _type_of(statement, context, old), f"renaming {old}"))


@rule(
    "change-column-type", RISKY, dialects=(POSTGRES, MYSQL), statements=(AlterTable,),
    actions=(AlterColumnType, ModifyColumn),
    summary="ALTER COLUMN TYPE, except changes PostgreSQL makes without a rewrite (varchar widening, varchar to "
            "text, numeric precision widening at the same scale)",
    why="The table is rewritten and its indexes rebuilt under an ACCESS EXCLUSIVE lock (MySQL: copied while writes "
        "wait), and code that expects the old type may break. The changes PostgreSQL makes without a rewrite are "
        "not flagged (squawk's changing-column-type flags every one): lint/coercion.py lists them, checked against a "
        "real server, and column-type-change-verifies reports what they still scan or rebuild.",
    safe_alternative="Expand-contract: add a column of the new type, keep it in step, backfill, switch the code, "
                     "drop the old column.",
)
def change_column_type(statement: AlterTable, context):
    table = statement.name.written
    for action in context.actions_on_existing_table(statement, (AlterColumnType, ModifyColumn)):
        if isinstance(action, ModifyColumn):
            column = action.old_name or action.column.name
            known = context.schema.column(statement.name, column)
            new_type = action.column.type
            if known is None or known.type is None or new_type is None or not mysql_changes_type(known.type, new_type):
                continue
            message = (f"{table}.{column} changes from {known.type.written} to {new_type.written}: MySQL copies "
                       "the table while writes wait, and code expecting the old type may break")
        else:
            column, new_type = action.column, action.type
            known = context.schema.column(statement.name, column)
            old_type = known.type if known else None
            rewrites = rewrites_table(old_type, new_type, action.using, column)
            if rewrites is False:
                continue
            if old_type is None:
                message = (f"ALTER COLUMN {table}.{column} TYPE {new_type.written}: the linter has not seen the "
                           f"column's current type, and unless the change only widens a varchar or numeric, "
                           f"PostgreSQL rewrites {table} and its indexes under an ACCESS EXCLUSIVE lock")
            else:
                message = (f"ALTER COLUMN {table}.{column} TYPE {new_type.written} (from {old_type.written}) "
                           f"rewrites {table} and rebuilds its indexes under an ACCESS EXCLUSIVE lock")
                if (old_type.name, new_type.name) == ("timestamp", "timestamptz"):
                    message += " (no rewrite only when the session's TimeZone is UTC)"
        yield Hit(message, expand_contract(table, column, f"{column}_new", new_type.written,
                                           f"changing the type of {column} in place"))


@rule(
    "column-type-change-verifies", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AlterColumnType,),
    summary="ALTER COLUMN TYPE without a rewrite that still re-verifies a CHECK constraint or rebuilds an index on "
            "the column",
    why="Even when PostgreSQL keeps the table's file (varchar widening, text to citext), it re-verifies every CHECK "
        "constraint on the column with a full scan, and rebuilds every index on it whose operator class or "
        "collation changes (text to citext, a new COLLATE), all under the ACCESS EXCLUSIVE lock: nothing can read "
        "or write the table meanwhile.",
    safe_alternative="Drop the CHECK first and add it back NOT VALID then VALIDATE it afterwards; build the index "
                     "for the new type CONCURRENTLY under another name before the change; or, on a large table, "
                     "expand-contract to a new column.",
)
def column_type_change_verifies(statement: AlterTable, context):
    table = statement.name.written
    for action in context.actions_on_existing_table(statement, AlterColumnType):
        cost = type_change_cost(statement.name, action, context.schema)
        if cost.rewrites or not (cost.checks or cost.indexes):
            continue
        work = [f"re-verifies CHECK {name} (a full scan of {table})" for name in cost.checks]
        work += [f"rebuilds index {name} (reads all of {table} and writes the index anew)" for name in cost.indexes]
        steps = [f"ALTER TABLE {table} DROP CONSTRAINT {name};  -- then, after the type change: ADD CONSTRAINT "
                 f"{name} CHECK (...) NOT VALID; and VALIDATE CONSTRAINT {name}; in a later migration"
                 for name in cost.checks]
        steps += [f"CREATE INDEX CONCURRENTLY {name}_new ON {table} (...) for the new type, in a migration of its own; "
                  f"after the change DROP INDEX CONCURRENTLY {name}" for name in cost.indexes]
        yield Hit(f"ALTER COLUMN {table}.{action.column} TYPE {action.type.written} does not rewrite {table}, but "
                  f"{' and '.join(work)}, under an ACCESS EXCLUSIVE lock", "\n".join(steps))


@rule(
    "set-not-null", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,), actions=(SetNotNull,),
    summary="ALTER COLUMN SET NOT NULL, unless a validated CHECK (col IS NOT NULL) precedes it on PostgreSQL 12+",
    why="SET NOT NULL scans the whole table for nulls while holding an ACCESS EXCLUSIVE lock: nothing can read or "
        "write the table until the scan ends.",
    safe_alternative="Prove it first with a CHECK constraint, validated without blocking: ADD CONSTRAINT ... CHECK "
                     "(col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT ...; then SET NOT NULL skips the scan "
                     "(PostgreSQL 12+); then drop the CHECK.",
)
def set_not_null(statement: AlterTable, context):
    table = statement.name.written
    for action in context.actions_on_existing_table(statement, SetNotNull):
        if not set_not_null_scans(statement.name, action.column, context.schema, context.pg_version):
            continue
        constraint = f"{statement.name.last}_{action.column}_not_null"
        if context.pg_version >= 12:
            alternative = (f"ALTER TABLE {table} ADD CONSTRAINT {constraint} CHECK ({action.column} IS NOT NULL) "
                           "NOT VALID;  -- brief lock, no scan\n"
                           f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint};  -- scans, but reads and writes "
                           "go on (SHARE UPDATE EXCLUSIVE); best in its own migration\n"
                           f"ALTER TABLE {table} ALTER COLUMN {action.column} SET NOT NULL;  -- no scan now\n"
                           f"ALTER TABLE {table} DROP CONSTRAINT {constraint};")
            message = (f"SET NOT NULL on {table}.{action.column} scans the whole table under an ACCESS EXCLUSIVE "
                       "lock")
        else:
            alternative = (f"before PostgreSQL 12 SET NOT NULL always scans: keep a validated CHECK "
                           f"({action.column} IS NOT NULL) constraint instead (ADD ... NOT VALID, then VALIDATE "
                           "CONSTRAINT), or upgrade and use it to skip the scan")
            message = (f"SET NOT NULL on {table}.{action.column} scans the whole table under an ACCESS EXCLUSIVE "
                       f"lock (PostgreSQL {context.pg_version} cannot use a CHECK constraint to skip it)")
        yield Hit(message, alternative)
