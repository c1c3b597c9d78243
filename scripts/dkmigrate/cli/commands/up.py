from ... import operations
from .migration_run import ProgressListener, add_range_arguments, present

NAME = "up"
HELP = "apply pending migrations"


def add_arguments(parser) -> None:
    add_range_arguments(parser, "apply")
    parser.add_argument("--strict", action="store_true", help="refuse pending migrations older than the newest applied one")
    parser.add_argument("--yes", action="store_true",
                        help="confirm on a protected environment: apply even with risky or error lint findings")


def run(args, settings, out) -> int:
    report = operations.up(settings, steps=args.steps, to=args.to, dry_run=args.dry_run, strict=args.strict,
                           confirmed=args.yes, listener=ProgressListener(out, show_results=not args.dry_run,
                                                                         settings=settings))
    return present(report, settings, out, "up", args.dry_run)
