"""The live facts an Inspector (adapters/base.py) reads from a database, for plans and checklists."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ColumnFacts:
    name: str
    type: str  # as the engine writes it, e.g. "character varying(255)", "numeric(12,2)"
    nullable: bool
    default: str | None  # the default expression as the engine stores it


@dataclass(frozen=True)
class IndexFacts:
    name: str
    columns: tuple[str, ...]  # plain column references, in order
    unique: bool
    primary: bool
    simple: bool  # no expression and no WHERE: it can be rebuilt from its columns alone
    definition: str


@dataclass(frozen=True)
class ForeignKeyFacts:
    name: str
    table: str  # the referencing table
    columns: tuple[str, ...]
    referenced_table: str
    referenced_columns: tuple[str, ...]


@dataclass(frozen=True)
class CheckFacts:
    name: str
    columns: tuple[str, ...]
    definition: str  # e.g. "CHECK (price_cents >= 0)"


@dataclass(frozen=True)
class TableFacts:
    """What a planner needs to know of one live table."""

    schema: str | None
    name: str
    columns: tuple[ColumnFacts, ...]
    primary_key: tuple[str, ...]
    indexes: tuple[IndexFacts, ...] = ()
    foreign_keys: tuple[ForeignKeyFacts, ...] = ()  # this table's own
    referenced_by: tuple[ForeignKeyFacts, ...] = ()  # other tables' keys that point here
    checks: tuple[CheckFacts, ...] = ()  # CHECK constraints the engine lists apart from the definition
    rows: int | None = None
    rows_exact: bool = False  # a count, not the planner's estimate
    bytes: int | None = None  # table, indexes and TOAST
    definition: str | None = None  # the CREATE TABLE text, where the engine keeps one (SQLite)

    def column(self, name: str) -> ColumnFacts | None:
        return next((column for column in self.columns if column.name == name), None)


@dataclass(frozen=True)
class InvalidIndex:
    """An index a failed or killed concurrent build left behind: it serves no query and slows every write."""

    name: str
    table: str
    definition: str


@dataclass(frozen=True)
class Cleanup:
    """A statement to run before a migration's statement, and why (e.g. drop the invalid index of a failed try)."""

    sql: str
    reason: str


@dataclass(frozen=True)
class SessionFacts:
    """Another session with a transaction open."""

    pid: int
    state: str
    transaction_seconds: float
    transaction_start: str  # ISO 8601
    query_start: str | None
    query: str


@dataclass(frozen=True)
class LockFacts:
    pid: int
    table: str
    mode: str  # e.g. "AccessShareLock"
    granted: bool
    query: str


@dataclass(frozen=True)
class ReplicaFacts:
    name: str
    state: str
    lag_seconds: float | None  # replay lag
    lag_bytes: int | None  # WAL not yet replayed


@dataclass(frozen=True)
class ServerFacts:
    """Facts about the server as a whole, for the pre-migration checklist.

    A field is None when the engine cannot tell (SQLite has no other sessions to list).
    """

    version: str
    long_transactions: list[SessionFacts] | None = None
    replicas: list[ReplicaFacts] | None = None
    is_replica: bool = False
    lock_timeout: str | None = None  # the session default, e.g. "0" (wait forever) or "5s"
    notes: list[str] = field(default_factory=list)  # what the engine could not tell, and why
