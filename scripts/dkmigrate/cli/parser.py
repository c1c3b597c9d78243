"""The command line: `migrate [global options] <command> [options]`, global options also after the command.

Each command is a module of cli/commands with NAME, HELP, add_arguments(parser) and run(args, settings, out).
"""

import argparse
import math
import os
import re
import sys
from functools import partial

from .. import __version__
from ..errors import UsageError

FORMATS = ("text", "json")
_UNRECOGNIZED = "unrecognized arguments: "
_INVALID_COMMAND = re.compile(r"argument <command>: invalid choice: '(?P<word>[^']*)'")


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
    """Never abbreviates an option (`up --step 2` is an error, not --steps), and answers a typo of an option
    or a command with the closest real one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)
        self._words: list[str] = []
        self._add_options = None  # a command's parser: adds its options when the command is read (_Commands)

    def complete(self) -> "_Parser":
        if self._add_options is not None:
            add_options, self._add_options = self._add_options, None
            add_options(self)
        return self

    def parse_known_args(self, args=None, namespace=None):
        self._words = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(args, namespace)

    def _get_formatter(self):
        # argparse sizes its formatter (one per option added) with shutil, whose import and the compression
        # modules it imports cost every start more than building the parser: the same width, without it.
        return self.formatter_class(prog=self.prog, width=_terminal_columns() - 2)

    def error(self, message: str):
        raise UsageError(f"{self._explained(message)} (see `{self.prog} --help`)")

    def _explained(self, message: str) -> str:
        if message.startswith(_UNRECOGNIZED):
            return message + self._suggestion(message[len(_UNRECOGNIZED):].split())
        invalid = _INVALID_COMMAND.match(message)
        if invalid is None:
            return message
        word = invalid.group("word")
        index = self._words.index(word) if word in self._words else 0
        before = self._words[index - 1] if index > 0 else ""
        if before.startswith("-") and before not in self._option_strings(None):
            # `--evn production status`: the typo, not the value it swallowed, is what is wrong.
            return f"{_UNRECOGNIZED}{before}{self._suggestion([before])}"
        import difflib  # only a typo needs it

        commands = self._commands()
        close = difflib.get_close_matches(word, commands, n=1)
        return (f"unknown command '{word}'" + (f" (did you mean {close[0]}?)" if close else "")
                + f"; the commands are {', '.join(commands)}")

    def _commands(self) -> list[str]:
        subparsers = [action for action in self._actions if isinstance(action, argparse._SubParsersAction)]
        return list(subparsers[0].choices) if subparsers else []

    def _option_strings(self, command: str | None) -> list[str]:
        parsers = [self]
        subparsers = [action for action in self._actions if isinstance(action, argparse._SubParsersAction)]
        if subparsers and command in subparsers[0].choices:
            parsers.append(subparsers[0].choices[command].complete())
        return [option for parser in parsers for action in parser._actions for option in action.option_strings]

    def _suggestion(self, words: list[str]) -> str:
        import difflib

        command = next((word for word in self._words if word in self._commands()), None)
        options = self._option_strings(command)
        for word in words:
            if word.startswith("--"):
                written = word.split("=", 1)[0]
                close = ([option for option in options if option.startswith(written)]
                         or difflib.get_close_matches(written, options, n=1))
                if close:
                    return f" (did you mean {close[0]}?)"
        return ""


class _Commands(argparse._SubParsersAction):
    """The commands: a command's options are added to its parser when the command is read, so that a run
    builds the options of its own command only."""

    def __call__(self, parser, namespace, values, option_string=None):
        self.choices[values[0]].complete()
        super().__call__(parser, namespace, values, option_string)


def positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of 1 or more, not '{text}'")
    return int(text)


def seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not math.isfinite(value) or value < 0:
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
    subparsers = parser.add_subparsers(dest="command", metavar="<command>", parser_class=_Parser, action=_Commands)
    subparsers.required = True
    for command in commands:
        sub = subparsers.add_parser(command.NAME, help=command.HELP, description=command.HELP)
        sub._add_options = partial(_add_command_options, command)
    return parser


def _add_command_options(command, parser: argparse.ArgumentParser) -> None:
    _add_global_options(parser, after_command=True, formats=getattr(command, "FORMATS", FORMATS))
    command.add_arguments(parser)
