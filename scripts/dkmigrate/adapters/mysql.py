"""MySQL and MariaDB through PyMySQL.

The connection stays in autocommit mode: the runner sends BEGIN and COMMIT itself around a migration of
data changes only; DDL commits implicitly, so a migration holding DDL runs statement by statement with its
progress in the tracking table. The migrator lock is GET_LOCK, which belongs to the connection: a process
that dies, or loses its connection, frees it.
"""

import hashlib
import uuid
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import pymysql
from pymysql.constants import CLIENT, SERVER_STATUS

from ..errors import ConnectionFailed, DatabaseError, StatementFailed, UsageError
from ..snapshot import SchemaObject
from ..urls import DatabaseURL, mask_url
from .base import (Adapter, QueryTimedOut, CheckFacts, ColumnFacts, ForeignKeyFacts, IndexFacts, Inspector, LockFacts, LockWait,
                   ReplicaFacts, ServerFacts, SessionFacts, TableFacts)

# A table smaller than this is counted exactly; information_schema's TABLE_ROWS is an estimate.
_COUNT_BELOW_BYTES = 64 * 1024 * 1024
_LOCK_NAME_BYTES = 64  # GET_LOCK's limit


class MySQLAdapter(Adapter):
    dialect = "mysql"
    tracking_types = {
        "version": "varchar(128)",
        "text": "text",
        "state": "varchar(32) NOT NULL DEFAULT 'applied'",
        "timestamp": "datetime(6)",
        "integer": "bigint",
    }
    now_sql = "UTC_TIMESTAMP(6)"

    def __init__(self, url, table):
        super().__init__(url, table)
        self.connection: pymysql.connections.Connection | None = None
        self.lock_name: str | None = None
        self.locked = False

    def open(self, create: bool, lock: LockWait | None = None) -> bool:
        settings = connection_settings(self.url)
        database = settings.pop("database")
        if not database:
            raise ConnectionFailed(f"{self.url.masked} names no database: add it to the URL (mysql://host/database)")
        try:
            # FOUND_ROWS: an UPDATE reports the rows it matched, so a tracking write that finds its row counts 1
            self.connection = pymysql.connect(**settings, autocommit=True, client_flag=CLIENT.FOUND_ROWS)
        except pymysql.Error as error:
            raise ConnectionFailed(f"cannot connect to {self.url.masked}: {_message(error)}") from None
        try:
            self.connection.select_db(database)
        except pymysql.Error as error:
            raise ConnectionFailed(f"cannot use database {database} at {self.url.masked}: {_message(error)}") from None
        # database.table, resolved once: a migration's USE cannot move the tool's own reads and writes
        self.table = self.table if "." in self.table else f"{database}.{self.table}"
        self.lock_name = _lock_name(self.table)
        if lock is not None:
            self.acquire_lock(lock)
        return True

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()  # also frees the GET_LOCK lock
            except pymysql.Error:
                pass
            self.connection = None
            self.locked = False

    def execute(self, sql: str) -> int:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.rowcount
        except pymysql.Error as error:
            raise _statement_failed(error) from None

    def query(self, sql: str) -> list[tuple]:
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        except pymysql.Error as error:
            raise StatementFailed(_message(error)) from None

    def cancel(self) -> None:
        """KILL QUERY from a second connection: the statement in progress stops, the connection stays."""
        if self.connection is None:
            return
        settings = connection_settings(self.url)
        settings.pop("database")
        settings["connect_timeout"] = 5
        try:
            with pymysql.connect(**settings, autocommit=True) as killer:
                with killer.cursor() as cursor:
                    cursor.execute(f"KILL QUERY {int(self.connection.thread_id())}")
        except pymysql.Error:
            pass  # the server could not be told: the statement ends when the connection does

    def in_transaction(self) -> bool:
        return bool(self.connection.server_status & SERVER_STATUS.SERVER_STATUS_IN_TRANS)

    def table_columns(self, table: str) -> set[str] | None:
        schema, name = _split(table)
        rows = self.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
            f" WHERE TABLE_SCHEMA = {_schema_sql(self, schema)} AND TABLE_NAME = {self.literal(name)}")
        return {row[0] for row in rows} or None

    def inspector(self) -> Inspector:
        return MySQLInspector(self)

    def read_schema(self) -> list[SchemaObject]:
        from .mysql_snapshot import read_schema

        return read_schema(self)

    def create_scratch_database(self) -> DatabaseURL:
        """A new, empty database with this one's character set and collation, named dkmigrate_scratch_<random>."""
        name = f"dkmigrate_scratch_{uuid.uuid4().hex[:12]}"
        charset, collation = self.query("SELECT @@character_set_database, @@collation_database")[0]
        try:
            self.execute(f"CREATE DATABASE {self.quote_identifier(name)} CHARACTER SET {charset} COLLATE {collation}")
        except StatementFailed as error:
            raise UsageError(f"cannot create a scratch database on {self.url.masked} ({error.message}): pass "
                             "--scratch-url with an empty database to use instead") from None
        parts = urlsplit(self.url.raw)
        return DatabaseURL(urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment)),
                           self.dialect, password=self.url.password)

    def drop_scratch_database(self, url: DatabaseURL) -> None:
        self.execute(f"DROP DATABASE IF EXISTS {self.quote_identifier(connection_settings(url)['database'])}")

    def scratch_copy(self, rows: int) -> DatabaseURL:
        """A scratch database made from this one: its tables, sequences, views, routines and triggers as SHOW CREATE
        writes them, and up to `rows` rows of each table; dropped again when the copy fails."""
        from .mysql_snapshot import copy_schema

        url = self.create_scratch_database()
        try:
            copy_schema(self, url, rows)
        except StatementFailed as error:
            self.drop_scratch_database(url)
            raise DatabaseError(f"cannot copy {self.url.masked} into a scratch database: {error.message}",
                                hint="name an empty database with --scratch-url: the applied migrations are "
                                     "replayed there instead") from None
        except BaseException:
            self.drop_scratch_database(url)
            raise
        return url

    def tracer(self):
        from .mysql_trace import MySQLTracer

        return MySQLTracer(self)

    def timestamp_literal(self, iso: str) -> str:
        """datetime takes no `T` and no zone: the tracking table keeps UTC (UTC_TIMESTAMP), so the `Z` goes."""
        return self.literal(iso.replace("T", " ").removesuffix("Z"))

    def utc(self, column: str) -> str:
        return f"CONVERT_TZ({column}, @@session.time_zone, '+00:00')"  # a TIMESTAMP reads in the session's zone

    def try_lock(self) -> bool:
        self.locked = self.query(f"SELECT GET_LOCK({self.literal(self.lock_name)}, 0)")[0][0] == 1
        return self.locked

    def lock_holder(self) -> str:
        rows = self.query(
            "SELECT p.ID, p.USER, p.HOST, p.TIME FROM information_schema.PROCESSLIST p"
            f" WHERE p.ID = IS_USED_LOCK({self.literal(self.lock_name)})")
        if not rows:
            return "another migrator holds the migration lock"
        connection_id, user, host, seconds = rows[0]
        return f"migration lock held by connection {connection_id} ({user}@{host}, {seconds} s in its current state)"

    def lock_holders(self, tables: list[tuple[str | None, str]]) -> str:
        """performance_schema's metadata locks where they are recorded; otherwise the other connections with a
        transaction open (information_schema.INNODB_TRX), which hold their tables' metadata locks until it ends."""
        if _metadata_locks_enabled(self):
            return super().lock_holders(tables)
        rows = self.query(
            "SELECT t.trx_mysql_thread_id, p.USER, p.HOST, t.trx_started, LEFT(COALESCE(t.trx_query, p.INFO, ''), 80)"
            " FROM information_schema.INNODB_TRX t LEFT JOIN information_schema.PROCESSLIST p"
            " ON p.ID = t.trx_mysql_thread_id WHERE t.trx_mysql_thread_id <> CONNECTION_ID() ORDER BY t.trx_started")
        if not rows:
            return "no other connection has a transaction open any more"
        return "; ".join(f"connection {thread} ({user}@{host}, transaction open since {started}"
                         f"{': ' + query if query else ''})" for thread, user, host, started, query in rows)

    def unlock(self) -> None:
        if self.locked and self.connection is not None:
            self.query(f"SELECT RELEASE_LOCK({self.literal(self.lock_name)})")
        self.locked = False


