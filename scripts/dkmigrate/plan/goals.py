"""Planning a goal in words: its kind, the pattern it names, the names it gives, and the plan."""

import re
from dataclasses import dataclass

from ..config import Settings
from ..engines import engine
from ..errors import UsageError
from . import patterns  # noqa: F401  (registers the patterns)
from .checklist import checklist
from .facts import DEFAULT_TRANSACTION_SECONDS, LiveFacts, gather
from .model import API, DATABASE, INFRASTRUCTURE, OK, MigrationDraft, Plan, RollbackPlan, RollbackStep
from .playbooks import api_plan, general_plan, infrastructure_plan
from .registry import PATTERNS, Context, Placeholder, fill_slot, recognise, slots_from_goal

# Words that tell a goal's kind when no database pattern names it; the most matches wins, ties go to the
# first listed (moving an API to a new platform is an infrastructure move).
KIND_WORDS = {
    INFRASTRUCTURE: re.compile(
        r"\b(kubernetes|k8s|docker|containers?|cloud|aws|gcp|azure|servers?|data ?cent(?:er|re)s?|regions?|clusters?|"
        r"terraform|vms?|hosts?|hosting|infrastructure|eks|gke|aks|ecs|serverless|on-?prem(?:ises)?|heroku|rds|"
        r"aurora|nomad|helm|platform)\b", re.IGNORECASE),
    API: re.compile(r"\b(apis?|endpoints?|routes?|rest|graphql|grpc|v\d+|webhooks?|sdks?|http|openapi|swagger)\b",
                    re.IGNORECASE),
    DATABASE: re.compile(r"\b(tables?|columns?|index(?:es)?|constraints?|foreign keys?|unique|not null|schemas?|"
                         r"rows?|database|sql|primary key|shard(?:ing)?|partition(?:ing|s)?)\b", re.IGNORECASE),
}


@dataclass(frozen=True)
class GoalRequest:
    goal: str
    kind: str | None = None
    table: str | None = None
    column: str | None = None
    to: str | None = None
    columns: str | None = None
    type: str | None = None
    default: str | None = None

    @property
    def options(self) -> dict[str, str]:
        named = {"table": self.table, "column": self.column, "columns": self.columns, "type": self.type,
                 "default": self.default}
        return {slot: value for slot, value in named.items() if value is not None}


def normalise(goal: str) -> str:
    return " ".join(goal.split()).rstrip(".")


def detect_kind(goal: str) -> str | None:
    scores = {kind: len(words.findall(goal)) for kind, words in KIND_WORDS.items()}
    best = max(scores.values())
    return next((kind for kind, score in scores.items() if score == best), None) if best else None


def plan_goal(settings: Settings, request: GoalRequest, *, rollback_plan: bool = False,
              transaction_seconds: float = DEFAULT_TRANSACTION_SECONDS) -> Plan:
    goal = normalise(request.goal)
    if not goal:
        raise UsageError("the goal is empty: say what should change, e.g. \"rename users.email to email_address\"")
    dialect = settings.url.dialect
    pattern = recognise(goal) if request.kind in (None, DATABASE) else None
    kind = request.kind or (DATABASE if pattern else detect_kind(goal))
    given = request.options | ({"to": request.to} if request.to is not None else {})
    if given and pattern is None:
        raise UsageError(f"--{sorted(given)[0]} names a database object, but the goal is not one of the database "
                         "patterns", hint="see `migrate plan --help` for the goals the planner recognises")
    if kind == API:
        plan = api_plan(goal, dialect)
    elif kind == INFRASTRUCTURE:
        plan = infrastructure_plan(goal, dialect)
    elif pattern is None:
        plan = general_plan(goal, kind, dialect, [f"{p.does} (\"{p.example}\")" for p in PATTERNS])
    else:
        slots = slots_from_goal(pattern, goal, dialect)
        for slot, text in request.options.items():
            fill_slot(slots, slot, text, dialect)
        if request.to is not None:
            fill_slot(slots, pattern.to_slot, request.to, dialect)
        tables = [t.key for t in (slots.table, slots.new_table, slots.target_table)
                  if t is not None and not isinstance(t.name, Placeholder)]
        facts = gather(settings, tables, transaction_seconds)
        ctx = Context(dialect, facts)
        built = pattern.build(slots, ctx)
        plan = Plan(DATABASE, goal, pattern.name, dialect, built.summary, built.phases, ctx.fill_in, ctx.placeholders,
                    ctx.notes, facts=facts)
        plan.checklist = checklist(facts, tables, _lock_timeout_item(dialect))
        if not facts.live:
            plan.notes.insert(0, f"No live facts: {facts.unavailable}.")
    if not plan.checklist:
        plan.checklist = checklist(_facts_for_checklist(settings, plan, transaction_seconds), [],
                                   _lock_timeout_item(dialect))
    if rollback_plan:
        plan.rollback_plan = goal_rollback_plan(plan)
    return plan


