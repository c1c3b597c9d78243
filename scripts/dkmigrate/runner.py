"""The runner: applies and rolls back migrations through an Adapter, with the guarantees of design section 5.

- A migration runs in one transaction together with its tracking row, where the engine allows it.
- A migration that cannot (a statement that refuses transaction blocks, `transaction:false`, an engine
  without transactional DDL) is recorded as started before it runs, its progress after each statement,
  and as done at the end; a failure in the middle leaves it `dirty`, naming the failing statement.
- A dry run goes through the same code with a recorder in place of the database, so the script it
  prints is exactly what a real run executes.

The runner knows nothing of any particular engine, and never prints: it reports through a Listener.
"""

import time
from collections import namedtuple
from collections.abc import Callable
from contextlib import nullcontext

from .adapters.base import Adapter
from .catalogue import Catalogue
from .engines import engine
from .catalogue.model import Migration, Section
from .errors import DatabaseError, MigrateError, StatementFailed, StateError
from .excerpts import statement_kind
from .interruption import StopRequest, deferred
from .status import APPLIED, DIRTY, MISSING, MODIFIED, PENDING, MigrationStatus, applied_order, reconcile, sort_key
from .tracking import ADOPTED_DIRTY, APPLIED as ROW_APPLIED, APPLYING, ROLLING_BACK, TrackingRow, TrackingTable

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from .sqlsplit import Statement

UP, DOWN = "up", "down"


# A statement that gave up waiting for a lock, and the retry that followed it: attempt is the attempt that followed
# (2 for the first retry), holder who held the lock in words, waited_ms how long the statement waited before it gave
# up, delay_ms the pause before the retry, line the statement's line in its file.
LockRetry = namedtuple("LockRetry", "attempt holder waited_ms delay_ms line")

# What became of one migration: result is applied, rolled_back, would_apply, would_roll_back or failed;
# out_of_order_after: the newer migration it was applied after (one merged from another branch); retries: the
# LockRetry of the whole migration (in a transaction) or of its statements (outside one); batched: the
# backfill.Outcome of each batched statement. A tuple, as the runner's other records: this module is imported at
# every start, and tuples cost a fraction of dataclasses.
MigrationResult = namedtuple("MigrationResult", "migration direction result duration_ms transaction "
                                                "outside_transaction_reason out_of_order_after retries batched",
                             defaults=(None, None, (), ()))


class RunReport:
    """What a run did: a result per migration, the script (dry runs only), and the lint findings on what `up`
    applies (dkmigrate.lint.Finding)."""

    __slots__ = ("results", "script", "findings")

    def __init__(self, results: list[MigrationResult] | None = None, script: str | None = None,
                 findings: list | None = None):
        self.results = [] if results is None else results
        self.script = script
        self.findings = [] if findings is None else findings


class MigrationFailed(MigrateError):
    """A migration's statement failed. The database is as before it (rolled back) or marked dirty."""

    exit_code = 1

    def __init__(self, result: MigrationResult, section: Section, statement: str, line: int | None,
                 database_message: str, rolled_back: bool, statements_done: int, statement_count: int,
                 completed: list[MigrationResult], resumable: bool = False):
        self.result = result
        self.file = section.file
        self.statement = statement
        self.line = line
        self.database_message = database_message
        self.rolled_back = rolled_back
        self.completed = completed
        migration = result.migration
        if rolled_back:
            self.outcome = f"rolled back: the database is as it was before {migration.label}"
            hint = None
        elif resumable:
            self.outcome = (f"{migration.label} is now dirty: {statements_done} of {statement_count} statements done, "
                            "its batches committed so far recorded")
            hint = f"`migrate {result.direction}` continues it where it stopped, once the cause is fixed"
        else:
            self.outcome = (f"{migration.label} is now dirty: {statements_done} of {statement_count} statements ran "
                            "outside a transaction")
            hint = (f"fix the database by hand, then record the truth with `migrate repair {migration.version} "
                    "--applied` or `--rolled-back`")
        where = f"{self.file.name}:{line}" if line else self.file.name
        super().__init__(f"{migration.label} failed ({result.direction}) at {where}: {database_message}; {self.outcome}",
                         hint)


class RunInterrupted(MigrateError):
    """SIGINT or SIGTERM stopped a run: the migration in progress, if any, was rolled back or left dirty (`failure`);
    the ones before it are done. Exit 128 + the signal's number (130, 143)."""

    def __init__(self, request: StopRequest, direction: str, completed: list[MigrationResult],
                 failure: MigrationFailed | None = None, next_migration: Migration | None = None):
        self.signal_name = request.signal_name
        self.exit_code = 128 + request.signal_number
        self.completed = completed
        self.failure = failure
        verb = "applying" if direction == UP else "rolling back"
        done = f"{len(completed)} migration{'s' if len(completed) != 1 else ''} " + (
            "applied" if direction == UP else "rolled back")
        if failure is not None:
            before = f" ({done} before it)" if completed else ""
            message = (f"interrupted by {self.signal_name} while {verb} {failure.result.migration.label}{before}: "
                       f"{failure.outcome}")
        elif next_migration is not None:
            message = f"interrupted by {self.signal_name}: {done}; {next_migration.label} was not started"
        else:
            message = f"interrupted by {self.signal_name} as the run ended: {done}"
        super().__init__(message, failure.hint if failure is not None else None)


