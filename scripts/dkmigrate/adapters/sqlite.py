"""SQLite through the standard library's sqlite3 module."""

import fcntl
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from .. import interruption
from ..errors import ConnectionFailed, StatementFailed
from ..urls import DatabaseURL
from .base import Adapter, LockWait

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from ..snapshot import SchemaObject
    from .sqlite_inspector import SQLiteInspector


class SQLiteAdapter(Adapter):
    dialect = "sqlite"
    tracking_types = {
        "version": "varchar(128)",
        "text": "text",
        "state": "text NOT NULL DEFAULT 'applied'",
        "timestamp": "text",
        "integer": "integer",
    }
    now_sql = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

    def __init__(self, url, table):
        super().__init__(url, table)
        self.connection: sqlite3.Connection | None = None
        self.lock_file = None

    @property
    def path(self) -> Path:
        return self.url.sqlite_path

    def open(self, create: bool, lock: LockWait | None = None) -> bool:
        if "." not in self.table:  # a TEMP table of the same name, made by a migration, would hide it
            self.table = f"main.{self.table}"
        if not self.url.is_memory and not self.path.exists():
            if not create:
                return False
            if not self.path.parent.is_dir():  # as dbmate: a typo in the path must not grow folders
                raise ConnectionFailed(f"cannot create SQLite database {self.path}: the folder {self.path.parent} "
                                       "does not exist")
        if lock is not None:  # before the first read: the holder may keep the file locked for longer than a busy timeout
            self.acquire_lock(lock)
        try:
            target = ":memory:" if self.url.is_memory else f"file:{quote(str(self.path))}?mode={'rwc' if create else 'rw'}"
            self.connection = sqlite3.connect(target, uri=not self.url.is_memory, isolation_level=None)
            # Python runs signal handlers only between its own instructions: a long statement calls back into
            # Python now and then, so that a signal can interrupt it.
            self.connection.set_progress_handler(_let_signals_in, 100_000)
            self.connection.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as error:
            raise ConnectionFailed(f"cannot open SQLite database {self.path}: {error}") from None
        return True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.unlock()

    def execute(self, sql: str) -> int:
        try:
            return self.connection.execute(sql).rowcount
        except (sqlite3.Error, sqlite3.Warning) as error:
            raise _statement_failed(error) from None

    def query(self, sql: str) -> list[tuple]:
        try:
            return self.connection.execute(sql).fetchall()
        except sqlite3.Error as error:
            raise _statement_failed(error) from None

    def cancel(self) -> None:
        if self.connection is not None:
            self.connection.interrupt()

    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    def table_columns(self, table: str) -> set[str] | None:
        schema, _, name = table.rpartition(".")
        rows = self.query(f"PRAGMA {self.quote_identifier(schema or 'main')}.table_info({self.quote_identifier(name)})")
        return {row[1] for row in rows} or None

    def inspector(self) -> "SQLiteInspector":
        from .sqlite_inspector import SQLiteInspector  # only plans and checklists read live facts

        return SQLiteInspector(self)

    def read_schema(self) -> list["SchemaObject"]:
        from .sqlite_snapshot import read_schema

        return read_schema(self)

    def tracer(self):
        from .sqlite_trace import SQLiteTracer

        return SQLiteTracer(self)

    def private_copy(self, directory: Path) -> DatabaseURL | None:
        """A consistent copy through SQLite's backup API (an empty database when the file does not exist yet)."""
        if self.url.is_memory:
            return None
        copy = directory / self.path.name
        target = sqlite3.connect(copy)
        try:
            if self.connection is not None:
                self.connection.backup(target)
        except sqlite3.Error as error:
            raise ConnectionFailed(f"cannot copy SQLite database {self.path}: {error}") from None
        finally:
            target.close()
        return DatabaseURL(f"sqlite:{copy}", "sqlite", sqlite_path=copy)

    # The lock is an flock on a file beside the database: SQLite's own write lock cannot be held across
    # the several transactions of one run, and an flock is released by the kernel if the process dies.
    # It sits beside the real file, whatever path or symlink the URL reaches it by.
    @property
    def lock_path(self) -> Path:
        return Path(f"{os.path.realpath(self.path)}.migrate-lock")

    def try_lock(self) -> bool:
        if self.url.is_memory:
            return True
        if self.lock_file is None:
            try:
                self.lock_file = open(self.lock_path, "a")
            except OSError as error:
                raise ConnectionFailed(f"cannot create the migration lock {self.lock_path}: {error.strerror}") from None
        try:
            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def lock_holders(self, tables: list[tuple[str | None, str]]) -> str:
        return f"another connection holds the write lock of {self.path.name} (SQLite does not say which)"

    def lock_holder(self) -> str:
        return f"another migrator holds {self.lock_path.name}"

    def unlock(self) -> None:
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None


def _let_signals_in() -> int:
    return 0  # go on


def _statement_failed(error: Exception) -> StatementFailed:
    if isinstance(error, sqlite3.OperationalError) and str(error) == "interrupted":
        interruption.reraise()  # a signal handler raised inside _let_signals_in; sqlite3 dropped the exception
    busy = getattr(error, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return StatementFailed(str(error), lock_not_granted=busy)
