"""The linter's engine: it walks a section's statements in order, runs the registered rules on each, and
keeps what they need to know about what came before - the schema so far, the tables this section created,
whether a transaction is open and which tables it holds locked, whether lock_timeout is set.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Iterable

from ..records import record
from ..sqlsplit import Statement as SqlStatement
from ..engines import engine
from .allow import Allowances
from .findings import Finding, LintOptions, StatementAnalysis
from .locks import NO_EFFECT, Effect, statement_effect
from .parser import parse
from .registry import COMMENTS, MIGRATION, RULES, STATEMENT, Hit, Rule
from .schema import Schema
from .syntax import (
    AddColumn, AddConstraint, AlterTable, CreateIndex, CreateTable, DataChange, DropColumn, DropIndex, DropTable, Name,
    Other,
    RenameColumn, RenameTable, RenameTables, SetSetting, Statement, TransactionControl, Trigger, Truncate,
    ValidateConstraint,
)

UP, DOWN, SQL = "up", "down", "sql"
_DDL_VERBS = ("CREATE", "ALTER", "DROP", "RENAME", "TRUNCATE")
_DDL_STATEMENTS = (CreateTable, AlterTable, CreateIndex, DropIndex, DropTable, RenameTables, Truncate, Trigger)
_NO_ACTIONS: frozenset[type] = frozenset()


# Classes with slots and records (named tuples), which cost a fraction of dataclasses: the linter is imported at
# start-up.

class Created:
    """What a section created or renamed: its down may drop or rename it back without a new hazard."""

    __slots__ = ("tables", "columns", "renamed_tables", "renamed_columns")

    def __init__(self):
        self.tables: set[str] = set()
        self.columns: set[tuple[str, str]] = set()  # (table key, column)
        self.renamed_tables: set[tuple[str, str]] = set()  # (old key, new key)
        self.renamed_columns: set[tuple[str, str, str]] = set()  # (table key, old, new)


@record
class Removal:
    """Data an up section drops: no down can bring it back."""

    what: str  # "column accounts.note", "table accounts"
    line: int
    statement: str


@record
class MigrationFacts:
    """What migration rules look at."""

    has_down: bool
    removals: tuple[Removal, ...]


class Context:
    """What the rules see of the section so far, as of the statement being checked."""

    __slots__ = ("options", "schema", "section", "up_created", "runner_transaction", "explicit_transaction", "created",
                 "rebuilt_tables", "lock_timeout", "local_lock_timeout", "exclusive_tables", "not_valid_constraints",
                 "ddl_statements", "statement_is_ddl", "statement_text", "effect")

    def __init__(self, options: LintOptions, schema: Schema, section: str, up_created: Created,
                 runner_transaction: bool):
        self.options = options
        self.schema = schema
        self.section = section  # UP, DOWN or SQL
        self.up_created = up_created  # down sections: what the up section created
        self.runner_transaction = runner_transaction  # whether the runner wraps the section in a transaction
        self.explicit_transaction = False  # inside the file's own BEGIN ... COMMIT
        self.created = Created()
        # The tables the section rebuilds: a new copy, the rows copied, the old one dropped.
        self.rebuilt_tables: frozenset[str] = frozenset()
        self.lock_timeout = False  # a session-wide lock_timeout is set
        self.local_lock_timeout = False  # SET LOCAL lock_timeout, for the current transaction
        self.exclusive_tables: set[str] = set()  # held ACCESS EXCLUSIVE by the current transaction
        self.not_valid_constraints: set[str] = set()  # "table.constraint" added NOT VALID in it
        self.ddl_statements = 0  # DDL statements so far, this one included
        self.statement_is_ddl = False
        self.statement_text = ""  # the statement being checked, as written
        self.effect = NO_EFFECT  # its locks, rewrite and scan

    @property
    def dialect(self) -> str:
        return self.options.dialect

    @property
    def pg_version(self) -> int:
        return self.options.pg_version

    @property
    def in_transaction(self) -> bool:
        return self.runner_transaction or self.explicit_transaction

    @property
    def has_lock_timeout(self) -> bool:
        return self.lock_timeout or (self.local_lock_timeout and self.in_transaction)

    def is_new(self, table: Name) -> bool:
        """Whether the migration created the table before this statement - earlier in this section, or in
        the up section when this is the down - so that existing-table rules leave it alone."""
        return table.key in self.created.tables or (self.section == DOWN and table.key in self.up_created.tables)

    def actions_on_existing_table(self, statement: AlterTable, kinds) -> list:
        """The statement's actions of the given kinds, unless the migration created the table."""
        if self.is_new(statement.name):
            return []
        return [action for action in statement.actions if isinstance(action, kinds)]

    def up_created_column(self, table: Name, column: str) -> bool:
        return self.section == DOWN and (table.key in self.up_created.tables
                                         or (table.key, column) in self.up_created.columns)

    def reverses_up_rename(self, old: Name | str, new: Name | str, table: Name | None = None) -> bool:
        """Whether this down renames back what the up renamed (a table, or a column of `table`)."""
        if self.section != DOWN:
            return False
        if table is None:
            return (new.key, old.key) in self.up_created.renamed_tables
        return (table.key, new, old) in self.up_created.renamed_columns


