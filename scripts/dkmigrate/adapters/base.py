"""The interface every database engine implements. The runner talks to engines only through it."""

import time
from abc import ABC, abstractmethod
from collections.abc import Callable

from ..errors import LockTimeout
from ..transactions import runs_outside_transaction
from ..urls import DatabaseURL

LOCK_POLL_SECONDS = 0.1


class Adapter(ABC):
    dialect: str  # "sqlite", "postgres", "mysql"
    transactional_ddl: bool  # False: DDL commits implicitly, so a migration cannot be one transaction
    tracking_types: dict[str, str]  # tracking.COLUMNS kinds -> column types
    now_sql: str  # SQL expression for the current time, stored in the tracking table

    def __init__(self, url: DatabaseURL, table: str):
        self.url = url
        self.table = table  # the tracking table, which also names the migrator lock

    @abstractmethod
    def open(self, create: bool) -> bool:
        """Connect. Returns False, creating nothing, when the database does not exist and create is False.

        Raises ConnectionFailed when the database cannot be reached, opened or authenticated.
        """

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def execute(self, sql: str) -> None:
        """Run one statement. Raises errors.StatementFailed with the database's message."""

    @abstractmethod
    def query(self, sql: str) -> list[tuple]: ...

    @abstractmethod
    def in_transaction(self) -> bool:
        """Whether a transaction block is open (one a migration began and did not end)."""

    @abstractmethod
    def table_columns(self, table: str) -> set[str] | None:
        """The column names of a table, or None when it does not exist."""

    @abstractmethod
    def try_lock(self) -> bool:
        """Take the migrator lock without waiting; False when another process holds it."""

    @abstractmethod
    def lock_holder(self) -> str:
        """Who holds the migrator lock, in words, for a waiting process to show."""

    @abstractmethod
    def unlock(self) -> None: ...

    @abstractmethod
    def quote_identifier(self, name: str) -> str: ...

    def quote_table(self, name: str) -> str:
        return ".".join(self.quote_identifier(part) for part in name.split("."))

    def literal(self, value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def runs_outside_transaction(self, statement: str) -> bool:
        """True for a statement that cannot run inside a transaction block (or that manages its own)."""
        return runs_outside_transaction(statement, self.dialect)

    def acquire_lock(self, wait_seconds: float, on_wait: Callable[[str], None]) -> None:
        """Take the migrator lock, polling without holding a transaction open; LockTimeout after wait_seconds."""
        deadline = time.monotonic() + wait_seconds
        told = False
        while not self.try_lock():
            if not told:
                on_wait(self.lock_holder())
                told = True
            if time.monotonic() >= deadline:
                raise LockTimeout(
                    f"gave up after waiting {wait_seconds:g} s for the migration lock ({self.lock_holder()})",
                    hint="wait for the other migration to finish, or raise --lock-wait",
                )
            time.sleep(LOCK_POLL_SECONDS)
