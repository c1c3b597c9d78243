"""The linter's results: findings, the analysis of each statement, and the options of a run."""

from __future__ import annotations

from ..records import record

from ..engines import DIALECTS  # noqa: F401  (the registry's default: every engine)

SAFE, CAUTION, RISKY, ERROR = "safe", "caution", "risky", "error"
SEVERITIES = (SAFE, CAUTION, RISKY, ERROR)  # least severe first

POSTGRES, MYSQL, SQLITE = "postgres", "mysql", "sqlite"  # the rules name the engines they apply to
DEFAULT_PG_VERSION = 15
PG_VERSIONS = range(9, 19)  # the PostgreSQL majors whose behaviour the rules know


@record
class Finding:
    rule: str  # stable id, e.g. "rename-column"
    severity: str  # "caution" | "risky" | "error"
    file: str | None  # as given / relative path; None for stdin
    line: int | None  # file line of the statement (None for migration-level findings without one)
    statement: str | None
    message: str
    safe_alternative: str
    lock: str | None = None  # PostgreSQL: the strongest lock the statement takes on a table
    rewrites: bool = False  # the statement rewrites the table
    scans: bool = False  # the statement scans the table while holding its lock


@record
class StatementAnalysis:
    text: str
    line: int
    lock: str | None  # strongest PostgreSQL lock the statement takes, e.g. "ACCESS EXCLUSIVE"; None if unknown/none
    rewrites: bool  # rewrites the table
    scans: bool  # scans the table while holding the lock
    tables: tuple[str, ...]  # tables it touches, as written (schema-qualified if written so)
    findings: tuple[Finding, ...]
    table_names: tuple = ()  # the same tables as parsed (lint.syntax.Name), for whoever reads them further

    @property
    def risk(self) -> str:
        """"safe" | "caution" | "risky" | "error": the highest finding severity."""
        return max((finding.severity for finding in self.findings), key=SEVERITIES.index, default=SAFE)


@record
class LintOptions:
    dialect: str = POSTGRES
    pg_version: int = DEFAULT_PG_VERSION
    disabled: frozenset[str] = frozenset()


def at_or_above(severity: str, threshold: str) -> bool:
    return SEVERITIES.index(severity) >= SEVERITIES.index(threshold)
