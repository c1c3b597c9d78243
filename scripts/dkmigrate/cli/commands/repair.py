from ... import operations
from ..parser import add_lock_wait
from .migration_run import ProgressListener

NAME = "repair"
HELP = "record by hand what the database really holds (after a dirty failure or an edit)"

_DONE = {"applied": "marked applied", "rolled_back": "marked not applied", "accept_checksum": "checksum accepted"}


def add_arguments(parser) -> None:
    parser.add_argument("version", help="the migration's version")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--applied", dest="action", action="store_const", const="applied",
                      help="mark it applied (its statements have all taken effect)")
    what.add_argument("--rolled-back", dest="action", action="store_const", const="rolled_back",
                      help="mark it not applied (none of its statements remain in effect)")
    what.add_argument("--accept-checksum", dest="action", action="store_const", const="accept_checksum",
                      help="accept the edited file of an applied migration as what was applied")
    add_lock_wait(parser)


def run(args, settings, out) -> int:
    label = operations.repair(settings, args.version, args.action, listener=ProgressListener(out, False, settings))
    if out.json_mode:
        out.document({"migration": label, "action": args.action})
    out.line(f"{label}: {_DONE[args.action]}")
    return 0
