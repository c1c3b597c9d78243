"""The command line: `migrate [global options] <command> [options]`, global options also after the command.

Each command is a module of cli/commands with NAME, HELP, add_arguments(parser) and run(args, settings, out).
"""

import argparse
import os
import sys

from .. import __version__
from ..errors import UsageError

FORMATS = ("text", "json")


def _terminal_columns() -> int:
    """shutil.get_terminal_size().columns: $COLUMNS, else the terminal's width, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", 0))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    def _get_formatter(self):
        # argparse sizes its formatter (one per option added) with shutil, whose import and the compression
        # modules it imports cost every start more than building the parser: the same width, without it.
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)

    def error(self, message: str):
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not '{text}'")
    return int(text)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds (0 or more), not '{text}'")
    return value


def add_lock_wait(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lock-wait", type=seconds, metavar="SECONDS",
                        help="how long to wait for another migrator (default: 60, or lock_wait in migrate.yaml)")


def _add_global_options(parser: argparse.ArgumentParser, after_command: bool, formats: tuple[str, ...]) -> None:
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
    group.add_argument("--format", choices=formats, default=default("text"), help="output format (default: text)")
    group.add_argument("--debug", action="store_true", default=default(False), help="show tracebacks of internal errors")


def build_parser(commands) -> argparse.ArgumentParser:
    parser = _Parser(prog="migrate", description="Database migrations: create, apply, roll back and inspect them.")
    parser.add_argument("--version", action="version", version=f"dk migrate {__version__}")
    all_formats = tuple(dict.fromkeys(f for command in commands for f in getattr(command, "FORMATS", FORMATS)))
    _add_global_options(parser, after_command=False, formats=all_formats)
    subparsers = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser)
    subparsers.required = True
    for command in commands:
        sub = subparsers.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        _add_global_options(sub, after_command=True, formats=getattr(command, "FORMATS", FORMATS))
        command.add_arguments(sub)
    return parser
