"""PostgreSQL's live facts, for plans and checklists (imported when a command asks for them)."""

from ..errors import StatementFailed
from .base import Inspector, QueryTimedOut
from .facts import (
    CheckFacts, ColumnFacts, ForeignKeyFacts, IndexFacts, LockFacts, ReplicaFacts, ServerFacts, SessionFacts, TableFacts,
)

_QUERY_CANCELED = "57014"  # statement_timeout expired

# A table smaller than this whose statistics were never gathered is counted exactly.
_COUNT_BELOW_BYTES = 64 * 1024 * 1024


class PostgresInspector(Inspector):
    """Live facts of one Postgres database, for plans and checklists."""

    def describe_table(self, schema: str | None, name: str) -> TableFacts | None:
        qualified = self.quote_identifier(name) if schema is None else f"{self.quote_identifier(schema)}.{self.quote_identifier(name)}"
        found = self.query(
            "SELECT c.oid, n.nspname, c.reltuples::bigint, pg_total_relation_size(c.oid)"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE c.oid = to_regclass({self.literal(qualified)}) AND c.relkind IN ('r', 'p')"
        )
        if not found:
            return None
        oid, schema_name, reltuples, size = found[0]
        columns = tuple(ColumnFacts(*row) for row in self.query(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, pg_get_expr(d.adbin, d.adrelid)"
            " FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            f" WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
        ))
        indexes = tuple(IndexFacts(name, tuple(cols), unique, primary, simple, definition)
                        for name, cols, unique, primary, simple, definition in self.query(
            "SELECT i.relname,"
            " ARRAY(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY k(attnum, position)"
            "       JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.position),"
            " x.indisunique, x.indisprimary, x.indexprs IS NULL AND x.indpred IS NULL, pg_get_indexdef(x.indexrelid)"
            f" FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = {oid} ORDER BY i.relname"
        ))
        keys = [ForeignKeyFacts(name, table, tuple(cols), referenced, tuple(referenced_cols))
                for name, table, cols, referenced, referenced_cols in self.query(
            "SELECT c.conname, c.conrelid::regclass::text,"
            " ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, position)"
            "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.position),"
            " c.confrelid::regclass::text,"
            " ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, position)"
            "       JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.position)"
            f" FROM pg_constraint c WHERE c.contype = 'f' AND {oid} IN (c.conrelid, c.confrelid) ORDER BY c.conname"
        )]
        this = self.query(f"SELECT {oid}::regclass::text")[0][0]
        own = tuple(key for key in keys if key.table == this)
        incoming = tuple(key for key in keys if key.referenced_table == this and key.table != this)
        checks = tuple(CheckFacts(name, tuple(cols), definition) for name, cols, definition in self.query(
            "SELECT c.conname,"
            " ARRAY(SELECT a.attname FROM unnest(c.conkey) k(attnum)"
            "       JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum),"
            " pg_get_constraintdef(c.oid)"
            f" FROM pg_constraint c WHERE c.contype = 'c' AND c.conrelid = {oid} ORDER BY c.conname"
        ))
        primary = next((index.columns for index in indexes if index.primary), ())
        rows_exact = reltuples < 0 and size < _COUNT_BELOW_BYTES
        if rows_exact:
            rows = self.query(f"SELECT count(*) FROM {qualified}")[0][0]
        else:
            rows = max(reltuples, 0) if reltuples >= 0 else None
        return TableFacts(schema_name, name, columns, primary, indexes, own, incoming, checks, rows, rows_exact, size)

    def server_facts(self, transaction_seconds: float) -> ServerFacts:
        version, is_replica, lock_timeout = self.query(
            "SELECT current_setting('server_version'), pg_is_in_recovery(), current_setting('lock_timeout')")[0]
        sessions = [
            SessionFacts(pid, state or "", float(age), started.isoformat(timespec="seconds"),
                         query_start.isoformat(timespec="seconds") if query_start else None, query or "")
            for pid, state, age, started, query_start, query in self.query(
                "SELECT pid, state, extract(epoch FROM now() - xact_start), xact_start, query_start, left(query, 300)"
                " FROM pg_stat_activity WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()"
                f" AND now() - xact_start > make_interval(secs => {float(transaction_seconds)})"
                " ORDER BY xact_start")
        ]
        replicas = [
            ReplicaFacts(name or str(address or "replica"), state or "", None if lag is None else float(lag),
                         None if lag_bytes is None else int(lag_bytes))
            for name, address, state, lag, lag_bytes in self.query(
                "SELECT application_name, client_addr, state, extract(epoch FROM replay_lag),"
                " CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) END"
                " FROM pg_stat_replication ORDER BY application_name")
        ]
        return ServerFacts(f"PostgreSQL {version}", sessions, replicas, bool(is_replica), lock_timeout)

    def read_only(self, queries: list[str], seconds: float) -> list[list[tuple]]:
        a = self.adapter
        a.execute("BEGIN READ ONLY")
        try:
            a.execute(f"SET LOCAL statement_timeout = '{max(1, round(seconds * 1000))}ms'")
            return [a.query(query) for query in queries]
        except StatementFailed as error:
            if f"SQLSTATE {_QUERY_CANCELED}" in error.message:
                raise QueryTimedOut(error.message) from None
            raise
        finally:
            a.execute("ROLLBACK")

    def locks_on(self, tables: list[tuple[str | None, str]]) -> list[LockFacts] | None:
        if not tables:
            return []
        regclasses = ", ".join(
            f"to_regclass({self.literal(self.quote_identifier(name) if schema is None else self.quote_identifier(schema) + '.' + self.quote_identifier(name))})"
            for schema, name in tables)
        return [LockFacts(pid, table, mode, granted, query or "") for pid, table, mode, granted, query in self.query(
            "SELECT l.pid, l.relation::regclass::text, l.mode, l.granted, left(a.query, 300)"
            " FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid"
            f" WHERE l.locktype = 'relation' AND l.relation = ANY (ARRAY[{regclasses}])"
            " AND l.pid <> pg_backend_pid() ORDER BY l.pid, l.mode")]
