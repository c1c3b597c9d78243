"""The linter's results: findings, the analysis of each statement, and the options of a run."""

from __future__ import annotations

from collections import namedtuple

from ..engines import DIALECTS  # noqa: F401  (the registry's default: every engine)

SAFE, CAUTION, RISKY, ERROR = "safe", "caution", "risky", "error"
SEVERITIES = (SAFE, CAUTION, RISKY, ERROR)  # least severe first

POSTGRES, MYSQL, SQLITE = "postgres", "mysql", "sqlite"  # the rules name the engines they apply to
DEFAULT_PG_VERSION = 15
PG_VERSIONS = range(9, 19)  # the PostgreSQL majors whose behaviour the rules know


# Records as tuples: every statement linted makes one, and the linter is imported at start-up, where tuples cost a
# fraction of dataclasses.

class Finding(namedtuple("Finding", "rule severity file line statement message safe_alternative lock rewrites scans",
                         defaults=(None, False, False))):
    """rule: stable id, e.g. "rename-column"; severity: "caution" | "risky" | "error"; file: as given / relative
    path, None for stdin; line: file line of the statement (None for migration-level findings without one);
    lock: PostgreSQL, the strongest lock the statement takes on a table; rewrites: the statement rewrites the table;
    scans: it scans the table while holding its lock."""

    __slots__ = ()


class StatementAnalysis(namedtuple("StatementAnalysis", "text line lock rewrites scans tables findings table_names",
                                   defaults=((),))):
    """lock: the strongest PostgreSQL lock the statement takes, e.g. "ACCESS EXCLUSIVE" (None if unknown or none);
    rewrites: it rewrites the table; scans: it scans the table while holding the lock; tables: the tables it touches,
    as written (schema-qualified if written so); findings: Finding; table_names: the same tables as parsed
    (lint.syntax.Name), for whoever reads them further."""

    __slots__ = ()

    @property
    def risk(self) -> str:
        """"safe" | "caution" | "risky" | "error": the highest finding severity."""
        return max((finding.severity for finding in self.findings), key=SEVERITIES.index, default=SAFE)


class LintOptions(namedtuple("LintOptions", "dialect pg_version disabled",
                             defaults=(POSTGRES, DEFAULT_PG_VERSION, frozenset()))):
    """disabled: the ids of the rules not to run."""

    __slots__ = ()


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
