"""Helpers for the linter's rule tests: lint a piece of SQL and get the rule ids it triggers."""

import textwrap
from pathlib import Path

from dkmigrate.catalogue.model import Migration, Section
from dkmigrate.lint import LintOptions, Linter, lint_migration, lint_sql

# Rules most statements trigger; the rule modules leave them out unless they test them.
NOISE = frozenset({"missing-lock-timeout"})


def findings(sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE):
    return lint_sql(textwrap.dedent(sql).strip(), LintOptions(dialect, pg_version, frozenset(quiet)))


def rules(sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE) -> list[str]:
    """The ids of the findings, in file order."""
    return [finding.rule for finding in findings(sql, dialect, pg_version, quiet)]


def migration(up: str, down: str | None = "", up_transaction: bool = True, file: str = "1_change.sql") -> Migration:
    path = Path(file)
    down_section = None if down is None else Section(textwrap.dedent(down).strip(), path, 10)
    return Migration("1", "change", "1_change", Section(textwrap.dedent(up).strip(), path, 2, up_transaction),
                     down_section)


def migration_rules(up: str, down: str | None = "", dialect: str = "postgres", pg_version: int = 15,
                    quiet=NOISE, up_transaction: bool = True) -> list[str]:
    found = lint_migration(migration(up, down, up_transaction), LintOptions(dialect, pg_version, frozenset(quiet)))
    return [finding.rule for finding in found]


def findings_after(earlier: str, sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE):
    """The findings of `sql` as a migration applied after one made of `earlier` (which the linter learns)."""
    linter = Linter(LintOptions(dialect, pg_version, frozenset(quiet)))
    linter.learn(migration(earlier, None, file="1_earlier.sql"))
    return linter.lint(migration(sql, "", file="2_change.sql"))


def rules_after(earlier: str, sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE) -> list[str]:
    return [finding.rule for finding in findings_after(earlier, sql, dialect, pg_version, quiet)]
