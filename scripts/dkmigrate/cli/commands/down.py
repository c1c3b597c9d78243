from ... import operations
from .migration_run import ProgressListener, add_range_arguments, present

NAME = "down"
HELP = "roll back applied migrations, the most recently applied first (default: one)"


def add_arguments(parser) -> None:
    add_range_arguments(parser, "roll back")
    parser.add_argument("--yes", action="store_true", help="confirm rolling back on a protected environment")


def run(args, settings, out) -> int:
    report = operations.down(settings, steps=args.steps, to=args.to, dry_run=args.dry_run, confirmed=args.yes,
                             listener=ProgressListener(out, show_results=not args.dry_run, settings=settings))
    return present(report, settings, out, "down", args.dry_run)
