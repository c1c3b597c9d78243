"""Planning the pending migrations: what each would run, in which transaction mode, against tables of
which live size; the rollback plan in the order `down` would run it; and the pre-migration checklist."""

import re
from dataclasses import dataclass, field

from ..adapters import adapter_for
from ..catalogue import load_catalogue
from ..catalogue.model import Migration
from ..config import Settings
from ..errors import ConnectionFailed
from ..runner import Runner
from ..status import PENDING, applied_order
from .checklist import checklist
from .facts import DEFAULT_TRANSACTION_SECONDS, LiveFacts, TableKey, read_facts
from .identifiers import parse_table
from .model import FAIL, OK, ChecklistItem, RollbackPlan, RollbackStep

_NAME = r'(?:"(?:[^"]|"")+"|`[^`]+`|[A-Za-z_][A-Za-z0-9_$]*)'
_QUALIFIED = rf"{_NAME}(?:\s*\.\s*{_NAME})?"
# The table a statement acts on, read from its first words (the linter's analysis says more).
_TABLE_OF = re.compile(
    r"^\s*(?:ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|TRUNCATE(?:\s+TABLE)?(?:\s+ONLY)?"
    r"|UPDATE(?:\s+ONLY)?|DELETE\s+FROM(?:\s+ONLY)?|INSERT\s+INTO|LOCK(?:\s+TABLE)?|VACUUM(?:\s*\([^)]*\))?(?:\s+FULL)?"
    r"(?:\s+ANALYZE)?|CLUSTER|REINDEX\s+TABLE(?:\s+CONCURRENTLY)?|ANALYZE"
    rf"|CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?(?:\s+IF\s+NOT\s+EXISTS)?(?:\s+{_NAME})?\s+ON(?:\s+ONLY)?)"
    rf"\s+(?P<table>{_QUALIFIED})",
    re.IGNORECASE,
)
# Statements that take a lock blocking writes (or reads) on an existing table for as long as they run.
_BLOCKING = re.compile(r"^\s*(?:ALTER\s+TABLE|DROP\s+TABLE|TRUNCATE|LOCK|VACUUM\s+FULL|CLUSTER|REINDEX\s+TABLE(?!\s+CONCURRENTLY)"
                       r"|CREATE\s+(?:UNIQUE\s+)?INDEX(?!\s+CONCURRENTLY))\b", re.IGNORECASE)
_SETS_LOCK_TIMEOUT = re.compile(r"^\s*SET\s+(?:LOCAL\s+|SESSION\s+)?(?:lock_timeout|lock_wait_timeout)\b", re.IGNORECASE)
# What a statement removes: values in it cannot come back from a down.
_DROPS = re.compile(r"\b(?:DROP\s+(?:COLUMN(?:\s+IF\s+EXISTS)?\s+(?P<column>\S+)|TABLE(?:\s+IF\s+EXISTS)?\s+(?P<table>[^\s;]+))"
                    r"|TRUNCATE\b|DELETE\s+FROM\b)", re.IGNORECASE)


@dataclass
class PlannedStatement:
    text: str
    line: int
    tables: list[str]
    findings: list = field(default_factory=list)  # the linter's findings for this statement
    risk: str | None = None  # safe, caution, risky or error, from the linter
    lock: str | None = None  # the PostgreSQL lock it takes, from the linter
    rewrites: bool | None = None
    scans: bool | None = None
    impact: str | None = None  # the consequence in plain words, with the live size of its table


@dataclass
class PlannedMigration:
    migration: Migration
    file: str
    statements: list[PlannedStatement]
    transaction: bool
    transaction_reason: str | None  # why it runs outside a transaction
    tables: list[str]  # every table it touches, in order of appearance

    @property
    def has_down(self) -> bool:
        return self.migration.down is not None


@dataclass
class PendingPlan:
    database: str
    dialect: str
    migrations: list[PlannedMigration]
    facts: LiveFacts
    checklist: list[ChecklistItem]
    rollback_plan: RollbackPlan | None = None
    database_exists: bool = True


