from ... import operations
from ..parser import add_lock_wait
from .migration_run import ProgressListener

NAME = "baseline"
HELP = "record every migration up to VERSION as applied, running none (a database that predates its migrations)"


def add_arguments(parser) -> None:
    parser.add_argument("version", help="the newest migration whose changes the database already holds")
    parser.add_argument("--dry-run", action="store_true",
                        help="change nothing; print the tracking-table statements that would run")
    add_lock_wait(parser)


def run(args, settings, out) -> int:
    report = operations.baseline(settings, args.version, dry_run=args.dry_run,
                                 listener=ProgressListener(out, False, settings))
    if out.json_mode:
        document = {"database": settings.url.masked, "environment": settings.environment, "dry_run": args.dry_run,
                    "baseline": args.version,
                    "migrations": [{"version": result.migration.version, "name": result.migration.name,
                                    "file": settings.relative(result.migration.up.file), "result": result.result}
                                   for result in report.results]}
        if args.dry_run:
            document["script"] = report.script or ""
        out.document(document)
        return 0
    count = len(report.results)
    if count == 0:
        out.line(f"Nothing to baseline: every migration up to {args.version} is already recorded as applied.")
    elif args.dry_run:
        out.raw(f"-- dk migrate dry run: baseline {count} migration{'s' if count != 1 else ''} on {settings.url.masked}"
                f"{f' (environment {settings.environment})' if settings.environment else ''}\n"
                "-- Nothing was executed. This is the SQL a real run would send, in order.\n\n" + (report.script or ""))
    else:
        for result in report.results:
            out.line(f"{result.migration.label}  {out.state(result.result)}")
        out.line(f"Recorded {count} migration{'s' if count != 1 else ''} as applied up to {args.version}; none was run.")
    return 0