def _facts_for_checklist(settings: Settings, plan: Plan, transaction_seconds: float) -> LiveFacts | None:
    """A general database plan still checks the live database; API and infrastructure plans touch none."""
    if plan.kind in (API, INFRASTRUCTURE):
        return None
    return gather(settings, [], transaction_seconds)


def _lock_timeout_item(dialect: str) -> tuple[str, str]:
    return OK, engine(dialect).lock_wait_note


def goal_rollback_plan(plan: Plan) -> RollbackPlan:
    """Each phase's rollback, the last phase first; where it cannot bring everything back; the command."""
    database = plan.kind == DATABASE and plan.pattern is not None
    steps = [RollbackStep(f"{phase.name}: {phase.title}",
                          sql=list(phase.rollback) if database and phase.writes_migration else [],
                          actions=[] if database and phase.writes_migration else list(phase.rollback),
                          loses_data=phase.rollback_loses_data) for phase in reversed(plan.phases)]
    if database:
        written = [phase for phase in plan.phases if phase.writes_migration]
        command = f"migrate down --steps {len(written)}"
        losing = next((step for step in reversed(steps) if step.loses_data), None)
        point = (f"{losing.label}: once it has run, rolling it back cannot bring back {losing.loses_data}" if losing else
                 "none inside the plan: every phase's down restores the previous phase's state, data included; "
                 "the backup is the way back from anything done outside it")
        notes = ["Roll back in this order; each step is the down section of that phase's migration file. "
                 f"The command rolls back all {len(written)} once they are applied (after fewer, --steps with fewer)."]
    else:
        command = None
        point = next((f"{phase.name}: {phase.rollback[0]}" for phase in plan.phases
                      if phase.name in ("decommission", "removal", "contract")), None)
        notes = ["Each phase can be undone while the next has not started; undo them last first."]
    return RollbackPlan(steps, point, command, notes)


def migration_drafts(plan: Plan) -> list[MigrationDraft]:
    """The database phases as migration files: expand, migrate, contract, each with its down."""
    if plan.kind != DATABASE or plan.pattern is None:
        raise UsageError("--write needs a database goal the planner recognises; this plan has no migrations to write")
    if not plan.complete:
        raise UsageError(f"--write needs every name and type: the plan still has {', '.join(f'<{p}>' for p in plan.placeholders)}",
                         hint="give them in the goal or with --table, --column, --to, --columns, --type, or plan "
                              "against the live database (--url, --env)")
    phases = [phase for phase in plan.phases if phase.writes_migration]
    stem = re.sub(r"[^a-z0-9]+", "_", plan.goal.lower()).strip("_")[:60].strip("_") or plan.pattern.replace("-", "_")
    drafts = []
    for number, phase in enumerate(phases, 1):
        _allow_several_ddl(phase, plan.dialect)
        header = [f"-- {plan.goal}: step {number} of {len(phases)} ({phase.name.upper()}, {phase.title})",
                  *(f"-- {line}" for step in phase.steps for line in _wrap(step))]
        drafts.append(MigrationDraft(f"{stem}_{number}_{phase.name}",
                                     "\n".join(header) + "\n" + sql_script(phase.sql, phase.allow),
                                     sql_script(phase.rollback, phase.allow)))
    return drafts


def _allow_several_ddl(phase, dialect: str) -> None:
    """Where DDL commits implicitly, a phase of several DDL statements is one migration on purpose: the runner
    records each statement as it runs, so a failure leaves the migration dirty at that statement."""
    from ..lint.analysis import is_ddl
    from ..lint.parser import parse

    database = engine(dialect)
    if database.transactional_ddl:
        return
    for statements in (phase.sql, phase.rollback):
        ddl = [statement for statement in statements if is_ddl(parse(statement, dialect))]
        if len(ddl) > 1:
            phase.allowing(ddl[1], "mysql-multiple-ddl",
                           f"one phase of the plan: {database.label} records each statement as it runs, so a failure "
                           "leaves the migration dirty at that statement, and the phase's down undoes it")


def sql_script(statements: list[str], allow: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """Statements as a script: each ended by a semicolon (a comment needs none), a blank line around long ones,
    and the `-- migrate:allow` comments of `allow` above their statements."""
    parts: list[str] = []
    for statement in statements:
        text = statement if statement.lstrip().startswith("--") else f"{statement};"
        allowed = (allow or {}).get(statement, [])
        text = "".join(f"-- migrate:allow {rule} {reason}\n" for rule, reason in allowed) + text
        if parts:
            parts.append("\n\n" if "\n" in text or "\n" in parts[-1] else "\n")
        parts.append(text)
    return "".join(parts)


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
