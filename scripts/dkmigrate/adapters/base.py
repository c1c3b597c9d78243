"""The interfaces every database engine implements: Adapter runs migrations (connect, execute, lock, the
tracking table); Inspector reads the live facts plans are made from. The runner talks to engines only
through Adapter, the planner only through Inspector."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections import namedtuple
from pathlib import Path

from ..errors import LockTimeout, StatementFailed, UsageError
from ..engines import engine
from ..urls import DatabaseURL

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from ..snapshot import SchemaObject
    from .facts import Cleanup, InvalidIndex, LockFacts, ServerFacts, TableFacts

LOCK_POLL_SECONDS = 0.1
# What an Inspector reports, in facts.py: only the planner, the checklist and verify read them, so that the
# commands that do not (status, up) do not build their classes. Still importable from here.
_FACTS = ("ColumnFacts", "IndexFacts", "ForeignKeyFacts", "CheckFacts", "TableFacts", "InvalidIndex", "Cleanup",
          "SessionFacts", "LockFacts", "ReplicaFacts", "ServerFacts")


def __getattr__(name: str):
    if name in _FACTS:
        from . import facts

        return getattr(facts, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# How long to wait for the migrator lock (seconds), and on_wait(holder): whom to tell (once) while waiting.
LockWait = namedtuple("LockWait", "seconds on_wait")


class Observation(namedtuple("Observation", "duration_ms locks rewrote scanned rows held",
                             defaults=((), (), (), -1, ()))):
    """What the engine showed of one statement a Tracer ran: locks, (table, lock mode) it took on tables that existed
    before it; rewrote, tables written anew (new file, new root page, new table id); scanned, tables it read whole
    (sequential scans); rows, the rows the statement reported it changed (-1 when none); held, (table, strongest
    lock) its transaction held before it."""

    __slots__ = ()


class Tracer(ABC):
    """`migrate trace`: runs statements one at a time, as a migration would, and reports what the engine shows of
    each. Engine-specific; one per engine, over an open Adapter's connection."""

    def __init__(self, adapter: "Adapter"):
        self.adapter = adapter

    @abstractmethod
    def notes(self) -> list[str]:
        """What this engine does not let the trace observe, and why, in words (said once per trace)."""

    @abstractmethod
    def run(self, sql: str, in_transaction: bool) -> Observation:
        """Runs one statement (inside the transaction the caller opened, with in_transaction) and observes it.
        Raises StatementFailed with the database's message."""


class StorageTracer(Tracer):
    """A tracer that sees a rebuilt table by its storage id (a root page, a table id), read before and after each
    statement: a name that kept its place with another id (a copying ALTER), or that took over the id of another
    table that existed before it (a copy renamed to the old name)."""

    def __init__(self, adapter: "Adapter"):
        super().__init__(adapter)
        self.seen: dict[str, int] = {}  # the last storage id seen under each table name, dropped tables' too

    @abstractmethod
    def storage(self) -> dict[str, int]:
        """Each table's storage id, by name."""

    def run(self, sql: str, in_transaction: bool) -> Observation:
        before = self.storage()
        self.seen.update(before)
        started = time.perf_counter()
        rows = self.adapter.execute(sql)
        duration = time.perf_counter() - started
        after = self.storage()
        taken_over = set(before.values())
        rewrote = tuple(sorted(name for name, storage in after.items()
                               if self.seen.get(name, storage) != storage and (name in before or storage in taken_over)))
        self.seen.update(after)
        return Observation(round(duration * 1000, 3), rewrote=rewrote, rows=rows)


class QueryTimedOut(StatementFailed):
    """A read-only check ran longer than it was allowed to, and was cancelled."""