class MySQLInspector(Inspector):
    """Live facts from information_schema, performance_schema and the replication status."""

    def __init__(self, adapter: MySQLAdapter):
        self.adapter = adapter

    def describe_table(self, schema: str | None, name: str) -> TableFacts | None:
        a = self.adapter
        where = f"TABLE_SCHEMA = {_schema_sql(a, schema)} AND TABLE_NAME = {a.literal(name)}"
        found = a.query(f"SELECT TABLE_SCHEMA, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES"
                        f" WHERE {where} AND TABLE_TYPE = 'BASE TABLE'")
        if not found:
            return None
        schema_name, estimate, size = found[0]
        columns = tuple(ColumnFacts(column, column_type, nullable == "YES", default)
                        for column, column_type, nullable, default in a.query(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT FROM information_schema.COLUMNS"
            f" WHERE {where} ORDER BY ORDINAL_POSITION"))
        indexes: dict[str, dict] = {}
        for index, non_unique, column in a.query(
                "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS"
                f" WHERE {where} ORDER BY INDEX_NAME, SEQ_IN_INDEX"):
            entry = indexes.setdefault(index, {"unique": not non_unique, "columns": []})
            entry["columns"].append(column)
        quoted = a.quote_identifier(name) if schema is None else f"{a.quote_identifier(schema)}.{a.quote_identifier(name)}"
        index_facts = tuple(
            IndexFacts(index, tuple(column or "" for column in entry["columns"]), entry["unique"], index == "PRIMARY",
                       None not in entry["columns"],
                       f"CREATE {'UNIQUE ' if entry['unique'] else ''}INDEX {a.quote_identifier(index)} ON {quoted} "
                       f"({', '.join(a.quote_identifier(column or '') for column in entry['columns'])})")
            for index, entry in indexes.items())
        primary = next((index.columns for index in index_facts if index.primary), ())
        keys = _foreign_keys(a, schema_name, name)
        own = tuple(key for key in keys if key.table == name)
        incoming = tuple(key for key in keys if key.referenced_table == name and key.table != name)
        checks = tuple(CheckFacts(check, (), f"CHECK ({clause})") for check, clause in a.query(
            "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
            f" WHERE CONSTRAINT_SCHEMA = {a.literal(schema_name)} AND TABLE_NAME = {a.literal(name)}"
            " ORDER BY CONSTRAINT_NAME")) if _has_check_constraints(a) else ()
        rows_exact = (size or 0) < _COUNT_BELOW_BYTES
        rows = a.query(f"SELECT count(*) FROM {quoted}")[0][0] if rows_exact else estimate
        return TableFacts(None if schema is None else schema_name, name, columns, primary, index_facts, own, incoming,
                          checks, rows, rows_exact, size)

    def server_facts(self, transaction_seconds: float) -> ServerFacts:
        a = self.adapter
        version, lock_wait_timeout = a.query("SELECT VERSION(), @@lock_wait_timeout")[0]
        notes = []
        sessions = [
            SessionFacts(int(thread or 0), state or "", float(age), started.isoformat(timespec="seconds"), None, query or "")
            for thread, state, age, started, query in a.query(
                "SELECT trx_mysql_thread_id, trx_state, TIMESTAMPDIFF(SECOND, trx_started, NOW()), trx_started,"
                " LEFT(trx_query, 300) FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID()"
                f" AND trx_started < NOW() - INTERVAL {float(transaction_seconds)} SECOND ORDER BY trx_started")
        ]
        replica_rows, replica_note = _replica_status(a)
        if replica_note:
            notes.append(replica_note)
        replicas = [replica_facts(row) for row in replica_rows]
        if not _metadata_locks_enabled(a):
            notes.append("performance_schema is off on this server, so its metadata locks cannot be listed "
                         "(set performance_schema=ON to let the plan read them)")
        return ServerFacts(f"{'MariaDB' if 'mariadb' in version.lower() else 'MySQL'} {version}", sessions,
                           replicas if replica_rows else None, bool(replica_rows), f"{lock_wait_timeout}s", notes)

    def read_only(self, queries: list[str], seconds: float) -> list[list[tuple]]:
        a = self.adapter
        mariadb = "mariadb" in a.query("SELECT VERSION()")[0][0].lower()
        a.execute("START TRANSACTION READ ONLY")
        try:
            return [a.query(f"SET STATEMENT max_statement_time = {seconds:g} FOR {query}" if mariadb else
                            query.replace("SELECT", f"SELECT /*+ MAX_EXECUTION_TIME({max(1, round(seconds * 1000))}) */", 1))
                    for query in queries]
        except StatementFailed as error:
            if any(f"(MySQL error {code})" in error.message for code in _STATEMENT_TIMEOUT):
                raise QueryTimedOut(error.message) from None
            raise
        finally:
            a.execute("ROLLBACK")

    def locks_on(self, tables: list[tuple[str | None, str]]) -> list[LockFacts] | None:
        a = self.adapter
        if not _metadata_locks_enabled(a):
            return None
        if not tables:
            return []
        wanted = " OR ".join(f"(m.OBJECT_SCHEMA = {_schema_sql(a, schema)} AND m.OBJECT_NAME = {a.literal(name)})"
                             for schema, name in tables)
        return [LockFacts(int(pid or 0), table, mode, status == "GRANTED", query or "")
                for pid, table, mode, status, query in a.query(
            "SELECT t.PROCESSLIST_ID, m.OBJECT_NAME, m.LOCK_TYPE, m.LOCK_STATUS, LEFT(t.PROCESSLIST_INFO, 300)"
            " FROM performance_schema.metadata_locks m"
            " JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID"
            f" WHERE m.OBJECT_TYPE = 'TABLE' AND ({wanted}) AND t.PROCESSLIST_ID <> CONNECTION_ID()"
            " ORDER BY t.PROCESSLIST_ID")]


