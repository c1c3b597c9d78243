"""PostgreSQL through psycopg 3.

The connection stays in autocommit mode: the runner sends BEGIN and COMMIT itself, so a statement that
cannot run in a transaction block simply runs without one.
"""

import hashlib
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg.conninfo import conninfo_to_dict

from ..errors import ConfigError, ConnectionFailed, StatementFailed, UsageError
from ..urls import DatabaseURL, mask_url, postgres_conninfo
from .base import Adapter, LockWait

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from ..snapshot import SchemaObject
    from .facts import Cleanup, InvalidIndex
    from .postgres_inspector import PostgresInspector

_LOCK_NOT_AVAILABLE = "55P03"  # lock_timeout expired, or NOWAIT


class PostgresAdapter(Adapter):
    dialect = "postgres"
    tracking_types = {
        "version": "varchar(128)",
        "text": "text",
        "state": "text NOT NULL DEFAULT 'applied'",
        "timestamp": "timestamptz",
        "integer": "integer",
    }
    now_sql = "now()"
    # Not DISCARD ALL: it would release the migrator lock. One round trip (a query without parameters may hold
    # several statements): it runs before every migration but the first.
    session_reset = ("RESET ALL; RESET ROLE",)

    def __init__(self, url, table):
        super().__init__(url, table)
        self.connection: psycopg.Connection | None = None
        self.cursor: psycopg.Cursor | None = None
        self.lock_key: int | None = None  # from the resolved table, once connected
        self.locked = False

    def open(self, create: bool, lock: LockWait | None = None) -> bool:
        try:
            params = conninfo_to_dict(postgres_conninfo(self.url))
        except psycopg.Error as error:
            raise ConfigError(f"database URL '{self.url.masked}' is not one PostgreSQL accepts: "
                              f"{_connection_message(error)}") from None
        params.setdefault("connect_timeout", "10")
        params.setdefault("application_name", "dk-migrate")
        try:
            # No prepared statements: a migration's statements run once each, and psycopg would prepare the
            # BEGIN and COMMIT sent around every migration, at the cost of bookkeeping on each statement and a
            # DEALLOCATE ALL round trip after every DROP or ALTER.
            self.connection = psycopg.connect(**params, autocommit=True, prepare_threshold=None)
        except psycopg.Error as error:
            raise ConnectionFailed(f"cannot connect to {self.url.masked}: {_connection_message(error)}") from None
        self.cursor = self.connection.cursor()  # one for every statement: a new one for each is CPU for nothing
        self.table = self._qualified(self.table)
        self.lock_key = _lock_key(self.table)
        if lock is not None:
            self.acquire_lock(lock)
        return True

    def _qualified(self, table: str) -> str:
        """schema.table: where an unqualified table is found on the search_path now, else the schema it would be
        created in. Resolved once, so a migration's `SET search_path` cannot move the tool's own reads and writes."""
        if "." in table:
            return table
        found = self.query(
            "SELECT n.nspname FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE c.oid = pg_catalog.to_regclass({self.literal(self.quote_identifier(table))})")
        schema = found[0][0] if found else self.query("SELECT pg_catalog.current_schema()")[0][0]
        return table if schema is None else f"{schema}.{table}"  # no schema: creating it fails with the server's word

    @property
    def server_version(self) -> int:
        """The major version, e.g. 15."""
        return self.connection.info.server_version // 10000

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()  # also releases the session's advisory lock
            self.connection = self.cursor = None
            self.locked = False

    def execute(self, sql: str) -> int:
        return self.execute_after((), sql)

    def execute_all(self, statements: tuple[str, ...]) -> None:
        self.execute("; ".join(statements))  # a query without parameters may hold several statements

    def execute_after(self, before: tuple[str, ...], sql: str) -> int:
        prefix = "".join(f"{statement}; " for statement in before)
        try:
            cursor = self.cursor.execute(prefix + _without_nul(sql))
            while cursor.nextset():  # the statement's row count is its result's, the last
                pass
            return cursor.rowcount
        except psycopg.Error as error:
            raise _statement_failed(error, offset=len(prefix)) from None

    def query(self, sql: str) -> list[tuple]:
        try:
            return self.cursor.execute(_without_nul(sql)).fetchall()
        except psycopg.Error as error:
            raise _statement_failed(error) from None

    def cancel(self) -> None:
        if self.connection is not None:
            try:
                getattr(self.connection, "cancel_safe", self.connection.cancel)()
            except psycopg.Error:
                pass  # the server could not be told: the statement ends when the connection does

    def in_transaction(self) -> bool:
        return self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    def table_columns(self, table: str) -> set[str] | None:
        regclass = self.literal(self.quote_table(table))
        rows = self.query(
            "SELECT attname FROM pg_attribute"
            f" WHERE attrelid = to_regclass({regclass}) AND attnum > 0 AND NOT attisdropped"
        )
        return {row[0] for row in rows} or None

    def utc(self, column: str) -> str:
        return f"CAST({column} AS timestamptz)"  # a timestamp without zone is read in the session's TimeZone

    def inspector(self) -> "PostgresInspector":
        from .postgres_inspector import PostgresInspector  # only plans and checklists read live facts

        return PostgresInspector(self)

    # A session-level advisory lock polled with pg_try_advisory_lock: a waiting migrator never sits in a
    # statement, so it holds no snapshot that our own CREATE INDEX CONCURRENTLY would have to wait for.
    def invalid_indexes(self) -> list["InvalidIndex"]:
        from .facts import InvalidIndex

        return [InvalidIndex(*row) for row in self.query(
            "SELECT n.nspname || '.' || i.relname, x.indrelid::regclass::text, pg_get_indexdef(x.indexrelid)"
            " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
            " WHERE NOT x.indisvalid AND n.nspname NOT IN ('pg_catalog', 'pg_toast') ORDER BY 1")]

    def cleanup_before(self, statement: str) -> list["Cleanup"]:
        """A CREATE INDEX CONCURRENTLY that failed or was killed leaves its index invalid: the retry drops it
        first (as strong_migrations does), instead of failing on "already exists" or keeping a useless index."""
        target = _concurrent_index_target(statement)
        if target is None:
            return []
        from .facts import Cleanup

        name, table = target
        rows = self.query(
            "SELECT n.nspname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_namespace n ON n.oid = i.relnamespace"
            f" WHERE NOT x.indisvalid AND i.relname = {self.literal(name)}"
            f" AND x.indrelid = to_regclass({self.literal(table)})")
        return [Cleanup(f"DROP INDEX CONCURRENTLY IF EXISTS {self.quote_identifier(schema)}.{self.quote_identifier(name)}",
                        f"the invalid index {schema}.{name} left by an earlier attempt is dropped first")
                for (schema,) in rows]

    def read_schema(self) -> list["SchemaObject"]:
        from .postgres_snapshot import read_schema

        return read_schema(self)

    def tracer(self):
        from .postgres_trace import PostgresTracer

        return PostgresTracer(self)

    def create_scratch_database(self) -> DatabaseURL:
        import uuid

        name = f"dkmigrate_scratch_{uuid.uuid4().hex[:12]}"
        try:
            self.execute(f"CREATE DATABASE {self.quote_identifier(name)}")
        except StatementFailed as error:
            raise UsageError(f"cannot create a scratch database on {self.url.masked}: {error.message}",
                             hint="name an empty database verify may use with --scratch-url") from None
        parts = urlsplit(self.url.raw)
        return DatabaseURL(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment)),
                           "postgres", password=self.url.password)

    def drop_scratch_database(self, url: DatabaseURL) -> None:
        name = urlsplit(url.raw).path.lstrip("/")
        self.execute(f"DROP DATABASE IF EXISTS {self.quote_identifier(name)} WITH (FORCE)")

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


