"""Planning the pending migrations: what each would run, each statement's lint findings, risk, lock and
rewrite or scan, its transaction mode, the live size of what it touches and the consequence in plain words;
the rollback plan in the order `down` would run it; and the pre-migration checklist."""

from dataclasses import dataclass, field

from ..catalogue.model import Migration
from ..config import Settings
from ..errors import ConnectionFailed
from ..lint import Finding, StatementAnalysis, analyze_migrations
from ..operations import lint_options, open_runner
from ..runner import Runner
from ..status import PENDING, applied_order
from .checklist import checklist, data_item, staging_rehearsal
from .datachecks import CHECK_SECONDS, DataCheckResult, check_pending
from .document import human_rows
from .facts import DEFAULT_TRANSACTION_SECONDS, LiveFacts, read_facts
from ..engines import engine
from .identifiers import TableName
from .model import FAIL, MANUAL, OK, ChecklistItem, RollbackPlan, RollbackStep
from .observed import observe
from .reversal import losses

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing
if TYPE_CHECKING:
    from ..trace import StatementTrace

MISSING_LOCK_TIMEOUT = "missing-lock-timeout"

# What other sessions can do while a statement holds each PostgreSQL lock on a table.
_WHILE_HELD = {
    "ACCESS EXCLUSIVE": "writes and reads blocked until done",
    "EXCLUSIVE": "writes blocked until done, reads go on",
    "SHARE ROW EXCLUSIVE": "writes blocked until done, reads go on",
    "SHARE": "writes blocked until done, reads go on",
    "SHARE UPDATE EXCLUSIVE": "reads and writes go on (other DDL and VACUUM wait)",
    "ROW EXCLUSIVE": "reads and writes go on",
    "ROW SHARE": "reads and writes go on",
    "ACCESS SHARE": "reads and writes go on",
}


@dataclass
class PlannedStatement:
    analysis: StatementAnalysis
    impact: str | None = None  # the consequence in plain words, with the live size of its table
    observed: "StatementTrace | None" = None  # what `migrate trace` saw it do (plan --trace-url)

    @property
    def text(self) -> str:
        return self.analysis.text

    @property
    def lock_source(self) -> str:
        return "observed" if self.observed is not None else "predicted"

    @property
    def lock(self) -> str | None:
        return self.observed.runs_under if self.observed is not None else self.analysis.lock

    @property
    def rewrites(self) -> bool:
        return self.observed.rewrites if self.observed is not None else self.analysis.rewrites

    @property
    def scans(self) -> bool:
        return self.observed.scans if self.observed is not None else self.analysis.scans

    @property
    def tables(self) -> list[str]:
        return list(self.analysis.tables)


@dataclass
class PlannedMigration:
    migration: Migration
    file: str
    statements: list[PlannedStatement]
    transaction: bool
    transaction_reason: str | None  # why it runs outside a transaction
    findings: list[Finding] = field(default_factory=list)  # the migration's own (no down, irreversible down, ...)

    @property
    def has_down(self) -> bool:
        return self.migration.down is not None

    @property
    def tables(self) -> list[str]:
        return list(dict.fromkeys(table for statement in self.statements for table in statement.tables))

    @property
    def risk(self) -> str:
        from ..lint import SEVERITIES

        risks = [s.analysis.risk for s in self.statements] + [finding.severity for finding in self.findings]
        return max(risks, key=SEVERITIES.index, default="safe")


@dataclass
class PendingPlan:
    database: str
    dialect: str
    migrations: list[PlannedMigration]
    facts: LiveFacts
    checklist: list[ChecklistItem]
    pg_version: int | None = None  # what the linter judged against (PostgreSQL)
    rollback_plan: RollbackPlan | None = None
    data_checks: list[DataCheckResult] = field(default_factory=list)  # the rows that would break each new constraint
    traced: str | None = None  # where `migrate trace` ran the migrations whose locks are observed (plan --trace-url)


def plan_pending(settings: Settings, *, rollback_plan: bool = False,
                 transaction_seconds: float = DEFAULT_TRANSACTION_SECONDS,
                 data_check_seconds: float = CHECK_SECONDS, trace_url: str | None = None) -> PendingPlan:
    dialect = settings.url.dialect
    facts = LiveFacts(settings.url.masked, dialect, transaction_seconds=transaction_seconds)
    try:
        with open_runner(settings) as runner:
            statuses = runner.statuses()
            pending = [status.migration for status in statuses if status.state == PENDING]
            options = lint_options(settings, dialect, None, runner.adapter.server_version)
            analyses = analyze_migrations(runner.catalogue.migrations, options, pending)
            planned = [_planned(settings, runner, migration, analysis) for migration, analysis in zip(pending, analyses)]
            keys = list(dict.fromkeys(TableName.of(name, dialect).key for m in planned for statement in m.statements
                                      for name in statement.analysis.table_names))
            data = None
            if runner.database_exists:
                read_facts(runner.adapter, facts, keys)
                if facts.live:
                    data = check_pending(runner.adapter.inspector(), facts.tables,
                                         [(f"{m.migration.label} line {s.analysis.line}", s.text)
                                          for m in planned for s in m.statements], dialect, data_check_seconds)
            else:
                facts.unavailable = f"{settings.url.masked} does not exist yet, so there is nothing live to read"
            before = applied_order(statuses)
    except ConnectionFailed as error:
        raise ConnectionFailed(error.message, hint="planning the pending migrations needs the database's tracking table")
    traced = observe(settings, planned, trace_url) if trace_url else None
    for migration in planned:
        for statement in migration.statements:
            statement.impact = _impact(statement, facts, dialect)
    plan = PendingPlan(settings.url.masked, dialect, planned, facts,
                       checklist(facts, keys, _lock_timeout_check(planned, options, facts, settings),
                                 staging_rehearsal(settings.environments, settings.environment),
                                 data_item(data) if data else None),
                       options.pg_version if engine(dialect).versioned else None, data_checks=data or [],
                       traced=traced)
    if rollback_plan:
        plan.rollback_plan = pending_rollback_plan(planned, before[0].version if before else None, dialect)
    return plan


