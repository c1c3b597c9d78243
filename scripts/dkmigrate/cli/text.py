"""Text output for people: tables, one line per migration, summaries. Colour only when asked for."""

from ..config import Settings
from ..operations import StatusReport
from ..runner import MigrationResult, RunReport
from ..status import STATES, summary

_COLOURS = {
    "applied": "32", "rolled_back": "32", "pending": "33", "would_apply": "36", "would_roll_back": "36",
    "modified": "31", "missing": "31", "dirty": "31", "failed": "31",
}


class Style:
    def __init__(self, colour: bool):
        self.colour = colour

    def state(self, word: str, width: int = 0) -> str:
        """A state or result word as people read it ("rolled back"), coloured on a terminal."""
        shown = word.replace("_", " ")
        padded = shown.ljust(width)
        if not self.colour or word not in _COLOURS:
            return padded
        return f"\033[{_COLOURS[word]}m{shown}\033[0m{padded[len(shown):]}"


def database_line(settings: Settings) -> str:
    where = f" (environment {settings.environment})" if settings.environment else ""
    return f"{settings.url.masked}{where}"


def status_text(settings: Settings, report: StatusReport, style: Style) -> str:
    lines = [f"Database    {database_line(settings)}"]
    if not report.database_exists:
        lines[-1] += " - does not exist yet; `up` creates it"
    lines.append(f"Migrations  {settings.relative(report.catalogue.directory)} ({report.catalogue.format.name} format)")
    lines.append("")
    if not report.statuses:
        lines.append("No migrations yet: write one with `migrate create NAME`.")
        return "\n".join(lines)
    rows = [(status.state, status.version, status.name, _applied_at(status.row.applied_at) if status.row else "",
             _note(status)) for status in report.statuses]
    header = ("STATE", "VERSION", "NAME", "APPLIED AT", "")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]
    lines.append("  ".join(title.ljust(width) for title, width in zip(header, widths)).rstrip())
    for row in rows:
        cells = [style.state(row[0], widths[0])] + [cell.ljust(width) for cell, width in zip(row[1:4], widths[1:])]
        lines.append(("  ".join(cells) + ("  " + row[4] if row[4] else "")).rstrip())
    counts = summary(report.statuses)
    parts = [f"{counts[state]} {state}" for state in STATES if counts[state]]
    total = len(report.statuses)
    lines.append(f"{total} migration{'s' if total != 1 else ''}: {', '.join(parts)}")
    return "\n".join(lines)


def _applied_at(value: str | None) -> str:
    return value.replace("T", " ").replace("Z", " UTC") if value else ""


def _note(status) -> str:
    if status.out_of_order:
        return "older than the newest applied migration"
    if status.state == "dirty":
        action = "rolling back" if status.row.state == "rolling_back" else "applying"
        return f"stopped while {action}, after {status.row.progress or 0} statement(s)"
    if status.state == "modified":
        return "file edited after it was applied"
    if status.state == "missing":
        return "applied, but its file is gone"
    return ""


def result_line(index: int, total: int, result: MigrationResult, style: Style) -> str:
    duration = f"  {result.duration_ms} ms" if result.duration_ms is not None else ""
    line = f"[{index}/{total}] {result.migration.label}  {style.state(result.result)}{duration}"
    if not result.transaction:
        line += f"  (outside a transaction: {result.outside_transaction_reason})"
    return line


def run_summary(report: RunReport, direction: str) -> str:
    count = len(report.results)
    if count == 0:
        return "Nothing to apply: the database is up to date." if direction == "up" else "Nothing to roll back."
    total_ms = sum(result.duration_ms or 0 for result in report.results)
    verb = "Applied" if direction == "up" else "Rolled back"
    return f"{verb} {count} migration{'s' if count != 1 else ''} in {total_ms} ms."


def dry_run_script(settings: Settings, report: RunReport, direction: str) -> str:
    count = len(report.results)
    if count == 0:
        return f"-- {run_summary(report, direction)}\n"
    verb = "apply" if direction == "up" else "roll back"
    header = (f"-- dk migrate dry run: {verb} {count} migration{'s' if count != 1 else ''} on {settings.url.masked}\n"
              "-- Nothing was executed. This is the SQL a real run would send, in order.\n\n")
    return header + (report.script or "")