def connection_settings(url) -> dict:
    """PyMySQL's connect() arguments for a mysql:// or mariadb:// URL (database None when the URL names none)."""
    parts = urlsplit(url.raw)
    query = dict(parse_qsl(parts.query))
    settings = {
        "host": parts.hostname or "localhost",
        "port": parts.port or 3306,
        "user": unquote(parts.username) if parts.username else "root",
        "password": url.password or "",
        "database": unquote(parts.path.lstrip("/")) or None,
        "connect_timeout": int(query.get("connect_timeout", 10)),
        "charset": query.get("charset", "utf8mb4"),
    }
    socket = query.get("socket") or query.get("unix_socket")
    if socket:
        settings["unix_socket"] = socket
    return settings


def _lock_name(table: str) -> str:
    """The migrator lock's name: the resolved database.table, hashed when longer than GET_LOCK allows."""
    identity = f"dk-migrate:{table}"
    if len(identity.encode()) <= _LOCK_NAME_BYTES:
        return identity
    return "dk-migrate:" + hashlib.sha256(identity.encode()).hexdigest()[:40]


def _split(table: str) -> tuple[str | None, str]:
    schema, _, name = table.rpartition(".")
    return schema or None, name


def _schema_sql(adapter: MySQLAdapter, schema: str | None) -> str:
    return adapter.literal(schema) if schema else "DATABASE()"


