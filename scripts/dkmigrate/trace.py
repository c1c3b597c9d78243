"""`migrate trace`: runs the pending migrations where it cannot hurt (see scratch.sandbox) and reports, for each
statement, what the engine showed - the locks it took, the tables it rewrote and scanned, its duration - beside
what the linter predicted, saying where the two disagree; and, per migration, how long each table stayed ACCESS
EXCLUSIVE. Engine-agnostic: each engine observes its statements through its adapter's Tracer."""

from dataclasses import dataclass, field
from pathlib import Path

from .adapters.base import Observation
from .catalogue.model import Migration
from .config import Settings
from .engines import engine
from .errors import DatabaseError, SafetyRefusal, StatementFailed, UsageError
from .lexer import stored_parts
from .lint import StatementAnalysis, analyze_migrations
from .lint.locks import ACCESS_EXCLUSIVE, LOCKS, strongest
from .lint.parser import parse
from .lint.syntax import DataChange, TransactionControl, Truncate
from .operations import lint_options, open_runner
from .scratch import refuse_dirty, sandbox, scratch_url_of
from .status import PENDING, applied_order


@dataclass
class StatementTrace:
    line: int
    sql: str
    observation: Observation | None  # None: it failed
    predicted: StatementAnalysis | None
    disagreements: list[str] = field(default_factory=list)
    error: str | None = None
    runs_under: str | None = None  # the strongest lock on its tables while it ran: taken by it, or held before
    exclusive: tuple[str, ...] = ()  # the tables it ran under ACCESS EXCLUSIVE: taken by it, or held before

    @property
    def rewrites(self) -> bool:
        return bool(self.observation and self.observation.rewrote)

    @property
    def scans(self) -> bool:
        return bool(self.observation and self.observation.scanned)


@dataclass(frozen=True)
class ExclusiveHold:
    table: str
    line: int  # the statement that took it
    held_ms: float  # from that statement to the end of the migration's transaction (or of the statement)


@dataclass
class MigrationTrace:
    migration: Migration
    transaction: bool  # its statements ran inside one transaction
    statements: list[StatementTrace] = field(default_factory=list)
    exclusive: list[ExclusiveHold] = field(default_factory=list)

    @property
    def error(self) -> str | None:
        return next((statement.error for statement in self.statements if statement.error), None)

    @property
    def duration_ms(self) -> float:
        return round(sum(s.observation.duration_ms for s in self.statements if s.observation), 3)


@dataclass
class TraceReport:
    where: str
    rolled_back: bool = False
    migrations: list[MigrationTrace] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_traced: list[Migration] = field(default_factory=list)  # after a statement that failed

    @property
    def failed(self) -> bool:
        return any(migration.error for migration in self.migrations)

    @property
    def statements(self) -> list[StatementTrace]:
        return [statement for migration in self.migrations for statement in migration.statements]


def trace(settings: Settings, files: list[str] | None = None, scratch_url: str | None = None,
          listener=None) -> TraceReport:
    if settings.protected:
        raise SafetyRefusal(
            f"environment '{settings.environment}' is protected: trace runs the migrations, and never runs there",
            hint="trace against a staging copy (`migrate --env staging trace`), a development database, or "
                 "--scratch-url on another environment")
    scratch = scratch_url_of(settings, scratch_url)
    dialect = settings.url.dialect
    database = engine(dialect)
    with open_runner(settings, lock=True, listener=listener) as runner:
        statuses = runner.statuses()
        refuse_dirty(statuses, "trace")
        pending = [status.migration for status in statuses if status.state == PENDING]
        chosen = _chosen(settings, statuses, pending, files)
        if not chosen:
            return TraceReport("nowhere: nothing is pending")
        to_run = pending[:pending.index(chosen[-1]) + 1]  # the earlier pending ones too, for the schema they build
        applied = [status.migration for status in reversed(applied_order(statuses)) if status.migration is not None]
        options = lint_options(settings, dialect, None, runner.adapter.server_version)
        analyses = analyze_migrations(runner.catalogue.migrations, options, to_run)
        transactions = {id(m): runner.outside_transaction_reason(m.up, m.up.statements(dialect)) is None
                        for m in to_run}

        def refuses_real(migration: Migration) -> str | None:
            if not database.transactional_ddl:
                return f"{database.label} commits DDL implicitly, so trace runs on a scratch database only"
            if any(isinstance(parse(s.text, dialect), TransactionControl) for s in migration.up.statements(dialect)):
                return f"{migration.label} ends transactions itself"
            return None

        with sandbox(runner, settings, to_run, applied, scratch, command="trace", with_down=False,
                     refuses_real=refuses_real) as box:
            tracer = box.adapter.tracer()
            report = TraceReport(box.where, box.rolled_back, notes=box.notes + tracer.notes())
            for position, (migration, analysis) in enumerate(zip(to_run, analyses)):
                in_transaction = box.rolled_back or transactions[id(migration)]
                traced = _run_migration(box, tracer, migration, analysis.up, in_transaction, database.lock_levels)
                if migration not in chosen and traced.error:
                    failed = traced.statements[-1]
                    raise DatabaseError(f"{migration.label}, pending before the files to trace, failed at line "
                                        f"{failed.line}: {failed.error}",
                                        hint="trace it too (name its file, or none) to see its statements")
                if migration in chosen:
                    report.migrations.append(traced)
                if traced.error:
                    report.not_traced = [m for m in to_run[position + 1:] if m in chosen]
                    break
            return report