def plan_pending(settings: Settings, *, rollback_plan: bool = False,
                 transaction_seconds: float = DEFAULT_TRANSACTION_SECONDS) -> PendingPlan:
    catalogue = load_catalogue(settings.migrations_dir)
    dialect = settings.url.dialect
    adapter = adapter_for(settings.url, settings.table)
    facts = LiveFacts(settings.url.masked, dialect, transaction_seconds=transaction_seconds)
    try:
        exists = adapter.open(create=False)
        runner = Runner(adapter, catalogue, settings.table, database_exists=exists)
        statuses = runner.statuses()
        pending = [status.migration for status in statuses if status.state == PENDING]
        planned = [_planned(settings, runner, migration) for migration in pending]
        keys = list(dict.fromkeys(key for m in planned for key in _keys(m.tables, dialect)))
        if exists:
            read_facts(adapter, facts, keys)
        else:
            facts.unavailable = f"{settings.url.masked} does not exist yet, so there is nothing live to read"
        before = applied_order(statuses)
    except ConnectionFailed as error:
        raise ConnectionFailed(error.message, hint="planning the pending migrations needs the database's tracking table")
    finally:
        adapter.close()
    plan = PendingPlan(settings.url.masked, dialect, planned, facts,
                       checklist(facts, keys, _lock_timeout_check(planned, facts, dialect)), database_exists=exists)
    if rollback_plan:
        plan.rollback_plan = pending_rollback_plan(planned, before[0].version if before else None, dialect)
    return plan


def _planned(settings: Settings, runner: Runner, migration: Migration) -> PlannedMigration:
    statements = migration.up.statements(runner.adapter.dialect)
    reason = runner.outside_transaction_reason(migration.up, statements)
    planned = [PlannedStatement(s.text, s.line, _tables_of(s.text)) for s in statements]
    tables = list(dict.fromkeys(t for s in planned for t in s.tables))
    return PlannedMigration(migration, settings.relative(migration.up.file), planned, reason is None, reason, tables)


def _tables_of(statement: str) -> list[str]:
    match = _TABLE_OF.match(statement)
    return [re.sub(r"\s*\.\s*", ".", match["table"])] if match else []


def _keys(tables: list[str], dialect: str) -> list[TableKey]:
    return [parse_table(table, dialect).key for table in tables]


def _lock_timeout_check(planned: list[PlannedMigration], facts: LiveFacts, dialect: str) -> tuple[str, str]:
    if dialect == "sqlite":
        return OK, "SQLite has no lock queue: a blocked writer waits for its busy timeout, then fails without blocking others"
    unguarded = []
    for migration in planned:
        guarded = False
        for statement in migration.statements:
            guarded = guarded or bool(_SETS_LOCK_TIMEOUT.match(statement.text))
            existing = any(facts.table(key) is not None for key in _keys(statement.tables, dialect))
            if _BLOCKING.match(statement.text) and existing and not guarded:
                unguarded.append(f"{migration.migration.label} line {statement.line}")
    default = (f"; the server's default lock_timeout is {facts.server.lock_timeout}"
               if facts.server and facts.server.lock_timeout is not None else "")
    if unguarded:
        return FAIL, (f"locking statements on existing tables without SET lock_timeout before them: "
                      f"{', '.join(unguarded)}{default}. Add SET lock_timeout = '5s' first, so a lock that cannot be "
                      "had quickly fails instead of queueing every query behind it")
    return OK, f"every statement that locks an existing table runs after SET lock_timeout{default}"


def pending_rollback_plan(planned: list[PlannedMigration], version_before: str | None, dialect: str) -> RollbackPlan:
    """The down sections in the order `down` would run them once everything is applied: the last applied first."""
    steps, irreversible = [], []
    for migration in reversed(planned):
        destroyed = _destroyed_by_up(migration)
        down = migration.migration.down
        if down is None:
            steps.append(RollbackStep(migration.migration.label, has_down=False,
                                      loses_data="; ".join(["no down section: the tool cannot roll it back", *destroyed])))
            irreversible.append(migration.migration.label)
            continue
        sql = [s.text for s in down.statements(dialect)]
        lost = [*destroyed, *(f"the down drops {what}: what was written to it since is lost" for what in _drops(sql))]
        steps.append(RollbackStep(migration.migration.label, sql=sql, loses_data="; ".join(lost) or None))
        if destroyed:
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


def _drops(statements: list[str]) -> list[str]:
    found = []
    for statement in statements:
        for match in _DROPS.finditer(statement):
            found.append(match["column"] or match["table"] or "rows")
    return found


def _destroyed_by_up(migration: PlannedMigration) -> list[str]:
    return [f"the up drops {what}: no down can bring its values back" if what != "rows" else
            "the up deletes rows: no down can bring them back" for what in _drops([s.text for s in migration.statements])]
