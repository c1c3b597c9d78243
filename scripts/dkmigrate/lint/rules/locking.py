"""Waiting for locks, and holding them while data changes."""

from ..findings import CAUTION, POSTGRES
from ..locks import ACCESS_EXCLUSIVE
from ..registry import Hit, rule
from ..syntax import (
    AlterTable, Cluster, CreateIndex, DataChange, DropIndex, DropTable, LockTable, Name, Reindex, Trigger, Truncate,
    Vacuum,
)
from .wording import batched_change


@rule(
    "missing-lock-timeout", CAUTION, dialects=(POSTGRES,),
    statements=(AlterTable, DropTable, DropIndex, Truncate, Cluster, Vacuum, LockTable, Trigger),
    summary="a statement taking ACCESS EXCLUSIVE on an existing table with no SET lock_timeout before it",
    why="ACCESS EXCLUSIVE waits for every query running on the table, however long; meanwhile every new query on "
        "the table queues behind it, so a quick ALTER can make the table unavailable for as long as the slowest "
        "running query.",
    safe_alternative="SET lock_timeout = '5s'; before it (SET LOCAL inside the migration's transaction), so the "
                     "statement gives up instead of blocking everything; apply the migration again later if it "
                     "times out.",
)
def missing_lock_timeout(statement, context):
    effect = context.effect
    if effect.lock != ACCESS_EXCLUSIVE or context.has_lock_timeout:
        return
    existing = [name for name in effect.exclusive if not context.is_new(name)]
    if effect.exclusive and not existing:
        return
    if context.in_transaction and existing and all(name.key in context.exclusive_tables for name in existing):
        return  # this transaction already holds the lock: nothing new to wait for
    target = ", ".join(name.written for name in existing) or "its table"
    yield Hit(f"takes an ACCESS EXCLUSIVE lock on {target} with no lock_timeout: while it waits for running "
              f"queries, every new query on {target} queues behind it")


@rule(
    "backfill-in-ddl-transaction", CAUTION, dialects=(POSTGRES,), statements=(DataChange,),
    summary="UPDATE, DELETE or INSERT ... SELECT on a table the same transaction altered",
    why="The earlier ALTER's ACCESS EXCLUSIVE lock is held until the transaction commits, so every read and write "
        "of the table waits for the whole data change too.",
    safe_alternative="Change the data in a migration of its own, after the schema change, in batches.",
)
def backfill_in_ddl_transaction(statement: DataChange, context):
    if statement.verb == "INSERT" and not statement.from_query:
        return
    table = statement.table
    if context.in_transaction and table.key in context.exclusive_tables and not context.is_new(table):
        yield Hit(f"{statement.verb} on {table.written} runs in the transaction whose earlier statement locked "
                  f"{table.written} ACCESS EXCLUSIVE: every read and write waits until it commits")


@rule(
    "exclusive-lock-held-during-scan", CAUTION, dialects=(POSTGRES,),
    summary="a statement that scans or rewrites a table while the transaction holds ACCESS EXCLUSIVE on another",
    why="A lock is held until the transaction ends: when an earlier statement locked a table ACCESS EXCLUSIVE, "
        "that table stays unavailable to every read and write for as long as the later scan, index build or "
        "rewrite of another table takes.",
    safe_alternative="Put the long statement in a migration of its own (or end the transaction before it), so the "
                     "ACCESS EXCLUSIVE lock is released first.",
)
def exclusive_lock_held_during_scan(statement, context):
    effect = context.effect
    if not context.in_transaction or not (effect.scans or effect.rewrites):
        return
    if effect.tables and all(context.is_new(name) for name in effect.tables):
        return  # a table this migration created holds no rows to scan
    # Its own table is other rules' concern (backfill-in-ddl-transaction, validate-in-same-transaction), except for
    # an index build, which add-index-not-concurrently judges as blocking writes only.
    own = {name.key for name in (effect.exclusive if isinstance(statement, (CreateIndex, Reindex)) else effect.tables)}
    held = sorted(key for key in context.exclusive_tables
                  if key not in own and not context.is_new(Name(tuple(key.split(".")), key)))
    if held:
        yield Hit(f"this statement scans {', '.join(name.written for name in effect.tables) or 'a table'} while the "
                  f"transaction still holds ACCESS EXCLUSIVE on {', '.join(held)}, unavailable to every query until "
                  "the transaction ends")


@rule(
    "full-table-dml", CAUTION, statements=(DataChange,),
    summary="UPDATE or DELETE without WHERE in a migration (one long transaction)",
    why="Every row is changed in one transaction: each is locked against writers until the end, the table and its "
        "indexes bloat, and on a large table the migration runs for a long time (replicas lag behind it).",
    safe_alternative="Change the rows in batches by primary key range, each batch in its own transaction.",
)
def full_table_dml(statement: DataChange, context):
    if statement.verb not in ("UPDATE", "DELETE") or statement.has_where or context.is_new(statement.table):
        return
    table = statement.table.written
    yield Hit(f"{statement.verb} without WHERE changes every row of {table} in one transaction",
              batched_change(statement.verb, table))
