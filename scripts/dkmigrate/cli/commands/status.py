from ... import operations
from ...runner import batch_position, position_note
from ...status import STATES, summary
from ...tracking import ADOPTED_DIRTY

NAME = "status"
HELP = "show the state of every migration"


def add_arguments(parser) -> None:
    parser.add_argument("--exit-code", action="store_true",
                        help="exit 1 when a migration is pending, dirty, modified or missing")


def run(args, settings, out) -> int:
    report = operations.status(settings)
    if out.json_mode:
        out.document(document(settings, report))
    else:
        out.line(text(settings, report, out))
    for index in report.invalid_indexes:
        out.note(f"warning: {operations.invalid_index_warning(index)}")
    if args.exit_code and any(status.state != "applied" for status in report.statuses):
        return 1
    return 0


def document(settings, report) -> dict:
    return {
        "database": settings.url.masked,
        "dialect": settings.url.dialect,
        "environment": settings.environment,
        "database_exists": report.database_exists,
        "directory": settings.relative(report.catalogue.directory),
        "format": report.catalogue.format.name,
        "migrations": [
            {
                "version": status.version,
                "name": status.name,
                "file": settings.relative(status.migration.up.file) if status.migration else None,
                "state": status.state,
                "applied_at": status.row.applied_at if status.row else None,
                "duration_ms": status.row.duration_ms if status.row else None,
                "out_of_order": status.out_of_order,
                "statements_done": status.row.progress if status.state == "dirty" else None,
                "batch_position": batch_position(status.row) if status.state == "dirty" else None,
            }
            for status in report.statuses
        ],
        "summary": summary(report.statuses),
        "invalid_indexes": [{"name": index.name, "table": index.table, "definition": index.definition}
                            for index in report.invalid_indexes],
    }


def text(settings, report, out) -> str:
    where = f" (environment {settings.environment})" if settings.environment else ""
    lines = [f"Database    {settings.url.masked}{where}"]
    if not report.database_exists:
        lines[-1] += " - does not exist yet; `up` creates it"
    lines.append(f"Migrations  {settings.relative(report.catalogue.directory)} ({report.catalogue.format.name} format)")
    lines.append("")
    if not report.statuses:
        lines.append("No migrations yet: write one with `migrate create NAME`.")
        return "\n".join(lines)
    rows = [(status.state, status.version, status.name, _applied_at(status.row.applied_at) if status.row else "",
             _note(status)) for status in report.statuses]
    header = ("STATE", "VERSION", "NAME", "APPLIED AT")
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]
    lines.append("  ".join(title.ljust(width) for title, width in zip(header, widths)).rstrip())
    for row in rows:
        cells = [out.state(row[0], widths[0])] + [cell.ljust(width) for cell, width in zip(row[1:4], widths[1:])]
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
        return ("older than the newest applied migration" if status.state == "pending"
                else "applied out of order, after a newer migration")
    if status.state == "dirty" and status.row.state == ADOPTED_DIRTY:
        return "recorded dirty or failed by the tool that migrated this database before"
    if status.state == "dirty":
        action = "rolling back" if status.row.state == "rolling_back" else "applying"
        note = f"stopped while {action}, after {status.row.progress or 0} statement(s){position_note(status.row)}"
        return note + (f" (`migrate {'down' if action == 'rolling back' else 'up'}` continues it)"
                       if status.row.batch else "")
    if status.state == "modified":
        return "file edited after it was applied"
    if status.state == "missing":
        return "applied, but its file is gone"
    return ""
