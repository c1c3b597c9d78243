"""Helpers for the linter's rule tests: lint a piece of SQL and get the rule ids it triggers.

Every helper fails the test when the linter could not read a statement (an unparsed-statement finding),
unless the test says `readable=False`: a case that expects no finding must prove the statement was read,
not skipped.
"""

import textwrap
from pathlib import Path

from dkmigrate.catalogue.model import Migration, Section
from dkmigrate.lint import LintOptions, Linter, lint_migration, lint_sql

# Rules most statements trigger; the rule modules leave them out unless they test them.
NOISE = frozenset({"missing-lock-timeout"})
UNPARSED = "unparsed-statement"


def _options(dialect: str, pg_version: int, quiet) -> LintOptions:
    return LintOptions(dialect, pg_version, frozenset(quiet) - {UNPARSED})


def _read(found, quiet, readable: bool):
    """The findings, after making sure every statement was read (when `readable`)."""
    unread = [finding.statement for finding in found if finding.rule == UNPARSED]
    if readable and unread:
        raise AssertionError(f"the linter could not read: {unread}")
    return [finding for finding in found if finding.rule not in quiet]


def findings(sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE, readable: bool = True):
    found = lint_sql(textwrap.dedent(sql).strip(), _options(dialect, pg_version, quiet))
    return _read(found, quiet, readable)


def rules(sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE, readable: bool = True) -> list[str]:
    """The ids of the findings, in file order."""
    return [finding.rule for finding in findings(sql, dialect, pg_version, quiet, readable)]


def migration(up: str, down: str | None = "", up_transaction: bool = True, file: str = "1_change.sql") -> Migration:
    path = Path(file)
    down_section = None if down is None else Section(textwrap.dedent(down).strip(), path, 10)
    return Migration("1", "change", "1_change", Section(textwrap.dedent(up).strip(), path, 2, up_transaction),
                     down_section)


def migration_rules(up: str, down: str | None = "", dialect: str = "postgres", pg_version: int = 15,
                    quiet=NOISE, up_transaction: bool = True, readable: bool = True) -> list[str]:
    found = lint_migration(migration(up, down, up_transaction), _options(dialect, pg_version, quiet))
    return [finding.rule for finding in _read(found, quiet, readable)]


def findings_after(earlier: str, sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE,
                   readable: bool = True):
    """The findings of `sql` as a migration applied after one made of `earlier` (which the linter learns)."""
    linter = Linter(_options(dialect, pg_version, quiet))
    earlier_migration = migration(earlier, None, file="1_earlier.sql")
    if readable:
        _read(linter.lint(earlier_migration), quiet, readable)
    linter.learn(earlier_migration)
    return _read(linter.lint(migration(sql, "", file="2_change.sql")), quiet, readable)


def rules_after(earlier: str, sql: str, dialect: str = "postgres", pg_version: int = 15, quiet=NOISE,
                readable: bool = True) -> list[str]:
    return [finding.rule for finding in findings_after(earlier, sql, dialect, pg_version, quiet, readable)]
