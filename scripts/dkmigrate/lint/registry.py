"""The rule registry. Each rule is a unit - its id, severity, the dialects it applies to, its documentation
(what it flags, why that is a hazard, the safe alternative) and its check - registered by the @rule
decorator in its module under lint/rules. The engine runs whatever is registered.

A statement rule's check receives the parsed statement and the analysis context (lint.analysis.Context)
and yields a Hit for each hazard; a migration rule's check receives lint.analysis.MigrationFacts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from ..records import record

from .findings import DIALECTS, SEVERITIES

STATEMENT, MIGRATION, COMMENTS = "statement", "migration", "comments"


@record
class Hit:
    message: str
    safe_alternative: str | None = None  # None: the rule's own
    line: int | None = None  # migration and comment rules: where the hazard is
    statement: str | None = None


@record
class Rule:
    id: str
    severity: str
    summary: str  # what it flags, in one line
    why: str  # the hazard
    safe_alternative: str  # in general terms; a hit may spell it out for its statement
    dialects: frozenset[str]
    scope: str  # STATEMENT, MIGRATION or COMMENTS
    statements: tuple[type, ...]  # statement rules: the statement kinds the check looks at (none: all of them)
    actions: frozenset[type]  # ALTER TABLE rules: the action kinds the check looks at (none: all of them)
    check: Callable[..., Iterable[Hit]]

    def applies_to(self, dialect: str) -> bool:
        return dialect in self.dialects  # the rule list is data: a rule names the engines it checks


RULES: dict[str, Rule] = {}


def rule(id: str, severity: str, *, summary: str, why: str, safe_alternative: str, statements: tuple[type, ...] = (),
         actions: tuple[type, ...] = (), dialects: Iterable[str] = DIALECTS, scope: str = STATEMENT):
    if severity not in SEVERITIES[1:]:
        raise ValueError(f"rule {id}: unknown severity {severity!r}")
    if id in RULES:
        raise ValueError(f"rule {id} is registered twice")

    def register(check: Callable[..., Iterable[Hit]]):
        RULES[id] = Rule(id, severity, summary, why, safe_alternative, frozenset(dialects), scope, statements,
                         frozenset(actions), check)
        return check

    return register
