from ..parser import add_lock_wait, positive_int

NAME = "verify"
HELP = "prove the pending migrations reversible: up, down, up again where it cannot hurt, schema and data compared"


def add_arguments(parser) -> None:
    parser.add_argument("--steps", type=positive_int, metavar="N", help="verify only the next N pending migrations")
    parser.add_argument("--scratch-url", metavar="URL",
                        help="an empty database of the same engine to verify on (it is left with what verify built)")
    add_lock_wait(parser)


def run(args, settings, out) -> int:
    from ...verify import verify
    from .migration_run import ProgressListener

    report = verify(settings, steps=args.steps, scratch_url=args.scratch_url,
                    listener=ProgressListener(out, False, settings))
    if out.json_mode:
        out.document(document(settings, report))
    else:
        out.line(text(report))
    return 0 if report.reversible else 1


def document(settings, report) -> dict:
    return {
        "database": settings.url.masked,
        "environment": settings.environment,
        "where": report.where,
        "migrations": [{"version": verdict.migration.version, "name": verdict.migration.name,
                        "file": settings.relative(verdict.migration.up.file), "reversible": verdict.reversible,
                        "difference": verdict.difference, "data_compared": verdict.data_compared}
                       for verdict in report.verdicts],
        "not_verified": [migration.version for migration in report.not_verified],
        "notes": report.notes,
        "summary": summary(report),
    }


def summary(report) -> dict:
    reversible = sum(1 for verdict in report.verdicts if verdict.reversible)
    return {"reversible": reversible, "irreversible": len(report.verdicts) - reversible,
            "not_verified": len(report.not_verified)}


def text(report) -> str:
    if not report.verdicts:
        return "Nothing to verify: no migration is pending."
    lines = [f"Verified up, down, up {report.where}:"]
    for verdict in report.verdicts:
        data = "" if verdict.data_compared else " (schema only: no rows to compare)"
        lines.append(f"  {verdict.migration.label}  {'reversible' if verdict.reversible else 'NOT reversible'}"
                     f"{data if verdict.reversible else ''}")
        lines += [f"    - {line}" for line in verdict.difference]
    for migration in report.not_verified:
        lines.append(f"  {migration.label}  not verified (an earlier migration failed)")
    lines += [f"note: {note}" for note in report.notes]
    counts = summary(report)
    lines.append(f"{counts['reversible']} reversible, {counts['irreversible']} not reversible"
                 + (f", {counts['not_verified']} not verified." if counts["not_verified"] else "."))
    return "\n".join(lines)