class Inspector(ABC):
    """The live facts the planner and the checklist read, through an open Adapter's connection. Read-only:
    none of these changes anything or takes a lock that blocks others."""

    def __init__(self, adapter: "Adapter"):
        self.adapter = adapter
        self.query = adapter.query
        self.literal = adapter.literal
        self.quote_identifier = adapter.quote_identifier

    @abstractmethod
    def describe_table(self, schema: str | None, name: str) -> TableFacts | None:
        """Columns, keys, indexes and size of a table; None when it does not exist."""

    @abstractmethod
    def server_facts(self, transaction_seconds: float) -> ServerFacts:
        """The server's version, transactions open longer than transaction_seconds, replicas and their lag."""

    @abstractmethod
    def locks_on(self, tables: list[tuple[str | None, str]]) -> list[LockFacts] | None:
        """Locks other sessions hold or wait for on these tables; None when the engine cannot tell."""

    def replica_lag(self) -> float | None:
        """Seconds the most lagging replica is behind (as server_facts reads it); None when none is known."""
        facts = self.server_facts(transaction_seconds=86400)
        lags = [replica.lag_seconds for replica in facts.replicas or () if replica.lag_seconds is not None]
        return max(lags, default=None)

    @abstractmethod
    def read_only(self, queries: list[str], seconds: float) -> list[list[tuple]]:
        """The rows of each query, run in a read-only transaction, each cancelled after `seconds` (QueryTimedOut)."""


