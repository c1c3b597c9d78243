"""How lint findings are shown: text for people, JSON (design section 6), GitHub workflow annotations and
SARIF 2.1.0 for code scanning. Used by `lint` and by `up`, which lints what it is about to apply."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from .framework_alternatives import framework_alternative
from ..excerpts import sql_excerpt

STDIN = "-"
_LEVELS = {"caution": "warning", "risky": "error", "error": "error"}  # GitHub and SARIF levels
_STATEMENT_WIDTH = 160


def shown_file(finding, settings) -> str:
    if not finding.file:
        return STDIN
    key = (settings.base_dir, finding.file)
    shown = _SHOWN.get(key)
    if shown is None:  # once per file: a thousand findings of one file make a Path once
        shown = _SHOWN[key] = settings.relative(Path(finding.file))
    return shown


_SHOWN: dict[tuple[Path, str], str] = {}  # (base directory, file) -> the file as shown


def location(finding, settings) -> str:
    return f"{shown_file(finding, settings)}:{finding.line}" if finding.line else shown_file(finding, settings)


def effects(finding) -> str:
    """'lock: ACCESS EXCLUSIVE, rewrites the table' (PostgreSQL), or ''."""
    if finding.lock is None:
        return ""
    words = [f"lock: {finding.lock}"]
    if finding.rewrites:
        words.append("rewrites the table")
    elif finding.scans:
        words.append("scans the table")
    return ", ".join(words)


def text_block(finding, settings, tool: str | None = None) -> list[str]:
    lines = [f"{location(finding, settings)}: {finding.severity} {finding.rule}: {finding.message}"]
    if finding.statement:
        lines.append(f"    statement: {sql_excerpt(finding.statement, _STATEMENT_WIDTH)}")
    if effects(finding):
        lines.append(f"    {effects(finding)}")
    alternative = finding.safe_alternative.splitlines()
    lines.append(f"    safe alternative: {alternative[0]}")
    lines.extend(f"      {line}" for line in alternative[1:])
    in_framework = framework_alternative(finding.rule, tool)
    if in_framework:
        lines.append(f"    in {tool}: {in_framework}")
    return lines


def short_line(finding, settings) -> str:
    """One line per finding, for `up`."""
    return f"lint: {location(finding, settings)}: {finding.severity} {finding.rule}: {finding.message}"


def finding_document(finding, settings, tool: str | None = None) -> dict:
    document = {
        "rule": finding.rule,
        "severity": finding.severity,
        "file": shown_file(finding, settings),
        "line": finding.line,
        "statement": finding.statement,
        "message": finding.message,
        "safe_alternative": finding.safe_alternative,
        "lock": finding.lock,
        "rewrites": finding.rewrites,
        "scans": finding.scans,
    }
    if tool:
        document["tool"] = tool
        document["framework_alternative"] = framework_alternative(finding.rule, tool)
    return document


def github_annotations(findings, settings, tool_of=lambda finding: None) -> str:
    lines = []
    for finding in findings:
        properties = [f"title={_escape_property(f'{finding.rule} ({finding.severity})')}"]
        if finding.file:
            properties.insert(0, f"file={_escape_property(shown_file(finding, settings))}")
            if finding.line:
                properties.insert(1, f"line={finding.line}")
        message = f"{finding.message}\nSafe alternative: {finding.safe_alternative}"
        in_framework = framework_alternative(finding.rule, tool_of(finding))
        if in_framework:
            message += f"\nIn {tool_of(finding)}: {in_framework}"
        lines.append(f"::{_LEVELS[finding.severity]} {','.join(properties)}::{_escape_data(message)}")
    return "\n".join(lines)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def sarif_document(findings, rules, settings) -> dict:
    """SARIF 2.1.0: one run, the rules as the tool's rules, each finding a result."""
    rule_ids = list(rules)
    results = []
    for finding in findings:
        result = {
            "ruleId": finding.rule,
            "ruleIndex": rule_ids.index(finding.rule),
            "level": _LEVELS[finding.severity],
            "message": {"text": f"{finding.message}\nSafe alternative: {finding.safe_alternative}"},
            "properties": {"severity": finding.severity, "lock": finding.lock, "rewrites": finding.rewrites,
                           "scans": finding.scans},
        }
        if finding.file:
            region = {"startLine": finding.line} if finding.line else {}
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": Path(shown_file(finding, settings)).as_posix()}, **(
                    {"region": region} if region else {})}}]
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dk migrate",
                "version": __version__,
                "rules": [{
                    "id": rule.id,
                    "name": rule.id,
                    "shortDescription": {"text": rule.summary},
                    "fullDescription": {"text": rule.why},
                    "help": {"text": f"Safe alternative: {rule.safe_alternative}"},
                    "defaultConfiguration": {"level": _LEVELS[rule.severity]},
                    "properties": {"severity": rule.severity, "dialects": sorted(rule.dialects)},
                } for rule in rules.values()],
            }},
            "results": results,
        }],
    }
