"""Running one batched statement (`-- migrate:batch`): the table is walked in key order (keyset pagination, never
OFFSET), each batch changes the rows between two keys in a transaction of its own, and the same transaction records
where the batches stand in the tracking table, so that a run killed at any point resumes after the last batch that
committed, neither skipping nor repeating one. No lock is held longer than one batch.

The engine says how a key range is written (engines.*.keyset_after/keyset_through, key_literal, sample); the
table's key and size come from the adapter's inspector. Nothing here prints: progress goes to a callback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from .batching import BatchedStatement
from .engines import engine
from .errors import StatementFailed, UsageError

REPLICA_CHECK_SECONDS = 1.0  # how often the replicas' lag is read, at most, while batches run
REPLICA_WAIT_SECONDS = 2.0  # how long a pause for a lagging replica lasts before it is read again


class BatchRefused(UsageError):
    """A batched statement cannot be batched on this table (no key to walk it by, or it changes the key)."""


class BatchStopped(Exception):
    """A stop was requested between two batches: the batches so far are committed and recorded."""


@dataclass
class Position:
    """Where a batched statement's batches stand, kept as JSON in the tracking row while it runs."""

    statement: int  # 1-based number of the statement in its section
    after: list[str] | None = None  # the last key done, as SQL literals; None before the first batch
    rows: int = 0  # rows walked (in key order)
    changed: int = 0  # rows the statement changed
    batches: int = 0
    seconds: float = 0.0  # time spent in batches, over every run

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"seconds": round(self.seconds, 3)}, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None, statement: int) -> "Position | None":
        """The recorded position of that statement; None when none is (or it is another statement's)."""
        if not text:
            return None
        try:
            values = json.loads(text)
            position = cls(**values)
        except (ValueError, TypeError):
            return None
        return position if position.statement == statement else None


@dataclass(frozen=True)
class Progress:
    """After each batch, for a progress bar or a line."""

    label: str
    line: int
    table: str
    rows: int
    changed: int
    batches: int
    estimated_rows: int | None  # the table's size, as the engine estimates it
    rows_per_second: float | None  # in this run
    eta_seconds: float | None
    done: bool


@dataclass(frozen=True)
class Outcome:
    """What a batched statement did, for the run's report."""

    line: int
    table: str
    key: tuple[str, ...]
    size: int
    rows: int
    changed: int
    batches: int
    seconds: float
    rows_per_second: float | None
    resumed_after: int | None  # rows already done by an earlier run, when this run resumed it
    estimated_rows: int | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class TableKey:
    columns: tuple[str, ...]  # as the engine stores them
    kind: str  # "primary key" or "unique key <name>"
    estimated_rows: int | None


def table_key(adapter, batched: BatchedStatement) -> TableKey | None:
    """The key the batches walk the table by: its primary key, else a unique key of NOT NULL columns without an
    expression or predicate. None when the table does not exist (yet); BatchRefused when it has no such key."""
    parts = batched.table_parts
    facts = adapter.inspector().describe_table(parts[-2] if len(parts) > 1 else None, parts[-1])
    if facts is None:
        return None
    where = f"{batched.file}:{batched.statement.line}"
    if facts.primary_key:
        key = TableKey(tuple(facts.primary_key), "primary key", facts.rows)
    else:
        unique = next((index for index in facts.indexes if index.unique and index.simple and all(
            (column := facts.column(name)) is not None and not column.nullable for name in index.columns)), None)
        if unique is None:
            raise BatchRefused(
                f"{where}: a batched {batched.kind} walks its table by a key, and {batched.table} has "
                "no primary key and no unique key of NOT NULL columns",
                hint=f"add a primary key to {batched.table}, or remove the `-- migrate:batch` line to run it as one "
                     "statement")
        key = TableKey(tuple(unique.columns), f"unique key {unique.name}", facts.rows)
    changed = {name.lower() for name in batched.assigned} & {column.lower() for column in key.columns}
    if changed:
        raise BatchRefused(f"{where}: a batched UPDATE cannot change {', '.join(sorted(changed))}, "
                           f"the {key.kind} it walks {batched.table} by")
    return key