class Adapter(ABC):
    """Running migrations: connect, execute, the migrator lock, what the tracking table needs."""

    dialect: str  # "sqlite", "postgres", "mysql"
    tracking_types: dict[str, str]  # tracking.COLUMNS kinds -> column types
    now_sql: str  # SQL expression for the current time, stored in the tracking table
    # Run between two migrations of one run, so that each starts as in a new session (a migration's SET
    # search_path or SET ROLE does not reach the next one, whether they are applied in one run or in two).
    session_reset: tuple[str, ...] = ()

    def __init__(self, url: DatabaseURL, table: str):
        self.url = url
        # The tracking table, which also names the migrator lock. `open` resolves it to the one table it is
        # (schema-qualified), so neither the spelling in migrate.yaml nor a migration's settings can change it.
        self.table = table

    @abstractmethod
    def open(self, create: bool, lock: "LockWait | None" = None) -> bool:
        """Connect, and with `lock` take the migrator lock (before anything else touches the database).

        Returns False, creating and locking nothing, when the database is a file that does not exist and create
        is False; a server's database that does not exist is a ConnectionFailed that names it.
        Raises ConnectionFailed when the database cannot be reached, opened or authenticated, LockTimeout when
        another migrator holds the lock for longer than lock.seconds.
        """

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def execute(self, sql: str) -> int:
        """Run one statement; returns how many rows it changed (-1 for a statement that changes no rows).
        Raises errors.StatementFailed with the database's message."""

    def execute_all(self, statements: tuple[str, ...]) -> None:
        """Run statements of the tool's own whose row counts nobody reads (COMMIT, session_reset), in order; in one
        round trip where the engine takes several statements at once. Raises StatementFailed at the first that fails,
        the rest not run."""
        for statement in statements:
            self.execute(statement)

    def execute_after(self, before: tuple[str, ...], sql: str) -> int:
        """execute(sql), after statements of the tool's own whose results nobody reads (BEGIN), in the same round
        trip where the engine takes several statements at once; a failure of either is raised as the statement's."""
        self.execute_all(before)
        return self.execute(sql)

    @abstractmethod
    def query(self, sql: str) -> list[tuple]: ...

    @abstractmethod
    def cancel(self) -> None:
        """Stop the statement in progress on the server; its execute then raises StatementFailed. Called from a
        signal handler, while execute waits."""

    @abstractmethod
    def in_transaction(self) -> bool:
        """Whether a transaction block is open (one a migration began and did not end)."""

    @abstractmethod
    def table_columns(self, table: str) -> set[str] | None:
        """The column names of a table, or None when it does not exist."""

    @abstractmethod
    def inspector(self) -> "Inspector":
        """What the planner and the checklist read of the live database, over this connection."""

    def invalid_indexes(self) -> list[InvalidIndex]:
        """Indexes left invalid by a concurrent build that failed or was killed; none where builds cannot fail so."""
        return []

    def cleanup_before(self, statement: str) -> list[Cleanup]:
        """What must go before a statement that runs outside a transaction, left by an earlier attempt at it."""
        return []

    # For `verify`: the schema, and a place to run migrations where they cannot hurt.

    @abstractmethod
    def read_schema(self) -> list[SchemaObject]:
        """Every object of the schema (tables, columns, indexes, ...), read from the engine's catalogues."""

    def private_copy(self, directory: Path) -> DatabaseURL | None:
        """A copy of the database, made in directory, that may be changed freely; None when the engine cannot
        copy a database cheaply (a server: verify then runs in a transaction or on a scratch database)."""
        return None

    def tracer(self) -> Tracer:
        """What `migrate trace` observes of each statement on this engine."""
        raise UsageError(f"trace cannot observe a {engine(self.dialect).label} database")

    def create_scratch_database(self) -> DatabaseURL:
        """A new, empty database on the same server, for the caller to drop with drop_scratch_database."""
        raise UsageError(f"{self.dialect} cannot create a scratch database here",
                         hint="name an empty one with --scratch-url")

    def drop_scratch_database(self, url: DatabaseURL) -> None: ...

    def scratch_copy(self, rows: int) -> DatabaseURL | None:
        """A new database on the same server holding the current schema and up to `rows` rows of each table (not
        the tracking table), for the caller to drop with drop_scratch_database; None where the engine makes none
        (the caller then builds one: create_scratch_database, and the applied migrations replayed)."""
        return None

    @abstractmethod
    def try_lock(self) -> bool:
        """Take the migrator lock without waiting; False when another process holds it."""

    @abstractmethod
    def lock_holder(self) -> str:
        """Who holds the migrator lock, in words, for a waiting process to show."""

    @abstractmethod
    def unlock(self) -> None: ...

    def lock_holders(self, tables: list[tuple[str | None, str]]) -> str:
        """Who holds the locks on these tables that a statement could not get, in words (after it gave up)."""
        locks = self.inspector().locks_on(tables)
        held = [lock for lock in locks or () if lock.granted]
        if not held:
            return "no session holds a lock on them any more"
        return "; ".join(f"pid {lock.pid} holds {lock.mode} on {lock.table} ({' '.join(lock.query.split())[:80]})"
                         for lock in held)

    def quote_identifier(self, name: str) -> str:
        return engine(self.dialect).quote_identifier(name)

    def quote_table(self, name: str) -> str:
        return engine(self.dialect).quote_table(name)

    def literal(self, value) -> str:
        return engine(self.dialect).literal(value)

    def timestamp_literal(self, iso: str) -> str:
        """A UTC time written as ISO 8601 (`2026-11-24T09:30:00Z`), as a literal the tracking table's timestamp
        column takes."""
        return self.literal(iso)

    def utc(self, column: str) -> str:
        """SQL reading another tool's time column as UTC: a time the server keeps in the session's time zone
        (a timestamp without zone, which another tool filled with now()) comes back as UTC."""
        return column

    @property
    def server_version(self) -> int | None:
        """The server's major version where what is safe depends on it (PostgreSQL); None elsewhere."""
        return None

    def runs_outside_transaction(self, statement: str) -> bool:
        """True for a statement that cannot run inside a transaction block (or that manages its own)."""
        return engine(self.dialect).runs_outside_transaction(statement, self.server_version)

    def acquire_lock(self, lock: "LockWait") -> None:
        """Take the migrator lock, polling without holding a transaction open; LockTimeout after lock.seconds
        (at once with 0)."""
        deadline = time.monotonic() + lock.seconds
        told = False
        while not self.try_lock():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockTimeout(
                    f"gave up after waiting {lock.seconds:g} s for the migration lock ({self.lock_holder()})",
                    hint="wait for the other migration to finish, or raise --lock-wait",
                )
            if not told:
                lock.on_wait(self.lock_holder())
                told = True
            time.sleep(min(LOCK_POLL_SECONDS, remaining))
