"""`migrate lint`: the safety linter over pending migrations, given files, or SQL on stdin."""

import argparse
import gc

from ... import operations
from ...engines import DIALECTS, engine
from ...errors import UsageError
from ..findings import STDIN, finding_document, github_annotations, sarif_document, text_block

NAME = "lint"
HELP = "flag unsafe statements (locks, rewrites, breaking changes) and spell out the safe alternative"
FORMATS = ("text", "json", "github", "sarif")
THRESHOLDS = ("caution", "risky", "error")


def pg_version(text: str) -> int:
    from ...lint.findings import PG_VERSIONS

    if not text.isdigit() or int(text) not in PG_VERSIONS:
        raise argparse.ArgumentTypeError(f"must be a PostgreSQL major version from {PG_VERSIONS[0]} to "
                                         f"{PG_VERSIONS[-1]}, not '{text}'")
    return int(text)


def tool_name(text: str) -> str:
    from ...detect.tools import TOOLS

    def key(name: str) -> str:
        return "".join(character for character in name.lower() if character.isalnum())

    names = {key(tool.name): tool.name for tool in TOOLS}
    if key(text) not in names:
        choices = ", ".join(sorted(tool.slug for tool in TOOLS))
        raise argparse.ArgumentTypeError(f"must be one of {choices}, not '{text}'")
    return names[key(text)]


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="migration or SQL files, or - to read SQL from stdin (default: the pending migrations)")
    parser.add_argument("--all", action="store_true", help="lint every migration, applied or not")
    parser.add_argument("--dialect", choices=DIALECTS,
                        help="SQL dialect (default: the database URL's, postgres when none is configured)")
    parser.add_argument("--pg-version", type=pg_version, metavar="N",
                        help="PostgreSQL major version to judge against (default: lint.pg_version in migrate.yaml, "
                             "else the server's when lint connects to it, else 15)")
    parser.add_argument("--severity", choices=THRESHOLDS, default="caution",
                        help="exit 1 when a finding is at least this severe (default: caution)")
    parser.add_argument("--rules", action="store_true", help="list the rules, with what each flags, and exit")
    parser.add_argument("--offline", action="store_true",
                        help="do not connect to the database: lint every migration (without it, a database that "
                             "cannot be reached is exit 3)")
    parser.add_argument("--changed-since", metavar="REF",
                        help="lint only the migrations added or changed since a git ref (what a pull request adds)")
    parser.add_argument("--tool", type=tool_name, metavar="NAME",
                        help="the migration tool that generated the SQL (django, rails, alembic, ...): findings then "
                             "also name that tool's own safe form")


def run(args, settings, out) -> int:
    # The lint's statements, analyses and findings are many small objects and no cycles (lint.analysis): the cyclic
    # garbage collector, which would walk them all again as the report is written, waits until they are freed.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, settings, out)
    finally:
        if collecting:
            gc.enable()


def _run(args, settings, out) -> int:
    from ...lint import RULES, SEVERITIES, at_or_above

    if args.rules:
        return _list_rules(RULES, out)
    if args.all and args.files:
        raise UsageError("--all lints every migration of the directory; it does not go with FILE arguments")
    if args.changed_since is not None and (args.files or args.all):
        raise UsageError("--changed-since chooses the migrations itself; it does not go with FILE arguments or --all")
    files = [file for file in args.files if file != STDIN]
    stdin_sql = out.stdin.read() if STDIN in args.files else None
    report = operations.lint(settings, files=files, stdin_sql=stdin_sql, all_migrations=args.all,
                             dialect=args.dialect, pg_version=args.pg_version, offline=args.offline,
                             changed_since=args.changed_since, environ=out.environ)
    findings = report.findings

    def tool_of(finding):
        return report.tools.get(finding.file or "", args.tool)

    if report.note:
        out.note(f"note: {report.note}")
    if args.format == "json":
        out.document(_document(report, settings, SEVERITIES, tool_of))
    elif args.format == "sarif":
        out.document(sarif_document(findings, RULES, settings))
    elif args.format == "github":
        if findings:
            out.raw(github_annotations(findings, settings, tool_of) + "\n")
    else:
        for finding in findings:
            out.line("\n".join(text_block(finding, settings, tool_of(finding))))
            out.line()
        out.line(_summary(report) if report.analyses else _nothing_to_lint(args))
    return 1 if any(at_or_above(finding.severity, args.severity) for finding in findings) else 0


def _statements(report) -> list:
    return [statement for analysis in report.analyses for statement in (*analysis.up, *(analysis.down or ()))]


def _document(report, settings, severities, tool_of) -> dict:
    statements = _statements(report)
    summary = {severity: 0 for severity in severities}
    summary["safe"] = sum(1 for statement in statements if not statement.findings)
    for finding in report.findings:
        summary[finding.severity] += 1
    document = {
        "findings": [finding_document(finding, settings, tool_of(finding)) for finding in report.findings],
        "summary": summary,
        "dialect": report.options.dialect,
        "pg_version": report.options.pg_version if engine(report.options.dialect).versioned else None,
        "statements": len(statements),
    }
    if report.note:
        document["note"] = report.note
    return document


def _summary(report) -> str:
    statements = len(_statements(report))
    sources = len(report.analyses)
    checked = (f"{statements} statement{'s' if statements != 1 else ''} of {sources} "
               f"{'migration' if sources == 1 else 'migrations'}")
    findings = report.findings
    if not findings:
        return f"No findings: {checked} checked."
    counts = {}
    for finding in findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    parts = ", ".join(f"{counts[severity]} {severity}" for severity in ("error", "risky", "caution") if severity in counts)
    return f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({parts}) in {checked}."


def _nothing_to_lint(args) -> str:
    if args.changed_since is not None:
        return f"Nothing to lint: no migration was added or changed since {args.changed_since}."
    if args.all:
        return "Nothing to lint: the directory has no migrations."
    return "Nothing to lint: no migration is pending (`migrate lint --all` lints every migration)."


def _list_rules(rules, out) -> int:
    if out.json_mode:
        out.document({"rules": [{
            "id": rule.id, "severity": rule.severity, "dialects": sorted(rule.dialects), "summary": rule.summary,
            "why": rule.why, "safe_alternative": rule.safe_alternative,
        } for rule in rules.values()]})
        return 0
    rows = [(rule.id, rule.severity, "all" if len(rule.dialects) == len(DIALECTS) else ",".join(sorted(rule.dialects)),
             rule.summary) for rule in rules.values()]
    widths = [max(len(row[column]) for row in rows) for column in range(3)]
    for row in rows:
        out.line("  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[3])
    return 0
