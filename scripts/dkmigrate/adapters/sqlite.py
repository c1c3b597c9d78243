"""SQLite through the standard library's sqlite3 module."""

import fcntl
import sqlite3
from pathlib import Path
from urllib.parse import quote

from ..errors import ConnectionFailed, StatementFailed
from .base import Adapter


class SQLiteAdapter(Adapter):
    dialect = "sqlite"
    transactional_ddl = True
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

    def open(self, create: bool) -> bool:
        if not self.url.is_memory and not self.path.exists():
            if not create:
                return False
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise ConnectionFailed(f"cannot create the directory of {self.path}: {error.strerror}") from None
        try:
            target = ":memory:" if self.url.is_memory else f"file:{quote(str(self.path))}?mode={'rwc' if create else 'rw'}"
            self.connection = sqlite3.connect(target, uri=not self.url.is_memory, isolation_level=None)
            self.connection.execute("PRAGMA schema_version").fetchone()
        except sqlite3.Error as error:
            raise ConnectionFailed(f"cannot open SQLite database {self.path}: {error}") from None
        return True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        self.unlock()

    def execute(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
        except (sqlite3.Error, sqlite3.Warning) as error:
            raise StatementFailed(str(error)) from None

    def query(self, sql: str) -> list[tuple]:
        try:
            return self.connection.execute(sql).fetchall()
        except sqlite3.Error as error:
            raise StatementFailed(str(error)) from None

    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    def table_columns(self, table: str) -> set[str] | None:
        rows = self.query(f"PRAGMA table_info({self.quote_identifier(table)})")
        return {row[1] for row in rows} or None

    # The lock is an flock on a file beside the database: SQLite's own write lock cannot be held across
    # the several transactions of one run, and an flock is released by the kernel if the process dies.
    @property
    def lock_path(self) -> Path:
        return Path(f"{self.path}.migrate-lock")

    def try_lock(self) -> bool:
        if self.url.is_memory:
            return True
        if self.lock_file is None:
            self.lock_file = open(self.lock_path, "a")
        try:
            fcntl.flock(self.lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def lock_holder(self) -> str:
        return f"another migrator holds {self.lock_path.name}"

    def unlock(self) -> None:
        if self.lock_file is not None:
            self.lock_file.close()
            self.lock_file = None

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'
