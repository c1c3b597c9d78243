"""SQLite through the standard library's sqlite3 module."""

import fcntl
import os
import sqlite3
import time
from pathlib import Path
from urllib.parse import quote

from .. import interruption
from ..errors import ConnectionFailed, StatementFailed
from ..snapshot import SchemaObject
from ..urls import DatabaseURL
from .base import Adapter, Inspector, QueryTimedOut, ColumnFacts, ForeignKeyFacts, IndexFacts, LockFacts, LockWait, ServerFacts, TableFacts


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
        return SQLiteInspector(self)

    def read_schema(self) -> list[SchemaObject]:
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


def _foreign_keys(adapter: SQLiteAdapter, table: str) -> list[ForeignKeyFacts]:
    grouped: dict[int, list[tuple]] = {}
    for key_id, _, referenced, column, referenced_column in adapter.query(
            f"SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list({adapter.literal(table)}) ORDER BY id, seq"):
        grouped.setdefault(key_id, []).append((referenced, column, referenced_column))
    return [ForeignKeyFacts(f"{table}_fk{key_id}", table, tuple(row[1] for row in rows), rows[0][0],
                            tuple(row[2] or "" for row in rows)) for key_id, rows in grouped.items()]


class SQLiteInspector(Inspector):
    """Live facts of one SQLite database, for plans and checklists."""

    def describe_table(self, schema: str | None, name: str) -> TableFacts | None:
        found = self.query(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {self.literal(name)}")
        if not found:
            return None
        quoted = self.quote_identifier(name)
        table_info = self.query(f"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({self.literal(name)})")
        rowid = [column for column, column_type, *_, position in table_info if position and column_type.upper() == "INTEGER"]
        rowid = rowid[0] if len(rowid) == 1 and sum(1 for row in table_info if row[4]) == 1 else None
        columns = tuple(ColumnFacts(column, column_type, not notnull and column != rowid, default)  # a rowid is never NULL
                        for column, column_type, notnull, default, _ in table_info)
        primary = tuple(column for column, *_, position in sorted(table_info, key=lambda row: row[4]) if position)
        indexes = []
        for index_name, unique, origin, partial in self.query(
                f"SELECT name, \"unique\", origin, partial FROM pragma_index_list({self.literal(name)}) ORDER BY name"):
            index_columns = [row[0] for row in self.query(
                f"SELECT name FROM pragma_index_info({self.literal(index_name)}) ORDER BY seqno")]
            definition = self.query(f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {self.literal(index_name)}")
            indexes.append(IndexFacts(index_name, tuple(column or "" for column in index_columns), bool(unique),
                                      origin == "pk", not partial and None not in index_columns,
                                      (definition[0][0] if definition else None) or f"({origin} constraint)"))
        if not primary:
            primary = next((index.columns for index in indexes if index.primary), ())
        own = tuple(_foreign_keys(self, name))
        incoming = tuple(key for (other,) in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
                         if other != name for key in _foreign_keys(self, other) if key.referenced_table == name)
        rows = self.query(f"SELECT count(*) FROM {quoted}")[0][0]
        return TableFacts(None, name, columns, primary, tuple(indexes), own, incoming, (), rows, True, None, found[0][0])

    def server_facts(self, transaction_seconds: float) -> ServerFacts:
        return ServerFacts(
            f"SQLite {sqlite3.sqlite_version}",
            notes=["SQLite has no server: other connections' transactions, locks and replicas cannot be listed"],
        )

    def locks_on(self, tables: list[tuple[str | None, str]]) -> list[LockFacts] | None:
        return None

    def read_only(self, queries: list[str], seconds: float) -> list[list[tuple]]:
        """query_only refuses every write; a progress handler interrupts a query that runs past its time."""
        connection = self.adapter.connection
        deadline = [0.0]
        connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)
        connection.execute("PRAGMA query_only = ON")
        connection.execute("BEGIN")
        try:
            results = []
            for query in queries:
                deadline[0] = time.monotonic() + seconds
                try:
                    results.append(connection.execute(query).fetchall())
                except sqlite3.OperationalError as error:
                    if str(error) == "interrupted" and time.monotonic() > deadline[0]:
                        raise QueryTimedOut(f"the query ran longer than {seconds:g} s, so it was interrupted") from None
                    raise _statement_failed(error) from None
            return results
        finally:
            connection.execute("ROLLBACK")
            connection.execute("PRAGMA query_only = OFF")
            connection.set_progress_handler(_let_signals_in, 100_000)