def _concurrent_index_target(statement: str) -> tuple[str, str] | None:
    """The index name (as stored) and the table (as written) of a CREATE INDEX CONCURRENTLY, else None."""
    from ..lexer import PUNCT, name_of, tokenize

    tokens = tokenize(statement, "postgres")
    words = [token.upper for token in tokens[:4]]
    head = 3 if words[:3] == ["CREATE", "INDEX", "CONCURRENTLY"] else 4
    if words[:head] not in (["CREATE", "INDEX", "CONCURRENTLY"], ["CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"]):
        return None
    rest = tokens[head:]
    if [token.upper for token in rest[:3]] == ["IF", "NOT", "EXISTS"]:
        rest = rest[3:]
    if len(rest) < 3 or rest[0].upper == "ON" or rest[1].upper != "ON":
        return None  # an unnamed index is named by the server: nothing to find
    table = rest[2:]
    if table and table[0].upper == "ONLY":
        table = table[1:]
    written = table[:3] if len(table) >= 3 and table[1].kind == PUNCT and table[1].text == "." else table[:1]
    return name_of(rest[0], "postgres"), "".join(token.text for token in written)


def _without_nul(sql: str) -> str:
    """libpq sends a statement only up to its first NUL byte: refuse it rather than run a shorter statement."""
    if "\0" in sql:
        raise StatementFailed("the statement holds a NUL byte, where PostgreSQL would cut it short; it was not sent")
    return sql


def _lock_key(name: str) -> int:
    """A stable signed 64-bit advisory lock key for one schema-qualified tracking table."""
    digest = hashlib.sha256(f"dk-migrate:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _connection_message(error: psycopg.Error) -> str:
    text = mask_url(str(error)).replace("connection failed: ", "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return "; ".join(lines) or type(error).__name__


def _statement_failed(error: psycopg.Error, offset: int = 0) -> StatementFailed:
    """One line: the server's message, SQLSTATE and detail; when the server said nothing (the connection was
    lost), the client library's first line, without its indented explanation. `offset`: the characters sent
    before the statement in the same query (its position is counted from the query's start)."""
    diag = error.diag
    if diag.message_primary:
        message = diag.message_primary
    else:
        message = (str(error).strip().splitlines() or [type(error).__name__])[0]
    if diag.sqlstate:
        message = f"{message} (SQLSTATE {diag.sqlstate})"
    if diag.message_detail:
        message = f"{message}; {diag.message_detail}"
    position = int(diag.statement_position) - offset if diag.statement_position else None
    if position is not None and position < 1:  # in what was sent before the statement
        position = None
    return StatementFailed(mask_url(" ".join(line.strip() for line in message.splitlines())), position,
                           lock_not_granted=diag.sqlstate == _LOCK_NOT_AVAILABLE)
