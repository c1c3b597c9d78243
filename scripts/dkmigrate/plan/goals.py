"""Planning a goal in words: its kind, the pattern it names, the names it gives, and the plan."""

import re
from dataclasses import dataclass

from ..config import Settings
from ..engines import engine
from ..errors import UsageError
from . import patterns  # noqa: F401  (registers the patterns)
from .checklist import checklist, move_checklist, staging_rehearsal
from .document import sql_script
from .facts import DEFAULT_TRANSACTION_SECONDS, gather
from .identifiers import comment
from .model import API, DATABASE, INFRASTRUCTURE, OK, MigrationDraft, Plan, RollbackPlan, RollbackStep
from .playbooks import api_plan, general_plan, infrastructure_plan
from .reversal import losses
from .registry import PATTERNS, STRUCTURE_WORDS, Context, Placeholder, fill_option, recognise, slots_from_goal

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
    reading = _one_reading(goal, request, settings) if request.kind in (None, DATABASE) else goal
    pattern = recognise(reading) if request.kind in (None, DATABASE) else None
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
        slots = slots_from_goal(pattern, reading, dialect)
        for slot, text in request.options.items():
            fill_option(slots, slot, text, dialect, f"--{slot}")
        if request.to is not None:
            fill_option(slots, pattern.to_slot, request.to, dialect, "--to")
        tables = [t.key for t in (slots.table, slots.new_table, slots.target_table)
                  if t is not None and not isinstance(t.name, Placeholder)]
        facts = gather(settings, tables, transaction_seconds)
        ctx = Context(dialect, facts)
        built = pattern.build(slots, ctx)
        plan = Plan(DATABASE, goal, pattern.name, dialect, built.summary, built.phases, ctx.fill_in, ctx.placeholders,
                    ctx.notes, facts=facts)
        plan.checklist = checklist(facts, tables, _lock_timeout_item(dialect), _rehearsal(settings))
        if not facts.live:
            plan.notes.insert(0, f"No live facts: {facts.unavailable}.")
    if plan.kind in (API, INFRASTRUCTURE):
        plan.checklist = move_checklist(plan.kind)
    elif not plan.checklist:
        plan.checklist = checklist(gather(settings, [], transaction_seconds), [], _lock_timeout_item(dialect),
                                   _rehearsal(settings))
    if rollback_plan:
        plan.rollback_plan = goal_rollback_plan(plan)
    return plan


# Goals whose words do not say whether a name is a table or a column ("rename A to B", "drop A"): each shape
# with the goal written as a table change and as a column change.
_BARE_NAMES = [
    (re.compile(r"rename (?P<old>[^\s.]+) to (?P<new>[^\s.]+)", re.IGNORECASE),
     "rename table {old} to {new}", "rename column {old} to {new}"),
    (re.compile(r"(?P<verb>drop|remove|delete) (?P<old>[^\s.]+)", re.IGNORECASE),
     "{verb} table {old}", "{verb} column {old}"),
]


def _one_reading(goal: str, request: GoalRequest, settings: Settings) -> str:
    """The goal as the planner reads it, in words that leave one reading; a goal that the options and the live
    database cannot narrow to one reading is refused with the readings it has."""
    for shape, table_words, column_words in _BARE_NAMES:
        bare = shape.fullmatch(goal)
        if bare is not None and not {bare["old"].lower(), (bare.groupdict().get("new") or "").lower()} & STRUCTURE_WORDS:
            break
    else:
        return goal
    old = bare["old"]
    as_table, as_column = table_words.format(**bare.groupdict()), column_words.format(**bare.groupdict())
    if request.column is not None or request.table is not None:
        return as_table if request.table is not None and request.table == old and request.column is None else as_column
    from .identifiers import parse_table

    key = parse_table(old, settings.url.dialect).key
    facts = gather(settings, [key])
    if facts.knows(key) and facts.table(key) is not None:
        return as_table
    if facts.knows(key):
        raise UsageError(f"\"{goal}\": {facts.database} has no table {old}, so it names a column: say of which "
                         f"table - \"{as_column} on TABLE\" or --table TABLE")
    raise UsageError(f"\"{goal}\" can be read two ways: \"{as_table}\", or \"{as_column} on TABLE\": say which "
                     "(a column's table: TABLE.COLUMN, on TABLE, in TABLE, or --table TABLE)")


def _rehearsal(settings: Settings) -> str:
    return staging_rehearsal(settings.environments, settings.environment)


def _lock_timeout_item(dialect: str) -> tuple[str, str]:
    return OK, engine(dialect).lock_wait_note


def goal_rollback_plan(plan: Plan) -> RollbackPlan:
    """Each phase's rollback, the last phase first; where it cannot bring everything back (read from the SQL of the
    migration files the phases become, as the pending plan reads them once written); the command."""
    database = plan.kind == DATABASE and plan.pattern is not None
    steps, destroyed = [], {}
    for phase in reversed(plan.phases):
        label = f"{phase.name}: {phase.title}"
        if database and phase.writes_migration:
            lost = losses(phase.sql, phase.rollback, plan.dialect)
            steps.append(RollbackStep(label, sql=list(phase.rollback), loses_data=lost.words))
            destroyed[label] = lost.destroyed
        else:
            steps.append(RollbackStep(label, actions=list(phase.rollback), loses_data=phase.rollback_loses_data))
    if database:
        written = [phase for phase in plan.phases if phase.writes_migration]
        command = f"migrate down --steps {len(written)}"
        losing = next((step for step in reversed(steps) if destroyed.get(step.label)), None)
        point = (f"{losing.label}: once it has run, rolling it back cannot bring back "
                 f"{', '.join(destroyed[losing.label])}" if losing else
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
        header = [comment(f"{plan.goal}: step {number} of {len(phases)} ({phase.name.upper()}, {phase.title})"),
                  *(comment(line) for step in phase.steps for line in _wrap(step))]
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


def _wrap(text: str, width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]
