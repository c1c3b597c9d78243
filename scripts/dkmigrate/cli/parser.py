"""The command line: `migrate [global options] <command> [options]`, global options also after the command."""

import argparse

from .. import __version__
from ..errors import UsageError

FORMATS = ("text", "json")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not '{text}'")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (0 or more), not '{text}'")
    return value


def _add_global_options(parser: argparse.ArgumentParser, after_command: bool) -> None:
    # After the command the defaults are suppressed, so a value given before the command survives.
    def default(value):
        return argparse.SUPPRESS if after_command else value

    group = parser.add_argument_group("global options")
    group.add_argument("-C", dest="directory", metavar="DIR", default=default(None),
                       help="run as if started in DIR (every relative path resolves against it)")
    group.add_argument("--config", metavar="FILE", default=default(None), help="configuration file (default: migrate.yaml)")
    group.add_argument("--env", metavar="NAME", default=default(None), help="environment of migrate.yaml to use")
    group.add_argument("--url", metavar="URL", default=default(None), help="database URL (overrides configuration)")
    group.add_argument("--dir", metavar="DIR", default=default(None), help="migrations directory (default: db/migrations)")
    group.add_argument("--format", choices=FORMATS, default=default("text"), help="output format (default: text)")
    group.add_argument("--debug", action="store_true", default=default(False), help="show tracebacks of internal errors")


def _add_range_options(parser: argparse.ArgumentParser, noun: str) -> None:
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument("--steps", type=_positive_int, metavar="N", help=f"{noun} at most N migrations")
    limits.add_argument("--to", metavar="VERSION", help=f"{noun} up to VERSION")
    parser.add_argument("--dry-run", action="store_true", help="change nothing; print the SQL script that would run")
    parser.add_argument("--lock-wait", type=_seconds, metavar="SECONDS",
                        help="how long to wait for another migrator (default: 60, or lock_wait in migrate.yaml)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="migrate", description="Database migrations: create, apply, roll back and inspect them.")
    parser.add_argument("--version", action="version", version=f"dk migrate {__version__}")
    _add_global_options(parser, after_command=False)
    commands = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)
    commands.required = True

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _add_global_options(sub, after_command=True)
        return sub

    command("init", "write migrate.yaml and the migrations directory")

    create = command("create", "write a new migration file from the template, in the directory's format")
    create.add_argument("name", help="what the migration does, e.g. add_users_table")
    create.add_argument("--sql", metavar="SQL", help="statements for the up section")
    create.add_argument("--down-sql", metavar="SQL", help="statements for the down section")

    up = command("up", "apply pending migrations")
    _add_range_options(up, "apply")
    up.add_argument("--strict", action="store_true", help="refuse pending migrations older than the newest applied one")
    up.add_argument("--yes", action="store_true", help="confirm on a protected environment")

    down = command("down", "roll back applied migrations, the most recently applied first (default: one)")
    _add_range_options(down, "roll back")
    down.add_argument("--yes", action="store_true", help="confirm rolling back on a protected environment")

    status = command("status", "show the state of every migration")
    status.add_argument("--exit-code", action="store_true",
                        help="exit 1 when a migration is pending, dirty, modified or missing")

    repair = command("repair", "record by hand what the database really holds (after a dirty failure or an edit)")
    repair.add_argument("version", help="the migration's version")
    what = repair.add_mutually_exclusive_group(required=True)
    what.add_argument("--applied", dest="action", action="store_const", const="applied",
                      help="mark it applied (its statements have all taken effect)")
    what.add_argument("--rolled-back", dest="action", action="store_const", const="rolled_back",
                      help="mark it not applied (none of its statements remain in effect)")
    what.add_argument("--accept-checksum", dest="action", action="store_const", const="accept_checksum",
                      help="accept the edited file of an applied migration as what was applied")
    repair.add_argument("--lock-wait", type=_seconds, metavar="SECONDS", help="how long to wait for another migrator")
    return parser