class Backfill:
    """Runs one batched statement to its end, from a recorded position or from the start."""

    def __init__(self, adapter, batched: BatchedStatement, key: TableKey, *, label: str,
                 record: Callable[[str], str], write_tracking: Callable[[str], None],
                 on_progress: Callable[[Progress], None], stop, replica_pause: Callable[[], None] = lambda: None,
                 retry_wait: Callable[[int, str], float | None] = lambda retry, statement: None):
        """record(position JSON) is the statement that keeps the position in the tracking row, which
        write_tracking runs in the batch's transaction. retry_wait(retry, statement): seconds to wait before
        trying a batch whose lock was not granted again, None to give up."""
        self.adapter = adapter
        self.engine = engine(adapter.dialect)
        self.batched = batched
        self.key = key
        self.label = label
        self.record = record
        self.write_tracking = write_tracking
        self.on_progress = on_progress
        self.stop = stop
        self.replica_pause = replica_pause
        self.retry_wait = retry_wait
        self.key_sql = [f"{batched.reference}.{self.engine.quote_identifier(column)}" for column in key.columns]

    def next_keys(self, after: list[str] | None) -> str:
        """The query for the keys of the next batch (after the key `after`), in key order."""
        order = ", ".join(self.key_sql)
        where = f" WHERE {self.engine.keyset_after(self.key_sql, after)}" if after else ""
        return self.engine.sample(f"SELECT {order} FROM {self.batched.target}{where} ORDER BY {order}",
                                  self.batched.spec.size)

    def batch_statement(self, after: list[str] | None, bound: list[str]) -> str:
        """The statement limited to the rows after `after` up to and including `bound`, in key order."""
        ranges = [self.engine.keyset_after(self.key_sql, after)] if after else []
        ranges.append(self.engine.keyset_through(self.key_sql, bound))
        return f"{self.batched.head}\nWHERE ({self.batched.condition})\n  AND {' AND '.join(ranges)}"

    def run(self, position: Position) -> Outcome:
        """Batches until the walk reaches the table's end; StatementFailed (the batch rolled back) or BatchStopped
        leave the position of the last committed batch recorded."""
        resumed_after = position.rows if position.batches else None
        started, rows_before = time.perf_counter(), position.rows
        size = self.batched.spec.size
        rate = None
        while True:
            if self.stop.requested:
                raise BatchStopped()
            self.replica_pause()
            batch_started = time.perf_counter()
            keys = self.adapter.query(self.next_keys(position.after))
            if keys:
                position = self._batch(position, keys, batch_started)
                elapsed = time.perf_counter() - started
                rate = (position.rows - rows_before) / elapsed if elapsed > 0 else None
            last = len(keys) < size
            self.on_progress(self._progress(position, rate, last))
            if last:
                break
            if self.batched.spec.pause:
                time.sleep(self.batched.spec.pause)
        return Outcome(self.batched.statement.line, self.batched.table, self.key.columns, size, position.rows,
                       position.changed, position.batches, round(position.seconds, 3),
                       None if rate is None else round(rate, 1), resumed_after, self.key.estimated_rows)

    def _batch(self, position: Position, keys: list[tuple], started: float) -> Position:
        """One batch in one transaction with its position; a lock not granted is tried again as the policy says."""
        bound = [self.engine.key_literal(value) for value in keys[-1]]
        statement = self.batch_statement(position.after, bound)
        retry = 0
        while True:
            self.stop.statement_running = True
            try:
                self.adapter.execute("BEGIN")
                changed = self.adapter.execute(statement)
                after = Position(position.statement, bound, position.rows + len(keys),
                                 position.changed + max(changed or 0, 0), position.batches + 1,
                                 position.seconds + time.perf_counter() - started)
                self.write_tracking(self.record(after.to_json()))
                self.adapter.execute("COMMIT")
                return after
            except StatementFailed as error:
                try:
                    self.adapter.execute("ROLLBACK")
                except StatementFailed:
                    pass  # the connection is gone; the server rolls the batch back itself
                retry += 1
                wait = None if self.stop.requested or not error.lock_not_granted else self.retry_wait(retry, statement)
                if wait is None:
                    error.statement = statement
                    raise
            finally:
                self.stop.statement_running = False
            time.sleep(wait)

    def _progress(self, position: Position, rate: float | None, done: bool) -> Progress:
        total = self.key.estimated_rows
        eta = None
        if not done and rate and total is not None and total > position.rows:
            eta = (total - position.rows) / rate
        return Progress(self.label, self.batched.statement.line, self.batched.table, position.rows, position.changed,
                        position.batches, total, rate, eta, done)