def _foreign_keys(adapter: MySQLAdapter, schema: str, table: str) -> list[ForeignKeyFacts]:
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for name, owner, column, referenced, referenced_column in adapter.query(
            "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME"
            " FROM information_schema.KEY_COLUMN_USAGE"
            f" WHERE TABLE_SCHEMA = {adapter.literal(schema)} AND REFERENCED_TABLE_NAME IS NOT NULL"
            f" AND (TABLE_NAME = {adapter.literal(table)} OR REFERENCED_TABLE_NAME = {adapter.literal(table)})"
            " ORDER BY CONSTRAINT_NAME, ORDINAL_POSITION"):
        grouped.setdefault((name, owner), []).append((column, referenced, referenced_column))
    return [ForeignKeyFacts(name, owner, tuple(row[0] for row in rows), rows[0][1], tuple(row[2] for row in rows))
            for (name, owner), rows in grouped.items()]


def _has_check_constraints(adapter: MySQLAdapter) -> bool:
    """information_schema.CHECK_CONSTRAINTS exists from MySQL 8.0.16 and MariaDB 10.2.22 on."""
    return bool(adapter.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'information_schema'"
                              " AND TABLE_NAME = 'CHECK_CONSTRAINTS'"))


def _metadata_locks_enabled(adapter: MySQLAdapter) -> bool:
    try:
        enabled = adapter.query("SELECT @@performance_schema")[0][0]
    except StatementFailed:
        return False
    return bool(enabled) and bool(adapter.query(
        "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'performance_schema'"
        " AND TABLE_NAME = 'metadata_locks'"))


