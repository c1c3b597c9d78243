"""Suppressions: `-- migrate:allow <rule-id> <reason>`.

On the lines directly above a statement (or in a comment inside it) the comment allows that rule for that
statement; in the comments at the top of the file, before its first statement, it allows the rule for the
whole file. A suppression needs a reason, kept in the file for the next reader: one without a reason, or
naming no known rule, allows nothing and is reported by the invalid-allow rule.
"""

from __future__ import annotations

import re
from ..records import record

_DIRECTIVE = re.compile(r"--[ \t]*migrate:allow\b[ \t]*(?P<rule>[^\s]*)[ \t]*(?P<reason>[^\r\n]*)")


@record
class Allow:
    rule: str
    reason: str
    line: int  # file line of the comment
    text: str  # the comment as written


class Allowances:
    """The migrate:allow comments of one section of a file, and of that file's header."""

    def __init__(self, sql: str, first_line: int, header: str, header_first_line: int, known_rules):
        self._first_line = first_line
        self._lines = sql.split("\n")
        self._known_rules = known_rules
        self.file_wide = _directives(header, header_first_line)
        self._by_line: dict[int, list[Allow]] = {}
        for allow in _directives(sql, first_line):
            self._by_line.setdefault(allow.line, []).append(allow)

    @property
    def all(self) -> list[Allow]:
        """Every directive, each once (the header and a section may share lines)."""
        unique = {allow.line: allow for allow in self.file_wide}
        for allows in self._by_line.values():
            unique.update((allow.line, allow) for allow in allows)
        return [unique[line] for line in sorted(unique)]

    def knows(self, rule: str) -> bool:
        return rule in self._known_rules

    def is_valid(self, allow: Allow) -> bool:
        return bool(allow.reason) and self.knows(allow.rule)

    def allowed(self, rule: str, line: int, text: str) -> bool:
        """Whether `rule` is allowed for the statement of `text` that starts on file line `line`."""
        if any(allow.rule == rule and self.is_valid(allow) for allow in self.file_wide):
            return True
        if not self._by_line:
            return False
        lines = list(range(line, line + text.count("\n") + 1))
        above = line - 1
        while self._is_comment_line(above):
            lines.append(above)
            above -= 1
        return any(allow.rule == rule and self.is_valid(allow)
                   for number in lines for allow in self._by_line.get(number, ()))

    def _is_comment_line(self, line: int) -> bool:
        index = line - self._first_line
        return 0 <= index < len(self._lines) and self._lines[index].lstrip().startswith("--")


def _directives(text: str, first_line: int) -> list[Allow]:
    if "migrate:allow" not in text:
        return []
    directives = []
    for index, line in enumerate(text.split("\n")):
        match = _DIRECTIVE.search(line)
        if match:
            directives.append(Allow(match["rule"], match["reason"].strip(), first_line + index, match.group().strip()))
    return directives


_HEADER = re.compile(r"(?:[ \t]*(?:--[^\n]*)?(?:\n|\Z))*")


def header_of(text: str) -> str:
    """The comment and blank lines at the top of a file, before its first statement."""
    return _HEADER.match(text).group()