def planned_batches(batched: BatchedStatement, key: TableKey | None, backfill: "Backfill | None",
                    tracking_statement: str, resume: Position | None) -> list[str]:
    """A dry run's account of a batched statement, as comment lines: the batches planned, and the SQL of each."""
    spec = batched.spec
    pause = f", {spec.pause * 1000:g} ms apart" if spec.pause else ""
    if key is None:
        return [f"batched ({batched.file}:{spec.line}): {batched.kind} {batched.table} in batches of {spec.size} rows"
                f"{pause}; {batched.table} does not exist yet, so its key and size are read when the batch starts"]
    lines = [f"batched ({batched.file}:{spec.line}): {batched.kind} {batched.table} in batches of {spec.size} rows"
             f"{pause}, walked by its {key.kind} ({', '.join(key.columns)}), each batch one transaction with its "
             "position in the tracking table"]
    if key.estimated_rows is not None:
        remaining = max(key.estimated_rows - (resume.rows if resume else 0), 0)
        count = -(-remaining // spec.size) if remaining else 1
        lines.append(f"about {key.estimated_rows} rows in the table: {count} batch{'es' if count != 1 else ''}"
                     + (f" after the {resume.batches} done ({resume.rows} rows)" if resume else ""))
    placeholders = [f":last_{column}" for column in key.columns]
    bounds = [f":bound_{column}" for column in key.columns]
    first = resume.after if resume and resume.after else None
    lines.append("each batch: the keys of the next rows in key order, then one transaction; :last_* is where the "
                 "previous batch ended" + (f" (now {', '.join(first)})" if first else " (no lower bound in the first)")
                 + ", :bound_* the last key the SELECT returns")
    for statement in (f"{backfill.next_keys(placeholders)};", "BEGIN;", f"{backfill.batch_statement(placeholders, bounds)};",
                      f"{tracking_statement};", "COMMIT;"):
        lines.extend(statement.split("\n"))
    return lines


def replica_throttle(read_lag: Callable[[], float | None], limit: float | None, stop,
                     on_wait: Callable[[float, float], None], on_unreadable: Callable[[str], None] = lambda message: None,
                     sleep: Callable[[float], None] = time.sleep) -> Callable[[], None]:
    """A function to call before each batch: it returns at once while the replicas' lag (read at most every
    REPLICA_CHECK_SECONDS) is within `limit`, and waits, saying so through on_wait(lag, limit), while it is not.
    A lag that cannot be read is said once (on_unreadable) and does not stop the batches."""
    if limit is None:
        return lambda: None
    checked = [float("-inf")]
    told = []

    def pause() -> None:
        while not stop.requested and time.monotonic() - checked[0] >= REPLICA_CHECK_SECONDS:
            try:
                lag = read_lag()
            except StatementFailed as error:
                if not told:
                    told.append(error.message)
                    on_unreadable(error.message)
                lag = None
            checked[0] = time.monotonic()
            if lag is None or lag <= limit:
                return
            on_wait(lag, limit)
            sleep(REPLICA_WAIT_SECONDS)
            checked[0] = float("-inf")

    return pause