class TrackingRowLost(StatementFailed):
    """A write to the tracking table did not change exactly the one row it was meant to."""


def write_tracking(executor, statement: str, before: tuple[str, ...] = ()) -> None:
    """Run a tracking-table write, each meant for one row; TrackingRowLost unless it changed exactly one.
    `before`: statements of the tool's own sent with it (executor.execute)."""
    changed = executor.execute(statement, before)
    if changed is not None and changed != 1:
        raise TrackingRowLost(f"a write to the tracking table changed {changed} rows instead of 1 "
                              "(something else changed or removed the migration's row while it ran)")


class LockNotGranted(MigrationFailed):
    """A statement gave up waiting for a table lock (after every retry): someone else held it too long."""

    exit_code = 3

    def __init__(self, *args, holders: str, attempts: int, waited_ms: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.holders = holders
        self.attempts = attempts
        self.waited_ms = waited_ms
        tries = f" (tried {attempts} times)" if attempts > 1 else ""
        self.message = f"{self.message}; the lock was held by: {holders}{tries}"
        self.hint = self.hint or ("end or wait for the blocking session, then run `migrate up` again; "
                                  "lock_retries and lock_retry_delay in migrate.yaml retry by themselves")


class LockPolicy(namedtuple("LockPolicy", "timeout retries delay", defaults=(None, 0, 1.0))):
    """migrate.yaml's lock_timeout, lock_retries and lock_retry_delay for one environment: timeout, the seconds a
    statement waits for a lock (None: the session's own setting); delay, before the first retry, doubled each time,
    with jitter."""

    __slots__ = ()

    def wait_before(self, retry: int) -> float:
        """Seconds to wait before retry number `retry` (1-based): exponential backoff, jittered in its upper half."""
        import random  # only a retry needs it

        ceiling = self.delay * 2 ** (retry - 1)
        return ceiling / 2 + random.uniform(0, ceiling / 2)


class Listener:
    """Receives progress from the runner. The default hears nothing."""

    def lock_wait(self, holder: str) -> None: ...

    def migration_done(self, index: int, total: int, result: MigrationResult) -> None: ...

    def warning(self, message: str) -> None: ...

    def lock_retry(self, label: str, retry: int, retries: int, wait: float, holders: str, statement: str) -> None:
        """A statement could not get its lock in time; `retry` of `retries` follows after `wait` seconds."""

    def lint_findings(self, findings: list) -> None:
        """The lint findings on the migrations `up` is about to apply."""

    def note(self, message: str) -> None:
        """Something the run does that people should know (resuming a migration where it stopped)."""

    def batch_progress(self, progress) -> None:
        """A batched statement committed a batch (backfill.Progress)."""

    def replica_wait(self, label: str, lag: float, limit: float) -> None:
        """Batches pause: a replica is `lag` seconds behind, more than max_replica_lag."""


class _LiveExecutor:
    def __init__(self, adapter: Adapter):
        self.adapter = adapter

    def heading(self, text: str) -> None: ...

    def comment(self, lines: list[str]) -> None: ...

    def execute(self, sql: str, before: tuple[str, ...] = ()) -> int | None:
        """`before`: the tool's own statements (BEGIN) sent with it, in one round trip where the engine allows."""
        return self.adapter.execute_after(before, sql) if before else self.adapter.execute(sql)

    def execute_all(self, statements: tuple[str, ...]) -> None:
        self.adapter.execute_all(statements)


class _ScriptRecorder:
    def __init__(self):
        self.parts: list[str] = []

    def heading(self, text: str) -> None:
        self.parts.append(f"\n-- {text}")

    def comment(self, lines: list[str]) -> None:
        self.parts.extend(f"-- {line}".rstrip() for line in lines)

    def execute(self, sql: str, before: tuple[str, ...] = ()) -> None:
        """Records the statement, after those `before` it; how many rows it would change is unknown (None)."""
        for statement in (*before, sql):
            # A statement ending in a line comment would swallow its own semicolon.
            last_line = statement.rstrip().rsplit("\n", 1)[-1]
            self.parts.append(f"{statement.rstrip()}\n;" if "--" in last_line else f"{statement.rstrip()};")

    def execute_all(self, statements: tuple[str, ...]) -> None:
        for statement in statements:
            self.execute(statement)

    @property
    def script(self) -> str:
        return "\n".join(self.parts).lstrip("\n") + "\n"


class Runner:
    def __init__(self, adapter: Adapter, catalogue: Catalogue, database_exists: bool = True,
                 listener: Listener | None = None, lock_policy: LockPolicy | None = None,
                 lock_tables: Callable[[str], list] | None = None, max_replica_lag: float | None = None):
        """`adapter` is open: its tracking table is resolved. lock_tables: the tables (schema, name) a statement
        locks, to ask who holds them when it gives up waiting. max_replica_lag: seconds a replica may lag behind
        before batched statements pause."""
        self.adapter = adapter
        self.lock_policy = lock_policy or LockPolicy()
        self.lock_tables = lock_tables or (lambda statement: [])
        self.catalogue = catalogue
        self.tracking = TrackingTable(adapter, adapter.table, catalogue.migrations)
        self.database_exists = database_exists
        self.listener = listener or Listener()
        self.max_replica_lag = max_replica_lag
        self._resume: dict[tuple, TrackingRow] = {}  # a dirty batched migration this run continues, by key
        self._batched: dict[tuple, dict] = {}  # this run's batched statements, by migration key and index
        self._keys: dict[tuple, object] = {}  # (migration key, index) -> backfill.TableKey, read before the run

    def statuses(self) -> list[MigrationStatus]:
        rows = self.tracking.read() if self.database_exists else []
        return reconcile(self.catalogue, rows)

    def up(self, steps: int | None = None, to: str | None = None, dry_run: bool = False,
           strict: bool = False, review: Callable[[list[Migration]], list] | None = None) -> RunReport:
        """`review` sees the migrations about to be applied, before anything runs: it returns their lint
        findings, or raises to refuse them."""
        statuses = self.statuses()
        resumed = self._resumable(statuses, UP)
        _refuse_dirty([status for status in statuses if status is not resumed])
        modified = [status for status in statuses if status.state == MODIFIED]
        if modified:
            labels = ", ".join(status.label for status in modified)
            raise StateError(
                f"applied migrations were edited afterwards: {labels}",
                hint=f"restore the files, or accept the change with `migrate repair {modified[0].version} --accept-checksum`",
            )
        pending = [status for status in statuses if status.state == PENDING]
        if strict and any(status.out_of_order for status in pending):
            late = ", ".join(status.label for status in pending if status.out_of_order)
            raise StateError(f"--strict: pending migrations older than the newest applied one: {late}")
        if to is not None:
            target = self.catalogue.find(to)
            if target is None:
                raise StateError(f"no migration has version {to} in {self.catalogue.directory}")
            pending = [status for status in pending if status.migration.key <= target.key]
        if resumed is not None:
            pending.insert(0, resumed)
        if steps is not None:
            pending = pending[:steps]
        next_order = _next_order(statuses)
        findings = review([status.migration for status in pending]) if review is not None and pending else []
        newest = max((status for status in statuses if status.row is not None and status.migration is not None
                      and status is not resumed), key=lambda status: status.key, default=None)
        late = {status.migration.key: newest.label for status in pending if status.out_of_order}
        report = self._run(
            [(status.migration, status.row.apply_order if status is resumed else next_order + index)
             for index, status in enumerate(pending)], UP, dry_run, late
        )
        report.findings = findings
        return report

    def down(self, steps: int | None = None, to: str | None = None, dry_run: bool = False) -> RunReport:
        statuses = self.statuses()
        resumed = self._resumable(statuses, DOWN)
        _refuse_dirty([status for status in statuses if status is not resumed])
        tracked = applied_order(statuses)
        if resumed is not None:  # it was being rolled back: it comes first, and counts as one step
            tracked.remove(resumed)
            tracked.insert(0, resumed)
        if to is not None:
            position = next((i for i, status in enumerate(tracked) if status.key == sort_key(to)), None)
            if position is None:
                raise StateError(f"version {to} is not applied, so there is nothing to roll back to")
            targets = tracked[:position]
        else:
            targets = tracked[: 1 if steps is None else steps]
        for status in targets:
            if status.state == MISSING:
                raise StateError(f"cannot roll back {status.label}: its file is missing from {self.catalogue.directory}")
            if status.migration.down is None:
                raise StateError(
                    f"cannot roll back {status.label}: it has no down section",
                    hint="add one to the migration, or leave it applied",
                )
            if status.state == MODIFIED:
                self.listener.warning(f"{status.label} was edited after it was applied; rolling back with the edited file")
        return self._run([(status.migration, None) for status in targets], DOWN, dry_run)

    def setup(self) -> None:
        """Make the tracking table ready (create it, or adopt a dbmate one)."""
        for statement in self.tracking.setup_statements():
            self.adapter.execute(statement)

    def repair(self, version: str, action: str) -> str:
        """Record by hand what the database really holds: 'applied', 'rolled_back' or 'accept_checksum'."""
        statuses = self.statuses()
        status = next((status for status in statuses if status.key == sort_key(version)), None)
        if status is None:
            raise StateError(f"no migration has version {version}")
        migration = status.migration
        if action == "applied":
            if migration is None:
                raise StateError(f"cannot mark {version} applied: its file is missing")
            if status.state == APPLIED:
                raise StateError(f"{status.label} is already applied")
            statement = (self.tracking.set_state(status.version, ROW_APPLIED) if status.row is not None else
                         self.tracking.insert(migration, ROW_APPLIED, _next_order(statuses)))
        elif action == "rolled_back":
            if status.row is None:
                raise StateError(f"{status.label} is not applied; there is nothing to forget")
            statement = self.tracking.delete(status.version)
        else:
            if status.state != MODIFIED:
                raise StateError(f"{status.label} is {status.state}, not modified: there is no checksum to accept")
            statement = self.tracking.accept_checksum(status.version, migration.checksum)
        self.setup()
        try:
            write_tracking(_LiveExecutor(self.adapter), statement)
        except TrackingRowLost as error:
            raise DatabaseError(f"{status.label}: {error.message}; nothing was recorded", hint="run the repair again") from None
        return status.label

    def baseline(self, version: str, dry_run: bool = False) -> RunReport:
        """Record every migration up to and including `version` as applied without running it: the database had
        that schema before it was migrated. Existing rows must agree: none after `version`, none dirty."""
        target = self.catalogue.find(version)
        if target is None:
            raise StateError(f"no migration has version {version} in {self.catalogue.directory}",
                             hint="name the newest migration whose changes the database already holds")
        statuses = self.statuses()
        _refuse_dirty(statuses)
        beyond = [status for status in statuses if status.row is not None and status.key > (0, target.key)]
        if beyond:
            labels = ", ".join(status.label for status in beyond[:3]) + (", ..." if len(beyond) > 3 else "")
            raise StateError(
                f"cannot baseline at {target.label}: the database already records migrations after it ({labels})",
                hint="a baseline marks what a database held before migrations were used; `migrate status` shows its history",
            )
        marked = [status.migration for status in statuses
                  if status.state == PENDING and status.migration.key <= target.key]
        executor = _ScriptRecorder() if dry_run else _LiveExecutor(self.adapter)
        report = RunReport()
        if not marked:
            return report
        setup = self.tracking.setup_statements() if self.database_exists else [self.tracking.create_statement()]
        # Like repair, no signal is deferred: the rows are written in one transaction, which an interruption rolls back.
        for statement in setup:
            executor.execute(statement)
        executor.heading(f"baseline: {len(marked)} migration{'s' if len(marked) != 1 else ''} up to {target.label} "
                         "recorded as applied, none of them run")
        executor.execute("BEGIN")
        for order, migration in enumerate(marked, start=_next_order(statuses)):
            try:
                write_tracking(executor, self.tracking.insert(migration, ROW_APPLIED, order, checksum=False))
            except StatementFailed as error:
                self.adapter.execute("ROLLBACK")
                raise DatabaseError(f"baseline at {target.label}: {error.message}; nothing was recorded") from None
        executor.execute("COMMIT")
        report.results = [MigrationResult(migration, UP, "would_baseline" if dry_run else "baselined", None, True)
                          for migration in marked]
        if dry_run:
            report.script = executor.script
        return report

    def _resumable(self, statuses: list[MigrationStatus], direction: str) -> MigrationStatus | None:
        """The dirty migration a run in `direction` continues: one with a batched statement, stopped while it ran
        in that direction with its file unchanged. Stopped in the other direction, it is refused."""
        from .batching import batched_statements

        self._resume = {}
        for status in statuses:
            row = status.row
            if status.state != DIRTY or status.migration is None or row.state not in (APPLYING, ROLLING_BACK):
                continue
            section = status.migration.up if row.state == APPLYING else status.migration.down
            if section is None or not batched_statements(section, self.adapter.dialect):
                continue
            wanted, verb = (APPLYING, "applied") if direction == UP else (ROLLING_BACK, "rolled back")
            if row.state != wanted:
                other = "down" if direction == UP else "up"
                raise StateError(
                    f"{status.label} stopped while being {'rolled back' if direction == UP else 'applied'} in batches "
                    f"after {row.progress or 0} statement(s): finish that first with `migrate {other}`",
                    hint=f"or record the truth with `migrate repair {status.version} --applied` or `--rolled-back`")
            if direction == UP and row.checksum is not None and row.checksum != status.migration.checksum:
                raise StateError(f"{status.label} stopped while being applied in batches, and its file was edited "
                                 "since: it cannot be continued with other statements than it started with",
                                 hint=f"restore the file, or record the truth with `migrate repair {status.version} "
                                      "--applied` or `--rolled-back`")
            self._resume[status.migration.key] = row
            self.listener.note(f"{status.label} stopped while being {verb} in batches: continuing after "
                               f"{row.progress or 0} statement(s){position_note(row)}")
            return status
        return None

    def _prepare_batches(self, work: list[tuple[Migration, int | None]], direction: str) -> list[str]:
        """Reads the batched statements of the run (a bad directive refuses the run, exit 2) and the key of each
        one's table that exists already (a table without one refuses it); returns what the tracking table needs."""
        from .batching import batched_statements

        self._batched, self._keys = {}, {}
        for migration, _ in work:
            found = batched_statements(migration.up if direction == UP else migration.down, self.adapter.dialect)
            if found:
                self._batched[migration.key] = found
        if not self._batched:
            return []
        from .backfill import table_key  # only a run with batched statements pays for importing it
        if self.database_exists:
            for key, found in self._batched.items():
                for index, batched in found.items():
                    self._keys[(key, index)] = table_key(self.adapter, batched)
        statements = self.tracking.batch_column_statements(self.database_exists)
        self.tracking.has_batch_column = True
        return statements

    def _run(self, work: list[tuple[Migration, int | None]], direction: str, dry_run: bool,
             late: dict | None = None) -> RunReport:
        """`late`: the label of the newest applied migration, by the key of each migration older than it."""
        executor = _ScriptRecorder() if dry_run else _LiveExecutor(self.adapter)
        report = RunReport()
        if not work:
            return report
        batch_setup = self._prepare_batches(work, direction)
        setup = self.tracking.setup_statements() if self.database_exists else [self.tracking.create_statement()]
        setup += batch_setup
        # A dry run sends nothing that a signal could cut in two: it may stop anywhere.
        with nullcontext(StopRequest(self.adapter.cancel)) if dry_run else deferred(self.adapter.cancel) as stop:
            for statement in setup:
                executor.execute(statement)
            reset_sent = False
            for index, (migration, order) in enumerate(work, 1):
                if stop.requested:
                    raise RunInterrupted(stop, direction, report.results, next_migration=migration)
                if index > 1 and not reset_sent:
                    for statement in self.adapter.session_reset:
                        executor.execute(statement)
                # The session reset before the next migration goes with this one's COMMIT, when it has one.
                reset = self.adapter.session_reset if index < len(work) else ()
                try:
                    result = self._run_with_retries(executor, migration, direction, order, dry_run, report.results,
                                                    stop, reset)
                    reset_sent = result.transaction
                    if late and migration.key in late:
                        result = result._replace(out_of_order_after=late[migration.key])
                except MigrationFailed as failure:
                    self.listener.migration_done(index, len(work), failure.result)
                    if stop.requested:
                        raise RunInterrupted(stop, direction, report.results, failure) from None
                    raise
                report.results.append(result)
                self.listener.migration_done(index, len(work), result)
            if stop.requested:
                raise RunInterrupted(stop, direction, report.results)
        if dry_run:
            report.script = executor.script
        return report

    def _run_with_retries(self, executor, migration: Migration, direction: str, order: int | None, dry_run: bool,
                          completed: list[MigrationResult], stop: StopRequest, reset: tuple[str, ...] = ()
                          ) -> MigrationResult:
        """A migration rolled back because a lock was not granted in time is run again from the start. `reset`:
        what follows the COMMIT of a migration run in a transaction (result.transaction)."""
        retry = 0
        retries: list[LockRetry] = []  # this migration's, the whole migration's and its statements'
        while True:
            try:
                result = self._run_one(executor, migration, direction, order, dry_run, completed, stop, retry + 1,
                                       retries, reset)
                return result._replace(retries=tuple(retries))
            except MigrationFailed as failure:
                failure.result = failure.result._replace(retries=tuple(retries))
                if (not isinstance(failure, LockNotGranted) or not failure.rolled_back
                        or retry >= self.lock_policy.retries or stop.requested):
                    raise
                retry += 1
                wait = self.lock_policy.wait_before(retry)
                retries.append(LockRetry(retry + 1, failure.holders, failure.waited_ms, round(wait * 1000),
                                         failure.line))
                self.listener.lock_retry(migration.label, retry, self.lock_policy.retries, wait, failure.holders,
                                         failure.statement)
                time.sleep(wait)

    def _run_one(self, executor, migration: Migration, direction: str, order: int | None, dry_run: bool,
                 completed: list[MigrationResult], stop: StopRequest, attempt: int,
                 retries: list[LockRetry], reset: tuple[str, ...]) -> MigrationResult:
        """`retries`: where a statement's own retries (outside a transaction) are added; `reset`: what is sent
        together with the COMMIT of a migration run in a transaction (in one round trip where the engine allows)."""
        if migration.key in self._batched:
            return self._run_batched(executor, migration, direction, order, dry_run, completed, stop)
        section = migration.up if direction == UP else migration.down
        statements = section.statements(self.adapter.dialect)
        reason = self.outside_transaction_reason(section, statements)
        in_transaction = reason is None
        executor.heading(f"{migration.label} ({direction}, {'in a transaction' if in_transaction else 'without a transaction: ' + reason})")
        started = time.perf_counter()
        done = 0

        def fail(statement_text: str, line: int | None, error: StatementFailed, waited_ms: int = 0,
                 untouched: bool = False) -> MigrationFailed:
            """untouched: nothing of the migration ran or was recorded, so it failed as cleanly as a rollback."""
            if in_transaction:
                try:
                    self.adapter.execute("ROLLBACK")
                except StatementFailed:
                    pass  # the connection is gone; the server rolls back the transaction itself
            elif isinstance(error, TrackingRowLost):  # record it again, so that it shows as dirty
                state = APPLYING if direction == UP else ROLLING_BACK
                try:
                    executor.execute(self.tracking.insert(migration, state, order, progress=done))
                except StatementFailed as again:
                    error = TrackingRowLost(f"{error.message}; recording it again as dirty failed too: {again.message}")
            failed = MigrationResult(migration, direction, "failed", _elapsed(started), in_transaction, reason)
            arguments = (failed, section, statement_text, line, error.message, in_transaction or untouched, done,
                         len(statements), list(completed))
            if error.lock_not_granted:
                return LockNotGranted(*arguments, holders=self._lock_holders(statement_text), attempts=attempt,
                                      waited_ms=waited_ms)
            return MigrationFailed(*arguments)

        begin = ()  # BEGIN goes with the statement that follows it: one round trip fewer where the engine allows
        if in_transaction:
            begin = ("BEGIN",)
        else:
            opening = (self.tracking.insert(migration, APPLYING, order) if direction == UP
                       else self.tracking.set_state(migration.version, ROLLING_BACK))
            try:
                write_tracking(executor, opening)
            except StatementFailed as error:  # e.g. a lock on the tracking table not granted: run again whole
                raise fail(opening, None, error, untouched=not isinstance(error, TrackingRowLost)) from None
        begin = self._set_lock_timeout(executor, fail, begin)
        for statement in statements:
            retry = 0
            while True:
                if stop.requested:
                    raise fail(statement.text, statement.line,
                               StatementFailed(f"stopped by {stop.signal_name} before this statement"))
                stop.statement_running = True
                statement_started = time.perf_counter()
                try:
                    for cleanup in (self.adapter.cleanup_before(statement.text) if not (in_transaction or dry_run) else []):
                        self.listener.warning(f"{migration.label}: {cleanup.reason}")
                        executor.execute(cleanup.sql)
                    executor.execute(statement.text, begin)
                    begin = ()
                    break
                except StatementFailed as error:
                    waited_ms = _elapsed(statement_started)
                    if in_transaction or not error.lock_not_granted or retry >= self.lock_policy.retries:
                        raise fail(statement.text, _error_line(statement, error), error, waited_ms) from None
                    # Outside a transaction the statements before it stay done: only this one runs again.
                    retry += 1
                    attempt = retry + 1
                    wait = self.lock_policy.wait_before(retry)
                    holders = self._lock_holders(statement.text)
                    retries.append(LockRetry(attempt, holders, waited_ms, round(wait * 1000), statement.line))
                    self.listener.lock_retry(migration.label, retry, self.lock_policy.retries, wait, holders,
                                             statement.text)
                    time.sleep(wait)
                finally:
                    stop.statement_running = False
            done += 1
            if not in_transaction and len(statements) > 1:
                progress = self.tracking.set_progress(migration.version, done)
                try:
                    write_tracking(executor, progress)
                except StatementFailed as error:
                    raise fail(progress, None, error) from None
        if not in_transaction and not dry_run and self.adapter.in_transaction():
            self.adapter.execute("ROLLBACK")
            last = statements[-1] if statements else None
            raise fail(last.text if last else "", last.line if last else None, StatementFailed(
                "the migration left a transaction open (a BEGIN without its COMMIT), so it was rolled back"))
        duration = None if dry_run else _elapsed(started)
        if direction == DOWN:
            closing = self.tracking.delete(migration.version)
        elif in_transaction:
            closing = self.tracking.insert(migration, ROW_APPLIED, order, duration)
        else:
            closing = self.tracking.set_state(migration.version, ROW_APPLIED, duration)
        try:
            write_tracking(executor, closing, begin)
            if in_transaction:
                executor.execute_all(("COMMIT", *reset))
        except StatementFailed as error:
            raise fail(closing, None, error) from None
        section.forget_statements()  # done with them: a long run must not hold every migration's statements
        if dry_run:
            outcome = "would_apply" if direction == UP else "would_roll_back"
        else:
            outcome = "applied" if direction == UP else "rolled_back"
        return MigrationResult(migration, direction, outcome, None if dry_run else _elapsed(started), in_transaction, reason)

    def _set_lock_timeout(self, executor, fail, before: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The environment's lock timeout on the session, before a migration's statements; `fail` makes the error.
        `before` (BEGIN) is sent with the first setting; returned when there is none, for the next statement."""
        timeout = self.lock_policy.timeout
        for setting in engine(self.adapter.dialect).session_lock_timeout(timeout) if timeout is not None else ():
            try:
                executor.execute(setting, before)
            except StatementFailed as error:
                raise fail(setting, None, error) from None
            before = ()
        return before

    def _run_batched(self, executor, migration: Migration, direction: str, order: int | None, dry_run: bool,
                     completed: list[MigrationResult], stop: StopRequest) -> MigrationResult:
        """A migration with a batched statement: outside a transaction, each other statement in one transaction
        with its progress where the engine allows it, each batch in one with its position; resumed from both."""
        section = migration.up if direction == UP else migration.down
        statements = section.statements(self.adapter.dialect)
        batched = self._batched[migration.key]
        reason = "it has a batched statement, which commits each batch"
        row = self._resume.get(migration.key)
        done = (row.progress or 0) if row is not None else 0
        outcomes: list = []
        executor.heading(f"{migration.label} ({direction}, without a transaction: {reason})")
        started = time.perf_counter()

        def fail(statement_text: str, line: int | None, error: StatementFailed) -> MigrationFailed:
            failed = MigrationResult(migration, direction, "failed", _elapsed(started), False, reason,
                                     batched=tuple(outcomes))
            arguments = (failed, section, statement_text, line, error.message, False, done, len(statements),
                         list(completed))
            if error.lock_not_granted:
                return LockNotGranted(*arguments, holders=self._lock_holders(statement_text), attempts=1,
                                      resumable=True)
            return MigrationFailed(*arguments, resumable=True)

        if row is None:
            opening = (self.tracking.insert(migration, APPLYING, order) if direction == UP
                       else self.tracking.set_state(migration.version, ROLLING_BACK))
            try:
                write_tracking(executor, opening)
            except StatementFailed as error:
                raise fail(opening, None, error) from None
        else:
            executor.comment([f"continuing after {done} statement(s){position_note(row)}"])
        self._set_lock_timeout(executor, fail)
        for index, statement in enumerate(statements):
            if index < done:
                continue
            if stop.requested:
                raise fail(statement.text, statement.line,
                           StatementFailed(f"stopped by {stop.signal_name} before this statement"))
            if index in batched:
                outcomes.append(self._backfill(executor, migration, batched[index], row if index == done else None,
                                               dry_run, stop, fail))
                recorded = False
            else:
                recorded = self._run_statement_recorded(executor, migration, statement, index + 1, stop, fail,
                                                        dry_run)
            done += 1
            if not recorded:
                progress = self.tracking.set_progress(migration.version, done)
                try:
                    write_tracking(executor, progress)
                except StatementFailed as error:
                    raise fail(progress, None, error) from None
        duration = None if dry_run else _elapsed(started)
        closing = (self.tracking.delete(migration.version) if direction == DOWN
                   else self.tracking.set_state(migration.version, ROW_APPLIED, duration))
        try:
            write_tracking(executor, closing)
        except StatementFailed as error:
            raise fail(closing, None, error) from None
        if dry_run:
            outcome = "would_apply" if direction == UP else "would_roll_back"
        else:
            outcome = "applied" if direction == UP else "rolled_back"
        return MigrationResult(migration, direction, outcome, duration, False, reason, batched=tuple(outcomes))

    def _run_statement_recorded(self, executor, migration: Migration, statement: "Statement", done: int,
                                stop: StopRequest, fail, dry_run: bool) -> bool:
        """A statement of a batched migration, in one transaction with its progress where it can run in one
        (True: its progress is recorded); on its own otherwise (False: the caller records it after)."""
        database = engine(self.adapter.dialect)
        transactional = not (database.commits_implicitly(statement.text)
                             or self.adapter.runs_outside_transaction(statement.text))
        retry = 0
        while True:
            stop.statement_running = True
            try:
                if transactional:
                    executor.execute("BEGIN")
                for cleanup in (self.adapter.cleanup_before(statement.text) if not (transactional or dry_run) else []):
                    self.listener.warning(f"{migration.label}: {cleanup.reason}")
                    executor.execute(cleanup.sql)
                executor.execute(statement.text)
                if transactional:
                    write_tracking(executor, self.tracking.set_progress(migration.version, done))
                    executor.execute("COMMIT")
                return transactional
            except StatementFailed as error:
                if transactional:
                    try:
                        self.adapter.execute("ROLLBACK")
                    except StatementFailed:
                        pass  # the connection is gone; the server rolls the transaction back itself
                if not error.lock_not_granted or retry >= self.lock_policy.retries or stop.requested:
                    raise fail(statement.text, _error_line(statement, error), error) from None
                retry += 1
                wait = self.lock_policy.wait_before(retry)
                self.listener.lock_retry(migration.label, retry, self.lock_policy.retries, wait,
                                         self._lock_holders(statement.text), statement.text)
                time.sleep(wait)
            finally:
                stop.statement_running = False

    def _backfill(self, executor, migration: Migration, batched, row: TrackingRow | None, dry_run: bool,
                  stop: StopRequest, fail):
        """Runs (or, dry, describes) one batched statement; its Outcome."""
        from .backfill import (Backfill, BatchRefused, BatchStopped, Outcome, Position, planned_batches,
                               replica_throttle, table_key)

        number = batched.index + 1
        position = (Position.from_json(row.batch, number) if row is not None else None)
        key = self._keys.get((migration.key, batched.index))
        if not dry_run:
            try:
                key = table_key(self.adapter, batched)
            except BatchRefused as refused:
                raise fail(batched.statement.text, batched.statement.line, StatementFailed(refused.message)) from None
            if key is None:
                raise fail(batched.statement.text, batched.statement.line,
                           StatementFailed(f"table {batched.table} does not exist"))

        def retry_wait(retry: int, statement: str) -> float | None:
            if retry > self.lock_policy.retries:
                return None
            wait = self.lock_policy.wait_before(retry)
            self.listener.lock_retry(migration.label, retry, self.lock_policy.retries, wait,
                                     self._lock_holders(statement), statement)
            return wait

        def on_wait(lag: float, limit: float) -> None:
            self.listener.replica_wait(migration.label, lag, limit)

        backfill = None if key is None else Backfill(
            self.adapter, batched, key, label=migration.label,
            record=lambda text: self.tracking.set_batch(migration.version, text),
            write_tracking=lambda sql: write_tracking(executor, sql), on_progress=self.listener.batch_progress,
            stop=stop, retry_wait=retry_wait,
            replica_pause=replica_throttle(
                self.adapter.inspector().replica_lag, self.max_replica_lag, stop, on_wait,
                lambda message: self.listener.warning(f"{migration.label}: the replicas' lag cannot be read "
                                                      f"({message}); the batches go on without max_replica_lag")))
        if dry_run:
            executor.comment(planned_batches(batched, key, backfill,
                                             self.tracking.set_batch(migration.version, ":position"), position))
            return Outcome(batched.statement.line, batched.table, key.columns if key else (), batched.spec.size, 0, 0,
                           0, 0.0, None, position.rows if position else None,
                           key.estimated_rows if key else None, dry_run=True)
        try:
            return backfill.run(position or Position(number))
        except BatchStopped:
            raise fail(batched.statement.text, batched.statement.line,
                       StatementFailed(f"stopped by {stop.signal_name} between two batches")) from None
        except StatementFailed as error:
            raise fail(getattr(error, "statement", batched.statement.text), batched.statement.line, error) from None

    def _lock_holders(self, statement: str) -> str:
        try:
            return self.adapter.lock_holders(self.lock_tables(statement))
        except StatementFailed as error:
            return f"unknown (the locks could not be read: {error.message})"

    def outside_transaction_reason(self, section: Section, statements: list["Statement"]) -> str | None:
        """Why a section runs outside a transaction; None when it runs in one."""
        if not section.transaction:
            return "the file disables it"
        database = engine(self.adapter.dialect)
        for statement in statements:
            kind = database.commits_implicitly(statement.text)
            if kind:
                return f"{database.label} commits {kind} implicitly"
            if self.adapter.runs_outside_transaction(statement.text):
                return f"{statement_kind(statement.text, database.name)} cannot run in one"
        return None


def _next_order(statuses: list[MigrationStatus]) -> int:
    return max((s.row.apply_order or 0 for s in statuses if s.row is not None), default=0) + 1


def batch_position(row: TrackingRow) -> dict | None:
    """Where a dirty migration's batched statement stopped (backfill.Position's fields), when it is recorded."""
    if not row.batch:
        return None
    import json

    try:
        position = json.loads(row.batch)
    except ValueError:
        return None
    return position if isinstance(position, dict) else None


def position_note(row: TrackingRow) -> str:
    """Where a dirty migration's batched statement stopped, in words."""
    position = batch_position(row)
    try:
        return (f"; statement {position['statement']} stopped after {position['rows']:,} rows in "
                f"{position['batches']} batch{'es' if position['batches'] != 1 else ''}")
    except (KeyError, TypeError):
        return ""


def _refuse_dirty(statuses: list[MigrationStatus]) -> None:
    dirty = [status for status in statuses if status.state == DIRTY]
    if dirty:
        status = dirty[0]
        row = status.row
        action = "being rolled back" if row.state == ROLLING_BACK else "being applied"
        why = ("the tool that migrated this database before dk migrate recorded it dirty or failed"
               if row.state == ADOPTED_DIRTY else
               f"it stopped while {action} outside a transaction, after {row.progress or 0} statement(s)")
        raise StateError(
            f"{status.label} is dirty: {why}",
            hint=f"check the database, then record the truth with `migrate repair {status.version} --applied` or `--rolled-back`",
        )


def _error_line(statement: "Statement", error: StatementFailed) -> int:
    if error.position is None:
        return statement.line
    return statement.line + statement.text[: error.position - 1].count("\n")


def _elapsed(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)