# SHOW REPLICA STATUS names its fields after the source and the replica (MySQL 8.0.22+); SHOW SLAVE STATUS, and
# MariaDB's SHOW REPLICA STATUS, after the master and the slave: each field by both names, the newer first.
_REPLICA_FIELDS = {
    "source": ("Source_Host", "Master_Host"),
    "lag": ("Seconds_Behind_Source", "Seconds_Behind_Master"),
    "io": ("Replica_IO_Running", "Slave_IO_Running"),
    "sql": ("Replica_SQL_Running", "Slave_SQL_Running"),
}


def replica_facts(row: dict) -> ReplicaFacts:
    """One row of SHOW REPLICA STATUS or SHOW SLAVE STATUS, whichever names the server uses. A lag of NULL
    (replication stopped) is unknown, not zero."""
    def field(name: str):
        return next((row[key] for key in _REPLICA_FIELDS[name] if key in row), None)

    io, sql = field("io"), field("sql")
    state = ("replicating" if io == sql == "Yes"
             else f"stopped (IO thread: {io or 'unknown'}, SQL thread: {sql or 'unknown'})")
    lag = field("lag")
    return ReplicaFacts(field("source") or "source", state, None if lag is None else float(lag), None)


def _replica_status(adapter: MySQLAdapter) -> tuple[list[dict], str | None]:
    """This server's replication status, as rows of SHOW REPLICA STATUS (MySQL 8.0.22+, MariaDB 10.5.1+) or, on
    older servers, SHOW SLAVE STATUS; a note when neither may be read."""
    for statement in ("SHOW REPLICA STATUS", "SHOW SLAVE STATUS"):
        try:
            with adapter.connection.cursor(pymysql.cursors.DictCursor) as cursor:
                cursor.execute(statement)
                return list(cursor.fetchall()), None
        except pymysql.err.ProgrammingError:
            continue  # the older spelling
        except pymysql.Error as error:
            return [], f"the replication status could not be read ({_message(error)})"
    return [], "the replication status could not be read (neither SHOW REPLICA STATUS nor SHOW SLAVE STATUS)"


_STATEMENT_TIMEOUT = (1969, 3024)  # MariaDB's max_statement_time, MySQL's MAX_EXECUTION_TIME
_LOCK_WAIT_TIMEOUT = 1205  # innodb_lock_wait_timeout or lock_wait_timeout (metadata locks) expired


def _statement_failed(error: pymysql.Error) -> StatementFailed:
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    return StatementFailed(_message(error), lock_not_granted=code == _LOCK_WAIT_TIMEOUT)


def _message(error: pymysql.Error) -> str:
    if len(error.args) >= 2 and isinstance(error.args[0], int):
        code, text = error.args[0], str(error.args[1])
        return mask_url(" ".join(text.split()) + f" (MySQL error {code})")
    return mask_url(" ".join(str(error).split())) or type(error).__name__
