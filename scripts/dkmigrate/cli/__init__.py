"""The `migrate` command: parses the command line, runs a command, presents what it returns."""

import os
import signal
import sys
from collections.abc import Mapping
from contextlib import redirect_stdout

from ..config import Options, load_settings
from ..errors import FindingsRefusal, MigrateError, UsageError
from .. import interruption
from ..excerpts import sql_excerpt
from ..runner import MigrationFailed, RunInterrupted
from ..urls import url_secrets
from .commands import COMMANDS
from .commands.migration_run import failed_run_document, interrupted_run_document
from .findings import finding_document
from .output import Output, error_document
from .parser import FORMATS, build_parser

_BY_NAME = {command.NAME: command for command in COMMANDS}


def main(argv: list[str] | None = None, stdout=None, stderr=None, environ: Mapping[str, str] | None = None,
         stdin=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    out = Output(stdout or sys.stdout, stderr or sys.stderr, _wants_json(argv), environ, stdin or sys.stdin)
    settings = None
    try:
        with redirect_stdout(out.stdout):  # --help and --version print through argparse
            args = build_parser(COMMANDS).parse_args(argv)
        command = _BY_NAME[args.command]
        if args.format not in getattr(command, "FORMATS", FORMATS):
            raise UsageError(f"`{command.NAME}` has no --format {args.format}")
        settings = load_settings(
            Options(directory=args.directory, config=args.config, env=args.env, url=args.url, dir=args.dir,
                    lock_wait=getattr(args, "lock_wait", None)),
            environ,
        )
        out.secrets = url_secrets(settings.url.raw)
        if settings.environment_by_url:
            out.note(f"note: {settings.url.masked} is the database of environment '{settings.environment}'"
                     f"{' (protected)' if settings.protected else ''}: its settings apply")
        with interruption.raising():
            return command.run(args, settings, out)
    except SystemExit as exit_request:  # --help and --version
        return exit_request.code or 0
    except MigrationFailed as failure:
        return out.error(failure, failed_run_document(settings, failure), detail=f"statement: {sql_excerpt(failure.statement)}")
    except RunInterrupted as stopped:
        detail = f"statement: {sql_excerpt(stopped.failure.statement)}" if stopped.failure is not None else None
        return out.error(stopped, interrupted_run_document(settings, stopped), detail=detail)
    except FindingsRefusal as refusal:
        document = {"error": error_document(refusal)
                    | {"findings": [finding_document(finding, settings) for finding in refusal.findings]}}
        return out.error(refusal, document)
    except MigrateError as error:
        return out.error(error)
    except BrokenPipeError:  # the reader went away (`migrate lint --rules | head -1`): stop quietly
        _discard_output(out.stdout)
        return 141  # 128 + SIGPIPE, as a command killed by the broken pipe
    except KeyboardInterrupt as interrupt:  # Interrupted, or Ctrl-C before the handlers were set
        number = getattr(interrupt, "signal_number", signal.SIGINT)
        stopped = MigrateError(f"interrupted by {interruption.signal_name(number)}")
        stopped.exit_code = 128 + number
        return out.error(stopped)
    except Exception as error:  # a defect: one line, unless --debug asks for the traceback
        if "--debug" in argv:
            import traceback

            out.note(traceback.format_exc())
        return out.error(MigrateError(
            f"internal error: {type(error).__name__}: {error}", hint="run again with --debug for the traceback"))


def _discard_output(stream) -> None:
    """Points the closed stream at /dev/null, so that the interpreter's last flush does not fail again."""
    try:
        descriptor = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)


def _wants_json(argv: list[str]) -> bool:
    for index, arg in enumerate(argv):
        if arg == "--format=json" or (arg == "--format" and argv[index + 1:index + 2] == ["json"]):
            return True
    return False