@record
class SectionResult:
    analyses: list[StatementAnalysis]
    comment_findings: list[Finding]  # about the section's migrate:allow comments, not about a statement
    created: Created
    removals: list[Removal]
    schema: Schema  # as the section leaves it


def runs_in_transaction(statements: list[SqlStatement], transaction: bool, options: LintOptions) -> bool:
    """Whether the runner runs the section inside one transaction: MySQL never; elsewhere unless the file
    disables it or a statement cannot run in a transaction block."""
    database = engine(options.dialect)
    if not transaction:
        return False
    return not any(database.commits_implicitly(s.text) or database.runs_outside_transaction(s.text, options.pg_version)
                   for s in statements)


def active_rules(options: LintOptions, scope: str) -> tuple[Rule, ...]:
    return _active_rules(options.dialect, options.disabled, scope)


@functools.lru_cache(maxsize=None)
def _active_rules(dialect: str, disabled: frozenset[str], scope: str) -> tuple[Rule, ...]:
    """Once per run's options, not per section: the rules are all registered when lint is imported."""
    return tuple(rule for rule in RULES.values()
                 if rule.scope == scope and rule.applies_to(dialect) and rule.id not in disabled)


@functools.lru_cache(maxsize=None)
def _statement_rules(dialect: str, disabled: frozenset[str]) -> tuple[dict[type, tuple[Rule, ...]], tuple[Rule, ...]]:
    """The statement rules by the kind of statement they look at, and those that look at every statement."""
    by_kind: dict[type, list[Rule]] = {}
    every_statement = []
    for rule in _active_rules(dialect, disabled, STATEMENT):
        if not rule.statements:
            every_statement.append(rule)
        for kind in rule.statements:
            by_kind.setdefault(kind, []).append(rule)
    return {kind: tuple(rules) for kind, rules in by_kind.items()}, tuple(every_statement)


@functools.lru_cache(maxsize=None)
def _rules_for(dialect: str, disabled: frozenset[str], kind: type, action_kinds: frozenset[type]) -> tuple[Rule, ...]:
    """The statement rules to run on a statement of `kind` (an ALTER TABLE: with actions of `action_kinds`), once
    per run rather than once per statement: those that look at its kind or at every statement, less the ALTER TABLE
    rules that look at none of its actions."""
    by_kind, every_statement = _statement_rules(dialect, disabled)
    return tuple(rule for rule in (*by_kind.get(kind, ()), *every_statement)
                 if not (rule.actions and action_kinds and rule.actions.isdisjoint(action_kinds)))