def _planned(settings: Settings, runner: Runner, migration: Migration, analysis) -> PlannedMigration:
    statements = migration.up.statements(runner.adapter.dialect)
    reason = runner.outside_transaction_reason(migration.up, statements)
    on_statements = {finding for statement in analysis.up for finding in statement.findings}
    own = [finding for finding in analysis.up_findings if finding not in on_statements]
    return PlannedMigration(migration, settings.relative(migration.up.file),
                            [PlannedStatement(statement) for statement in analysis.up], reason is None, reason, own)


def _impact(statement: PlannedStatement, facts: LiveFacts, dialect: str) -> str | None:
    """What the statement does to its table while it runs, in plain words, with the table's live size."""
    analysis = statement.analysis
    if not analysis.tables or not facts.live:
        return None
    name = analysis.tables[0]
    table = facts.table(TableName.of(analysis.table_names[0], dialect).key)
    if table is None:
        return None  # created earlier in the plan: empty when this runs
    rows = f"{human_rows(table.rows, table.rows_exact)} rows"
    database = engine(dialect)
    lock = statement.lock
    if not database.lock_levels or lock is None:
        return f"touches `{name}` ({rows})" if database.lock_queue else \
            f"touches `{name}` ({rows}) under {database.label}'s database-wide write lock: other writers wait until done"
    held = _WHILE_HELD.get(lock, "see the lock's conflicts")
    if statement.rewrites:
        return f"rewrites {rows} of `{name}` under {lock}: {held}"
    if statement.scans:
        return f"scans {rows} of `{name}` under {lock}: {held}"
    if lock == "ACCESS EXCLUSIVE":
        return (f"takes ACCESS EXCLUSIVE on `{name}` ({rows}) for a moment, no rewrite or scan; while it waits for "
                "running queries, every new query on the table queues behind it")
    return f"takes {lock} on `{name}` ({rows}): {held}"


def _lock_timeout_check(planned: list[PlannedMigration], options, facts: LiveFacts,
                        settings: Settings) -> tuple[str, str]:
    if not engine(facts.dialect).lock_queue:
        return OK, engine(facts.dialect).lock_wait_note
    if settings.lock_timeout is not None:
        source = ("the default of a protected environment without one" if settings.lock_timeout_defaulted
                  else f"environment '{settings.environment}' in migrate.yaml")
        retries = f", retried {settings.lock_retries} times" if settings.lock_retries else ""
        return OK, (f"`up` sets lock_timeout {settings.lock_timeout:g}s ({source}) before each migration's "
                    f"statements{retries}")
    if MISSING_LOCK_TIMEOUT in options.disabled:
        return MANUAL, f"the {MISSING_LOCK_TIMEOUT} rule is disabled in migrate.yaml: check the migrations by hand"
    unguarded = [f"{migration.migration.label} line {statement.analysis.line}"
                 for migration in planned for statement in migration.statements
                 if any(finding.rule == MISSING_LOCK_TIMEOUT for finding in statement.analysis.findings)]
    default = (f"; the server's default lock_timeout is {facts.server.lock_timeout}"
               if facts.server and facts.server.lock_timeout is not None else "")
    if unguarded:
        return FAIL, (f"locking statements without SET lock_timeout before them: {', '.join(unguarded)}{default}. "
                      "Add SET lock_timeout = '5s' first, so a lock that cannot be had quickly fails instead of "
                      "queueing every query behind it")
    return OK, f"every statement that takes an exclusive lock runs after SET lock_timeout{default}"


def pending_rollback_plan(planned: list[PlannedMigration], version_before: str | None, dialect: str) -> RollbackPlan:
    """The down sections in the order `down` would run them once everything is applied: the last applied first."""
    steps, irreversible = [], []
    for migration in reversed(planned):
        down = migration.migration.down
        sql = [s.text for s in down.statements(dialect)] if down is not None else None
        lost = losses([s.text for s in migration.statements], sql, dialect)
        if down is None:
            destroyed = [f"the up removes {what}" for what in lost.destroyed]
            steps.append(RollbackStep(migration.migration.label, has_down=False,
                                      loses_data="; ".join(["no down section: the tool cannot roll it back", *destroyed])))
            irreversible.append(migration.migration.label)
            continue
        steps.append(RollbackStep(migration.migration.label, sql=sql, loses_data=lost.words))
        if lost.destroyed:
            irreversible.append(migration.migration.label)
    if irreversible:
        first = irreversible[-1]  # the earliest in the order the migrations are applied
        point = (f"{first}: once it is applied, the database cannot be brought back to before it by the tool "
                 "(restore from the backup instead)")
    else:
        point = "none: every migration has a down, and no up destroys data that a down would have to bring back"
    if version_before is not None:
        command = f"migrate down --to {version_before}"
    else:
        command = f"migrate down --steps {len(planned)}" if planned else None
    notes = ["`down` refuses to start when any of these migrations has no down section: add one first."] \
        if any(not step.has_down for step in steps) else []
    return RollbackPlan(steps, point, command, notes)
