"""Index builds and drops: CONCURRENTLY or not, inside a transaction or not."""

from ..findings import CAUTION, ERROR, POSTGRES
from ..registry import Hit, rule
from ..syntax import AlterTable, CreateIndex, DropIndex, OtherAction, Reindex
from .wording import NO_TRANSACTION, with_concurrently


@rule(
    "add-index-not-concurrently", CAUTION, dialects=(POSTGRES,), statements=(CreateIndex,),
    summary="CREATE INDEX on an existing table without CONCURRENTLY",
    why="CREATE INDEX holds a SHARE lock on the table for the whole build: every INSERT, UPDATE and DELETE waits "
        "until the index is built, which takes minutes on a large table.",
    safe_alternative=f"CREATE INDEX CONCURRENTLY, {NO_TRANSACTION}. A concurrent build that fails leaves an INVALID "
                     "index: DROP INDEX CONCURRENTLY it and apply the migration again.",
)
def add_index_not_concurrently(statement: CreateIndex, context):
    if statement.concurrently or context.is_new(statement.table):
        return
    index = f"index {statement.name}" if statement.name else "an index"
    yield Hit(
        f"building {index} on {statement.table.written} blocks every write to {statement.table.written} (SHARE lock) "
        "until the build ends",
        f"{with_concurrently(context.statement_text, context.dialect)}\n{NO_TRANSACTION}. If the build fails it leaves an INVALID "
        "index: DROP INDEX CONCURRENTLY it and apply the migration again.",
    )


@rule(
    "drop-index-not-concurrently", CAUTION, dialects=(POSTGRES,), statements=(DropIndex,),
    summary="DROP INDEX without CONCURRENTLY",
    why="DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: it waits for every running query on the "
        "table, and every query that arrives meanwhile waits behind it.",
    safe_alternative=f"DROP INDEX CONCURRENTLY, one index per statement, {NO_TRANSACTION}.",
)
def drop_index_not_concurrently(statement: DropIndex, context):
    if statement.concurrently or (context.effect.tables and all(context.is_new(t) for t in context.effect.tables)):
        return
    names = ", ".join(name.written for name in statement.names)
    yield Hit(
        f"DROP INDEX {names} takes an ACCESS EXCLUSIVE lock on its table: reads and writes wait for it, and it waits "
        "for every query already running there",
        "\n".join(f"DROP INDEX CONCURRENTLY IF EXISTS {name.written};" for name in statement.names)
        + f"\n{NO_TRANSACTION}.",
    )


@rule(
    "concurrently-in-transaction", ERROR, dialects=(POSTGRES,), statements=(CreateIndex, DropIndex, Reindex, AlterTable),
    summary="CONCURRENTLY inside an explicit transaction block",
    why="CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY "
        "cannot run inside a transaction block: PostgreSQL rejects them, so the migration fails.",
    safe_alternative=f"Remove the BEGIN/COMMIT around the statement and put it {NO_TRANSACTION}.",
)
def concurrently_in_transaction(statement, context):
    if isinstance(statement, AlterTable):
        concurrent = any(isinstance(action, OtherAction) and action.words == "DETACH PARTITION CONCURRENTLY"
                         for action in statement.actions)
    else:
        concurrent = statement.concurrently
    if concurrent and context.in_transaction:
        yield Hit(f"{_CONCURRENT_COMMANDS[type(statement)]} cannot run inside a transaction block: PostgreSQL "
                  "rejects it and the migration fails")


_CONCURRENT_COMMANDS = {CreateIndex: "CREATE INDEX CONCURRENTLY", DropIndex: "DROP INDEX CONCURRENTLY",
                        Reindex: "REINDEX CONCURRENTLY", AlterTable: "DETACH PARTITION CONCURRENTLY"}


@rule(
    "reindex-not-concurrently", CAUTION, dialects=(POSTGRES,), statements=(Reindex,),
    summary="REINDEX without CONCURRENTLY",
    why="REINDEX blocks writes to the table (SHARE lock) and locks the index itself ACCESS EXCLUSIVE, so queries "
        "that would use the index wait too, for the whole rebuild.",
    safe_alternative=f"REINDEX ... CONCURRENTLY (PostgreSQL 12 and later), {NO_TRANSACTION}.",
)
def reindex_not_concurrently(statement: Reindex, context):
    if statement.concurrently or statement.target == "SYSTEM":
        return
    target = f"{statement.target} {statement.name.written}" if statement.name else statement.target
    if context.pg_version >= 12:
        alternative = f"REINDEX {target.replace(' ', ' CONCURRENTLY ', 1) if statement.name else target};\n{NO_TRANSACTION}."
    else:
        alternative = ("PostgreSQL before 12 has no REINDEX CONCURRENTLY: build a copy with CREATE INDEX CONCURRENTLY, "
                       "DROP INDEX CONCURRENTLY the old one, then ALTER INDEX ... RENAME the copy, each "
                       f"{NO_TRANSACTION}.")
    yield Hit(f"REINDEX {target} blocks writes to the table and reads through the index until it finishes",
              alternative)