def analyze_statements(statements: list[SqlStatement], options: LintOptions, *, file: str | None, schema: Schema,
                       runner_transaction: bool, allowances: Allowances, section: str = SQL,
                       up_created: Created | None = None) -> SectionResult:
    # Tokens, statements and findings are many small objects and no cycles: the cyclic garbage collector, which
    # would walk them again and again as they pile up (a tenth of a megabyte's lint), waits until the end.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyze_statements(statements, options, file=file, schema=schema, runner_transaction=runner_transaction,
                                   allowances=allowances, section=section, up_created=up_created)
    finally:
        if collecting:
            gc.enable()


def _analyze_statements(statements: list[SqlStatement], options: LintOptions, *, file: str | None, schema: Schema,
                        runner_transaction: bool, allowances: Allowances, section: str,
                        up_created: Created | None) -> SectionResult:
    context = Context(options, schema, section, up_created or Created(), runner_transaction)
    dialect, disabled = options.dialect, options.disabled
    lock_levels = engine(dialect).lock_levels
    analyses, removals = [], []
    parsed = [parse(raw.text, options.dialect) for raw in statements]
    context.rebuilt_tables = rebuilt_tables(parsed)
    for raw, statement in zip(statements, parsed):
        context.statement_text = raw.text
        _enter(context, statement)
        effect = statement_effect(statement, context.schema, options.pg_version)
        context.effect = effect if lock_levels else Effect(tables=effect.tables)
        kind = type(statement)
        action_kinds = frozenset(map(type, statement.actions)) if kind is AlterTable else _NO_ACTIONS
        hits = [(rule, hit) for rule in _rules_for(dialect, disabled, kind, action_kinds)
                for hit in rule.check(statement, context)]
        findings = tuple(_finding(rule, hit, file, raw.line, raw.text, context.effect) for rule, hit in hits
                         if not allowances.allowed(rule.id, raw.line, raw.text)) if hits else ()
        analyses.append(StatementAnalysis(raw.text, raw.line, context.effect.lock, context.effect.rewrites,
                                          context.effect.scans, tuple(name.written for name in effect.tables),
                                          findings, tuple(effect.tables)))
        removals.extend(_removals(statement, context, raw))
        _learn(context, statement)
    return SectionResult(analyses, comment_findings(allowances, options, file), context.created, removals,
                         context.schema)


def comment_findings(allowances: Allowances, options: LintOptions, file: str | None) -> list[Finding]:
    """The findings on a section's migrate:allow comments themselves: they depend on no statement."""
    return [_finding(rule, hit, file, hit.line, hit.statement, NO_EFFECT)
            for rule in active_rules(options, COMMENTS) for hit in rule.check(allowances)]


def rebuilt_tables(statements: list[Statement]) -> frozenset[str]:
    """The tables a section rebuilds the way SQLite's documentation prescribes (and references/sqlite-alter.md
    shows): CREATE TABLE new, INSERT INTO new ... SELECT (the rows copied), DROP TABLE old, then the new table
    renamed to the old name. The table lives on with its rows: the drop is a step of the rebuild, not a loss."""
    created, copied, dropped, rebuilt = set(), set(), set(), set()
    for statement in statements:
        if isinstance(statement, CreateTable):
            created.add(statement.name.key)
        elif isinstance(statement, DataChange) and statement.verb == "INSERT" and statement.from_query:
            copied.add(statement.table.key)
        elif isinstance(statement, DropTable):
            dropped.update(name.key for name in statement.names)
        renames = ()
        if isinstance(statement, AlterTable):
            renames = [(statement.name, action.new) for action in statement.actions if isinstance(action, RenameTable)]
        elif isinstance(statement, RenameTables):
            renames = statement.pairs
        for new, old in renames:
            if new.key in created and new.key in copied and old.key in dropped:
                rebuilt.add(old.key)
    return frozenset(rebuilt)


