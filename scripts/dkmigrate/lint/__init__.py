"""The safety linter: finds the statements of a migration that would lock, rewrite or break a production
database, or fail, and spells out the safe way to do the same thing (design section 7).

    options = LintOptions(dialect="postgres", pg_version=15)
    findings = lint_migration(migration, options)      # up, down and the migration as a whole
    findings = lint_sql("ALTER TABLE ...", options)    # SQL from anywhere (stdin, other tools)
    analyses = analyze_section(migration.up, options)  # per statement: lock, rewrite, scan, findings

Linter lints migrations in order, learning the schema each one leaves (column types, validated CHECKs), so
that a later migration is judged against what the earlier ones built. The rules live in lint/rules, one
module per rule or small group, registered in lint.registry.RULES.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from ..records import record

from ..batching import batched_statements
from ..sqlsplit import split_statements
from . import rules  # noqa: F401  (registers every rule)
from .allow import Allowances, header_of
from .analysis import (
    DOWN, UP, MigrationFacts, SectionResult, analyze_statements, comment_findings, migration_findings,
    runs_in_transaction,
)
from .findings import (
    CAUTION, DIALECTS, ERROR, RISKY, SAFE, SEVERITIES, Finding, LintOptions, StatementAnalysis, at_or_above,
)
from .parser import parse
from .registry import RULES, Rule
from .schema import Schema

__all__ = [
    "CAUTION", "DIALECTS", "ERROR", "RISKY", "RULES", "SAFE", "SEVERITIES", "Finding", "Linter", "LintOptions",
    "MigrationAnalysis", "Rule", "Schema", "StatementAnalysis", "analyze_migrations", "analyze_section", "analyze_sql",
    "each_analysis", "each_up_findings",
    "at_or_above", "lint_migration", "lint_sql",
]


@record
class MigrationAnalysis:
    up: list[StatementAnalysis]
    down: list[StatementAnalysis] | None  # None: the migration has no down section
    findings: list[Finding]  # all of them: statements', comments' and the migration's, in file order

    @property
    def up_findings(self) -> list[Finding]:
        """What matters when applying it: every finding but those on down statements."""
        on_down = {finding for statement in self.down or () for finding in statement.findings}
        return [finding for finding in self.findings if finding not in on_down]


class Linter:
    """Lints migrations in version order, learning the schema each one leaves behind."""

    def __init__(self, options: LintOptions, schema: Schema | None = None):
        self.options = options
        self.schema = schema or Schema()

    def learn(self, migration) -> None:
        """Takes in what a migration builds, without linting it (an earlier, already applied one)."""
        for statement in migration.up.statements(self.options.dialect):
            self.schema.learn(parse(statement.text, self.options.dialect))

    def analyze(self, migration) -> MigrationAnalysis:
        options = self.options
        up, up_allowances = self._up(migration)
        down = None
        if migration.down is not None:
            down_statements = migration.down.statements(options.dialect)
            down = analyze_statements(
                down_statements, options, file=str(migration.down.file), schema=self.schema.fork(),
                runner_transaction=runs_in_transaction(down_statements, _one_transaction(migration.down, options),
                                                       options),
                allowances=_allowances(migration.down), section=DOWN, up_created=up.created)
        findings = self._findings(migration, up, up_allowances, _findings_of(down) if down else [])
        return MigrationAnalysis(up.analyses, down.analyses if down else None, findings)

    def up_findings(self, migration) -> list[Finding]:
        """analyze(migration).up_findings, without reading the down section's statements: applying a migration
        runs none of them, and the findings of its down that remain (those on its migrate:allow comments) are read
        from the comments alone."""
        up, up_allowances = self._up(migration)
        down = migration.down
        down_findings = []
        if down is not None:
            batched_statements(down, self.options.dialect)  # a bad directive refuses the lint, as analyze does
            down_findings = comment_findings(_allowances(down), self.options, str(down.file))
        return self._findings(migration, up, up_allowances, down_findings)

    def _up(self, migration) -> tuple[SectionResult, Allowances]:
        """The up section analysed against what the earlier migrations built, which it then builds on."""
        options = self.options
        section = migration.up
        statements = section.statements(options.dialect)
        allowances = _allowances(section)
        return analyze_statements(
            statements, options, file=str(section.file), schema=self.schema,
            runner_transaction=runs_in_transaction(statements, _one_transaction(section, options), options),
            allowances=allowances, section=UP), allowances

    def _findings(self, migration, up: SectionResult, up_allowances: Allowances, down_findings: list[Finding]
                  ) -> list[Finding]:
        """Every finding of the migration, in file order: its up's, `down_findings`, the migration's as a whole."""
        facts = MigrationFacts(has_down=migration.down is not None, removals=tuple(up.removals))
        findings = _findings_of(up) + down_findings
        findings += migration_findings(facts, self.options, str(migration.up.file), up_allowances)
        files = [str(section.file) for section in (migration.up, migration.down) if section is not None]
        return _in_file_order(findings, files)

    def lint(self, migration) -> list[Finding]:
        return self.analyze(migration).findings


def analyze_section(section, options: LintOptions, in_transaction: bool | None = None,
                    schema: Schema | None = None) -> list[StatementAnalysis]:
    """Each statement of a section with its lock, rewrite, scan and findings.

    `in_transaction` None: as the runner would run the section (in a transaction unless the file disables it
    or a statement cannot run in one); True or False to say otherwise. `schema`: what earlier migrations built
    (it is not changed).
    """
    statements = section.statements(options.dialect)
    if in_transaction is None:
        in_transaction = runs_in_transaction(statements, _one_transaction(section, options), options)
    return analyze_statements(statements, options, file=str(section.file), schema=(schema or Schema()).fork(),
                              runner_transaction=in_transaction, allowances=_allowances(section)).analyses


def analyze_migrations(migrations, options: LintOptions, selected=None) -> list[MigrationAnalysis]:
    """Analyses the `selected` migrations (all when None) of a directory's `migrations`, in version order;
    the others only teach the linter the schema they build."""
    return list(each_analysis(migrations, options, selected))


def each_analysis(migrations, options: LintOptions, selected=None) -> Iterator[MigrationAnalysis]:
    """analyze_migrations one at a time: a caller that keeps only some of each analysis holds one at a time. The
    statements the runner will not ask for again (a down section's; an up section only learnt from, of a migration
    already applied) are not kept in their sections."""
    for linter, migration in _each_selected(migrations, options, selected):
        yield linter.analyze(migration)
        if migration.down is not None:
            migration.down.forget_statements()


def each_up_findings(migrations, options: LintOptions, selected) -> Iterator[list[Finding]]:
    """The findings on applying each of the `selected` migrations (MigrationAnalysis.up_findings), one list at a
    time, their down sections' statements never read."""
    for linter, migration in _each_selected(migrations, options, selected):
        yield linter.up_findings(migration)


