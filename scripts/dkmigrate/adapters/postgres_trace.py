"""`migrate trace` on PostgreSQL: the locks a statement took (pg_locks of its own backend, inside the transaction),
the tables it rewrote (a new relfilenode) and scanned (the sequential-scan counters, its transaction's pending
ones included). A statement outside a transaction (CREATE INDEX CONCURRENTLY) releases its locks as it ends: a
second session holds every table first, and the lock the statement queues for is the one observed."""

import re
import threading
import time

from ..errors import StatementFailed
from .base import Observation, Tracer

_TABLES = (
    "SELECT c.oid, c.oid::regclass::text, pg_relation_filenode(c.oid),"
    " pg_stat_get_numscans(c.oid) + pg_stat_get_xact_numscans(c.oid)"
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE c.relkind IN ('r', 'p') AND n.nspname <> 'information_schema'"
    " AND n.nspname NOT LIKE 'pg\\_%'")
_HELD = "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted"
_STRENGTH = ("ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE", "SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE",
             "EXCLUSIVE", "ACCESS EXCLUSIVE")
_WAIT_POLL_SECONDS = 0.01
_WAIT_LIMIT_SECONDS = 5.0  # a statement that queues for none of the held tables by then locks none of them first


def lock_mode(mode: str) -> str:
    """pg_locks' 'ShareRowExclusiveLock' as the documentation writes it: 'SHARE ROW EXCLUSIVE'."""
    return " ".join(re.findall(r"[A-Z][a-z]+", mode.removesuffix("Lock"))).upper()


class PostgresTracer(Tracer):
    def notes(self) -> list[str]:
        return []

    def run(self, sql: str, in_transaction: bool) -> Observation:
        before = self._tables()
        held = set()
        if in_transaction:
            held = set(self.adapter.query(_HELD))
            started = time.perf_counter()
            rows = self.adapter.execute(sql)
            duration = time.perf_counter() - started
            locks = set(self.adapter.query(_HELD)) - held
        else:
            rows, duration, locks = self._run_behind_a_holder(sql, before)
        after = self._tables()
        return Observation(
            round(duration * 1000, 3), _named(locks, before),
            tuple(sorted(name for oid, (name, node, _) in before.items()
                         if oid in after and after[oid][1] not in (node, None))),
            tuple(sorted(name for oid, (name, _, scans) in before.items() if oid in after and after[oid][2] > scans)),
            rows, _named(held, before))

    def _tables(self) -> dict[int, tuple[str, int | None, int]]:
        self.adapter.query("SELECT pg_stat_clear_snapshot()")  # inside a transaction, counters are read afresh
        return {oid: (name, node, scans) for oid, name, node, scans in self.adapter.query(_TABLES)}

    def _run_behind_a_holder(self, sql: str, tables: dict) -> tuple[int, float, set]:
        """Runs the statement while a second session holds every table ACCESS EXCLUSIVE: the lock it queues for is
        the first one it takes; the holder then lets it go. The duration counts from then."""
        from . import adapter_for

        pid = self.adapter.query("SELECT pg_backend_pid()")[0][0]
        holder = adapter_for(self.adapter.url, self.adapter.table)
        holder.open(create=False)
        outcome: dict = {}

        def statement() -> None:
            try:
                outcome["rows"] = self.adapter.execute(sql)
            except StatementFailed as error:
                outcome["error"] = error
            outcome["ended"] = time.perf_counter()

        try:
            holder.execute("BEGIN")
            if tables:
                holder.execute(f"LOCK TABLE {', '.join(f'ONLY {name}' for name, _, _ in tables.values())}"
                               " IN ACCESS EXCLUSIVE MODE")
            started = time.perf_counter()
            worker = threading.Thread(target=statement, daemon=True)
            worker.start()
            waited = set()
            while tables and worker.is_alive() and time.perf_counter() - started < _WAIT_LIMIT_SECONDS:
                waited = set(holder.query("SELECT relation, mode FROM pg_locks WHERE locktype = 'relation'"
                                          f" AND NOT granted AND pid = {int(pid)}"))
                if waited:
                    break
                time.sleep(_WAIT_POLL_SECONDS)
            released = time.perf_counter()
            holder.execute("ROLLBACK")
            worker.join()
        finally:
            holder.close()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["rows"], outcome["ended"] - (released if waited else started), waited


def _named(locks: set[tuple[int, str]], tables: dict) -> tuple[tuple[str, str], ...]:
    """(table, mode) of each table of `tables` among pg_locks' (relation, mode) rows, its strongest mode only (the
    weaker ones a statement takes with it add nothing to know), strongest first."""
    strongest: dict[int, str] = {}
    for oid, mode in ((oid, lock_mode(mode)) for oid, mode in locks if oid in tables):
        if oid not in strongest or _STRENGTH.index(mode) > _STRENGTH.index(strongest[oid]):
            strongest[oid] = mode
    return tuple((tables[oid][0], mode)
                 for oid, mode in sorted(strongest.items(), key=lambda lock: (-_STRENGTH.index(lock[1]), tables[lock[0]][0])))