def migration_findings(facts: MigrationFacts, options: LintOptions, file: str | None,
                       allowances: Allowances) -> list[Finding]:
    findings = []
    for rule in active_rules(options, MIGRATION):
        for hit in rule.check(facts):
            if not allowances.allowed(rule.id, hit.line or 0, hit.statement or ""):
                findings.append(_finding(rule, hit, file, hit.line, hit.statement, NO_EFFECT))
    return findings


def _finding(rule: Rule, hit: Hit, file: str | None, line: int | None, statement: str | None,
             effect: Effect) -> Finding:
    return Finding(rule.id, rule.severity, file, hit.line or line, hit.statement or statement, hit.message,
                   hit.safe_alternative or rule.safe_alternative, effect.lock, effect.rewrites, effect.scans)


def is_ddl(statement: Statement) -> bool:
    """A statement the mysql-multiple-ddl rule counts."""
    return isinstance(statement, _DDL_STATEMENTS) or (isinstance(statement, Other) and statement.verb.startswith(_DDL_VERBS))


def _enter(context: Context, statement: Statement) -> None:
    """State changes that take effect as the statement starts: transaction blocks, the DDL count."""
    if isinstance(statement, TransactionControl):
        if statement.action == "begin":
            context.explicit_transaction = True
        else:
            context.explicit_transaction = False
            _end_transaction(context)
    context.statement_is_ddl = is_ddl(statement)
    if context.statement_is_ddl:
        context.ddl_statements += 1


def _end_transaction(context: Context) -> None:
    context.local_lock_timeout = False
    context.exclusive_tables.clear()
    context.not_valid_constraints.clear()


def _learn(context: Context, statement: Statement) -> None:
    """State changes the statement leaves behind, for the statements after it."""
    if context.in_transaction:
        context.exclusive_tables.update(name.key for name in context.effect.exclusive)
    if isinstance(statement, SetSetting) and statement.name == "lock_timeout":
        enabled = statement.value is not None and statement.value.strip() not in ("0", "")
        if statement.local:
            context.local_lock_timeout = enabled and context.in_transaction
        else:
            context.lock_timeout = enabled
    elif isinstance(statement, CreateTable):
        context.created.tables.add(statement.name.key)
    elif isinstance(statement, RenameTables):
        for old, new in statement.pairs:
            _learn_table_rename(context.created, old, new)
    elif isinstance(statement, AlterTable):
        for action in statement.actions:
            if isinstance(action, AddColumn):
                context.created.columns.add((statement.name.key, action.column.name))
            elif isinstance(action, RenameTable):
                _learn_table_rename(context.created, statement.name, action.new)
            elif isinstance(action, RenameColumn):
                context.created.renamed_columns.add((statement.name.key, action.old, action.new))
            elif (isinstance(action, AddConstraint) and action.constraint.not_valid and action.constraint.name
                  and context.in_transaction):
                context.not_valid_constraints.add(f"{statement.name.key}.{action.constraint.name}")
            elif isinstance(action, ValidateConstraint):
                context.not_valid_constraints.discard(f"{statement.name.key}.{action.name}")
    if not context.runner_transaction and not context.explicit_transaction:
        _end_transaction(context)
    context.schema.learn(statement)


def _learn_table_rename(created: Created, old: Name, new: Name) -> None:
    created.renamed_tables.add((old.key, new.key))
    if old.key in created.tables:
        created.tables.add(new.key)


def _removals(statement: Statement, context: Context, raw: SqlStatement) -> Iterable[Removal]:
    if context.section == DOWN:
        return
    if isinstance(statement, DropTable):
        for name in statement.names:
            if not context.is_new(name) and name.key not in context.rebuilt_tables:
                yield Removal(f"table {name.written}", raw.line, raw.text)
    elif isinstance(statement, AlterTable) and not context.is_new(statement.name):
        for action in statement.actions:
            if isinstance(action, DropColumn) and (statement.name.key, action.column) not in context.created.columns:
                yield Removal(f"column {statement.name.written}.{action.column}", raw.line, raw.text)