def _each_selected(migrations, options: LintOptions, selected) -> Iterator[tuple[Linter, object]]:
    """Each selected migration (all when None), with a linter that learnt what the migrations before it built;
    an up section only learnt from (of a migration already applied) does not keep its statements."""
    linter = Linter(options)
    wanted = _in_order(migrations, selected)
    for migration in migrations:
        if not wanted:
            break
        if migration is wanted[0]:
            yield linter, wanted.popleft()
        else:
            linter.learn(migration)
            migration.up.forget_statements()


def _in_order(migrations, selected) -> deque:
    """The selected migrations (all when None) in the order of `migrations` (the set that finds them is let go at
    once: it is as large as the selection, and linting builds up a schema meanwhile)."""
    chosen = None if selected is None else {id(migration) for migration in selected}
    return deque(migration for migration in migrations if chosen is None or id(migration) in chosen)


def lint_migration(migration, options: LintOptions) -> list[Finding]:
    return Linter(options).lint(migration)


def analyze_sql(sql: str, options: LintOptions, file: str | None = None, first_line: int = 1) -> MigrationAnalysis:
    """Analyses SQL that is not a migration file (stdin, another tool's output) as one up section."""
    statements = split_statements(sql, options.dialect, first_line)
    allowances = Allowances(sql, first_line, header_of(sql), first_line, RULES)
    result = analyze_statements(statements, options, file=file, schema=Schema(), allowances=allowances,
                                runner_transaction=runs_in_transaction(statements, True, options))
    return MigrationAnalysis(result.analyses, None, _in_file_order(_findings_of(result)))


def lint_sql(sql: str, options: LintOptions, file: str | None = None, first_line: int = 1) -> list[Finding]:
    return analyze_sql(sql, options, file, first_line).findings


def _one_transaction(section, options: LintOptions) -> bool:
    """Whether the section may run as one transaction: not when the file says so, nor with a batched statement
    (the runner then runs it statement by statement, each batch committing). A bad `-- migrate:batch` refuses
    the lint (CatalogueError, exit 2)."""
    return section.transaction and not batched_statements(section, options.dialect)


def _allowances(section) -> Allowances:
    try:
        text = section.file.read_text(encoding="utf-8-sig")
        header, header_first_line = header_of(text), 1
    except (OSError, UnicodeDecodeError):
        header, header_first_line = header_of(section.sql), section.first_line
    return Allowances(section.sql, section.first_line, header, header_first_line, RULES)


def _findings_of(result: SectionResult) -> list[Finding]:
    return [finding for analysis in result.analyses for finding in analysis.findings] + result.comment_findings


def _in_file_order(findings: list[Finding], files: list[str] = ()) -> list[Finding]:
    """By line, the up file's findings before the down file's (when they are two files)."""
    unique = list(dict.fromkeys(findings))  # a file's header comments are seen by both of its sections
    order = {file: index for index, file in enumerate(files)}
    return sorted(unique, key=lambda finding: (order.get(finding.file, 0), finding.line or 0))
