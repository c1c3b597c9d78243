"""What a plan is: phases with their SQL, checks and rollback, the checklist, the rollback plan."""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..batching import DIRECTIVE

BATCH_DIRECTIVE = f"-- {DIRECTIVE}"  # a statement after it runs in batches, each its own transaction

if TYPE_CHECKING:
    from .facts import LiveFacts

DATABASE, API, INFRASTRUCTURE = "database", "api", "infrastructure"

# The phases of the seed's expand-contract pattern; each becomes one migration file with --write.
EXPAND, MIGRATE, CONTRACT = "expand", "migrate", "contract"
DEPLOY = "deploy"  # an application release between database phases
MIGRATION_PHASES = (EXPAND, MIGRATE, CONTRACT)

OK, FAIL, MANUAL = "ok", "fail", "manual"


@dataclass
class Phase:
    name: str  # expand, migrate, deploy, contract (database); a short id for API and infrastructure phases
    title: str
    steps: list[str]  # what to do, in words
    sql: list[str] = field(default_factory=list)  # statements, in order
    verify: list[str] = field(default_factory=list)  # queries that must return no rows (database), or checks
    rollback: list[str] = field(default_factory=list)  # statements that undo the phase, or steps in words
    transaction: bool = True  # whether the phase's statements run as one transaction
    rollback_loses_data: str | None = None  # what its rollback cannot bring back, when something
    # Lint rules a written migration deliberately breaks, per statement (up or down): [(rule, reason)]. The
    # migration file carries them as `-- migrate:allow` comments, so the linter knows the step is meant.
    allow: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # What sql and rollback were rendered from (plan.operations): the phase's operations, and what undoes them.
    operations: list = field(default_factory=list)
    undo: list = field(default_factory=list)

    @property
    def batched(self) -> bool:
        """A statement of it runs in batches (`-- migrate:batch`): the runner commits each batch."""
        return any(statement.startswith(BATCH_DIRECTIVE) for statement in self.sql)

    def allowing(self, statement: str, rule: str, reason: str) -> None:
        if (rule, reason) not in self.allow.get(statement, []):
            self.allow.setdefault(statement, []).append((rule, reason))

    @property
    def writes_migration(self) -> bool:
        return self.name in MIGRATION_PHASES


@dataclass(frozen=True)
class ChecklistItem:
    item: str
    status: str  # ok, fail or manual
    detail: str


@dataclass
class RollbackStep:
    label: str  # a phase name, or a migration's label
    sql: list[str] = field(default_factory=list)  # statements that run, in order
    actions: list[str] = field(default_factory=list)  # what to do, in words (an application release, an API phase)
    loses_data: str | None = None  # what cannot be brought back, in words
    has_down: bool = True


@dataclass
class RollbackPlan:
    steps: list[RollbackStep]  # in the order they run
    point_of_no_return: str | None
    command: str | None  # the command that runs the whole rollback
    notes: list[str] = field(default_factory=list)


@dataclass
class MigrationDraft:
    """A migration file --write makes from a database phase."""

    name: str
    up: str
    down: str


@dataclass
class Plan:
    kind: str | None  # database, api, infrastructure; None when the goal's words name none
    goal: str | None
    pattern: str | None  # None when the goal was not recognised
    dialect: str
    summary: str
    phases: list[Phase]
    fill_in: list[str] = field(default_factory=list)  # what the agent must find out in the user's project
    placeholders: list[str] = field(default_factory=list)  # <names> in the SQL that options must give
    notes: list[str] = field(default_factory=list)
    checklist: list[ChecklistItem] = field(default_factory=list)
    rollback_plan: RollbackPlan | None = None
    facts: "LiveFacts | None" = None  # what was read from the database (None: API and infrastructure plans)

    @property
    def complete(self) -> bool:
        """Every name and type is known: the SQL can be written to migration files as it is."""
        return not self.placeholders
