"""PostgreSQL through psycopg 3.

The connection stays in autocommit mode: the runner sends BEGIN and COMMIT itself, so a statement that
cannot run in a transaction block simply runs without one.
"""

import hashlib

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import ConnectionFailed, StatementFailed
from ..transactions import runs_outside_transaction
from ..urls import mask_url, postgres_conninfo
from .base import Adapter


class PostgresAdapter(Adapter):
    dialect = "postgres"
    transactional_ddl = True
    tracking_types = {
        "version": "varchar(128)",
        "text": "text",
        "state": "text NOT NULL DEFAULT 'applied'",
        "timestamp": "timestamptz",
        "integer": "integer",
    }
    now_sql = "now()"

    def __init__(self, url, table):
        super().__init__(url, table)
        self.connection: psycopg.Connection | None = None
        self.lock_key = _lock_key(table)
        self.locked = False

    def open(self, create: bool) -> bool:
        params = conninfo_to_dict(postgres_conninfo(self.url))
        params.setdefault("connect_timeout", "10")
        params.setdefault("application_name", "dk-migrate")
        try:
            self.connection = psycopg.connect(**params, autocommit=True)
        except psycopg.Error as error:
            raise ConnectionFailed(f"cannot connect to {self.url.masked}: {_connection_message(error)}") from None
        return True

    @property
    def server_version(self) -> int:
        """The major version, e.g. 15."""
        return self.connection.info.server_version // 10000

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()  # also releases the session's advisory lock
            self.connection = None
            self.locked = False

    def execute(self, sql: str) -> None:
        try:
            self.connection.execute(sql)
        except psycopg.Error as error:
            raise _statement_failed(error) from None

    def query(self, sql: str) -> list[tuple]:
        try:
            return self.connection.execute(sql).fetchall()
        except psycopg.Error as error:
            raise _statement_failed(error) from None

    def in_transaction(self) -> bool:
        return self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def table_columns(self, table: str) -> set[str] | None:
        regclass = self.literal(self.quote_table(table))
        rows = self.query(
            "SELECT attname FROM pg_attribute"
            f" WHERE attrelid = to_regclass({regclass}) AND attnum > 0 AND NOT attisdropped"
        )
        return {row[0] for row in rows} or None

    def runs_outside_transaction(self, statement: str) -> bool:
        return runs_outside_transaction(statement, self.dialect, self.server_version)

    # A session-level advisory lock polled with pg_try_advisory_lock: a waiting migrator never sits in a
    # statement, so it holds no snapshot that our own CREATE INDEX CONCURRENTLY would have to wait for.
    def try_lock(self) -> bool:
        self.locked = bool(self.query(f"SELECT pg_try_advisory_lock({self.lock_key})")[0][0])
        return self.locked

    def lock_holder(self) -> str:
        high, low = (self.lock_key >> 32) & 0xFFFFFFFF, self.lock_key & 0xFFFFFFFF
        rows = self.query(
            "SELECT a.pid, a.application_name, a.client_addr, a.backend_start"
            " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            f" WHERE l.locktype = 'advisory' AND l.granted AND l.classid = {high} AND l.objid = {low}"
            " AND l.objsubid = 1 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        if not rows:
            return "another migrator holds the migration lock"
        pid, application, address, started = rows[0]
        where = f" from {address}" if address else ""
        return f"migration lock held by pid {pid} ({application or 'unnamed'}{where}, connected {started:%Y-%m-%d %H:%M:%S})"

    def unlock(self) -> None:
        if self.locked and self.connection is not None:
            self.query(f"SELECT pg_advisory_unlock({self.lock_key})")
        self.locked = False

    def quote_identifier(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'


def _lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for one tracking table."""
    digest = hashlib.sha256(f"dk-migrate:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connection_message(error: psycopg.Error) -> str:
    text = mask_url(str(error)).replace("connection failed: ", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines) or type(error).__name__


def _statement_failed(error: psycopg.Error) -> StatementFailed:
    diag = error.diag
    message = diag.message_primary or str(error).strip()
    if diag.sqlstate:
        message = f"{message} (SQLSTATE {diag.sqlstate})"
    if diag.message_detail:
        message = f"{message}; {diag.message_detail}"
    position = int(diag.statement_position) if diag.statement_position else None
    return StatementFailed(mask_url(message), position)