def _chosen(settings: Settings, statuses, pending: list[Migration], files: list[str] | None) -> list[Migration]:
    if not files:
        return pending
    by_file = {path.resolve(): status for status in statuses if status.migration is not None
               for path in status.migration.files}
    chosen = []
    for file in files:
        path = Path(file) if Path(file).is_absolute() else settings.base_dir / file
        status = by_file.get(path.resolve())
        if status is None:
            raise UsageError(f"{file} is not a migration of {settings.relative(settings.migrations_dir)}",
                             hint="name migration files of the migrations directory, or none to trace every pending one")
        if status.state != PENDING:
            raise UsageError(f"{status.label} is {status.state}, not pending: trace runs pending migrations")
        chosen.append(status.migration)
    return [migration for migration in pending if migration in chosen]


def _run_migration(box, tracer, migration: Migration, analyses: list[StatementAnalysis], in_transaction: bool,
                   lock_levels: bool) -> MigrationTrace:
    dialect = box.adapter.dialect
    traced = MigrationTrace(migration, in_transaction)
    by_line = {analysis.line: analysis for analysis in analyses}
    own_transaction = in_transaction and not box.rolled_back
    if own_transaction:
        box.adapter.execute("BEGIN")
    for statement in migration.up.statements(dialect):
        predicted = by_line.get(statement.line)
        try:
            observation = tracer.run(statement.text, in_transaction)
        except StatementFailed as error:
            traced.statements.append(StatementTrace(statement.line, statement.text, None, predicted,
                                                    error=error.message))
            break
        step = StatementTrace(statement.line, statement.text, observation, predicted)
        tables = {_key(table, dialect) for table, _ in observation.locks} | (
            {_key(name.written, dialect) for name in predicted.table_names} if predicted else set())
        under = [*observation.locks, *((table, mode) for table, mode in observation.held
                                       if _key(table, dialect) in tables)]
        step.runs_under = strongest(*(mode for _, mode in under if mode in LOCKS))
        step.exclusive = tuple(dict.fromkeys(table for table, mode in under if mode == ACCESS_EXCLUSIVE))
        if lock_levels and predicted is not None:
            step.disagreements = disagreements(statement.text, dialect, observation, predicted)
        traced.statements.append(step)
    if own_transaction:
        box.adapter.execute("ROLLBACK" if traced.error else "COMMIT")
    traced.exclusive = _exclusive_holds(traced)
    return traced


def _key(table: str, dialect: str) -> str:
    return stored_parts(table, dialect)[-1]


def disagreements(sql: str, dialect: str, seen: Observation, predicted: StatementAnalysis) -> list[str]:
    """Where the engine's observation and the linter's prediction of a statement differ, in words. A lock its
    transaction already held as strongly cannot be seen taken again: no disagreement."""
    found = []
    observed = strongest(*(mode for _, mode in seen.locks if mode in LOCKS))
    tables = {_key(name.written, dialect) for name in predicted.table_names}
    already = predicted.lock is not None and any(
        _key(table, dialect) in tables and mode in LOCKS and LOCKS.index(mode) >= LOCKS.index(predicted.lock)
        for table, mode in seen.held)
    if observed != predicted.lock and not already:
        on = ", ".join(table for table, mode in seen.locks if mode == observed)
        found.append(f"the linter predicts {predicted.lock or 'no table lock'}; trace saw "
                     + (f"{observed} on {on}" if observed else "no lock taken on an existing table"))
    statement = parse(sql, dialect)
    if not isinstance(statement, Truncate):  # TRUNCATE swaps in a new, empty file: a rewrite of no rows
        if predicted.rewrites and not seen.rewrote:
            found.append("the linter predicts a table rewrite; none happened")
        elif seen.rewrote and not predicted.rewrites:
            found.append(f"trace saw {', '.join(seen.rewrote)} rewritten; the linter predicts no rewrite")
    if not isinstance(statement, (DataChange, Truncate)):  # a data change's scan is the query planner's choice
        if predicted.scans and not seen.scanned and not seen.rewrote:
            found.append("the linter predicts a full scan; trace saw none")
        elif seen.scanned and not predicted.scans and not predicted.rewrites:
            found.append(f"trace saw {', '.join(seen.scanned)} scanned; the linter predicts no scan")
    return found


def _exclusive_holds(traced: MigrationTrace) -> list[ExclusiveHold]:
    """Each table's ACCESS EXCLUSIVE: in a transaction, from the first statement that ran under it (took it, or found
    it held by an earlier migration of a rolled-back trace) to the transaction's end; outside one, for as long as
    the statements that took it ran."""
    holds: dict[str, ExclusiveHold] = {}
    steps = [s for s in traced.statements if s.observation is not None]
    for index, step in enumerate(steps):
        for table in step.exclusive:
            if traced.transaction:
                if table not in holds:
                    held = sum(s.observation.duration_ms for s in steps[index:])
                    holds[table] = ExclusiveHold(table, step.line, round(held, 3))
            else:
                before = holds.get(table)
                holds[table] = ExclusiveHold(table, before.line if before else step.line,
                                             round((before.held_ms if before else 0) + step.observation.duration_ms, 3))
    return list(holds.values())
