"""The `migrate` command: parses the command line, calls an operation, presents what it returns."""

import json
import os
import sys
import traceback
from collections.abc import Mapping
from contextlib import redirect_stdout

from .. import operations
from ..config import Options, Settings, load_settings
from ..errors import MigrateError
from ..runner import Listener, MigrationFailed, MigrationResult
from ..urls import mask_url
from . import shapes, text
from .parser import build_parser


class Output:
    """Where everything the user sees goes: stdout for results, stderr for progress notes and errors.

    With --format json, stdout receives exactly one JSON document. Every line is masked for passwords.
    """

    def __init__(self, stdout, stderr, json_mode: bool, environ: Mapping[str, str]):
        self.stdout, self.stderr, self.json_mode = stdout, stderr, json_mode
        colour = stdout.isatty() and not environ.get("NO_COLOR") and environ.get("TERM") != "dumb"
        self.style = text.Style(colour and not json_mode)
        self.secret: str | None = None

    def mask(self, value: str) -> str:
        value = mask_url(value)
        if self.secret and len(self.secret) >= 4:
            value = value.replace(self.secret, "***")
        return value

    def line(self, value: str = "") -> None:
        if not self.json_mode:
            print(self.mask(value), file=self.stdout, flush=True)

    def note(self, value: str) -> None:
        print(self.mask(value), file=self.stderr, flush=True)

    def document(self, document: dict) -> None:
        print(self.mask(json.dumps(document, indent=2)), file=self.stdout, flush=True)

    def error(self, error: MigrateError, document: dict | None = None) -> int:
        if self.json_mode:
            self.document(document or {"error": shapes.error_document(error)})
        self.note(f"error: {error.message}")
        if isinstance(error, MigrationFailed):
            self.note(f"  statement: {_shorten(error.statement)}")
        if error.hint:
            self.note(f"hint: {error.hint}")
        return error.exit_code


class _ProgressListener(Listener):
    def __init__(self, out: Output, show_results: bool):
        self.out = out
        self.show_results = show_results

    def lock_wait(self, holder: str) -> None:
        self.out.note(f"waiting for the migration lock: {holder}")

    def migration_done(self, index: int, total: int, result: MigrationResult) -> None:
        if self.show_results:
            self.out.line(text.result_line(index, total, result, self.out.style))

    def warning(self, message: str) -> None:
        self.out.note(f"warning: {message}")


def main(argv: list[str] | None = None, stdout=None, stderr=None, environ: Mapping[str, str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    out = Output(stdout or sys.stdout, stderr or sys.stderr, _wants_json(argv), environ)
    debug = "--debug" in argv
    try:
        with redirect_stdout(out.stdout):  # --help and --version print through argparse
            args = build_parser().parse_args(argv)
        settings = load_settings(
            Options(directory=args.directory, config=args.config, env=args.env, url=args.url, dir=args.dir,
                    lock_wait=getattr(args, "lock_wait", None)),
            environ,
        )
        out.secret = settings.url.password
        return COMMANDS[args.command](args, settings, out)
    except SystemExit as exit_request:  # --help and --version
        return exit_request.code or 0
    except MigrationFailed as failure:
        return out.error(failure, shapes.failed_run_document(settings, failure))
    except MigrateError as error:
        return out.error(error)
    except KeyboardInterrupt:
        out.note("interrupted")
        return 130
    except Exception as error:  # a defect: say so in one line, unless --debug asks for the traceback
        if debug:
            out.note(traceback.format_exc())
        return out.error(MigrateError(
            f"internal error: {type(error).__name__}: {error}", hint="run again with --debug for the traceback"))


def _wants_json(argv: list[str]) -> bool:
    for index, arg in enumerate(argv):
        if arg == "--format=json" or (arg == "--format" and argv[index + 1:index + 2] == ["json"]):
            return True
    return False


def _shorten(statement: str, limit: int = 160) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _status(args, settings: Settings, out: Output) -> int:
    report = operations.status(settings)
    if out.json_mode:
        out.document(shapes.status_document(settings, report))
    else:
        out.line(text.status_text(settings, report, out.style))
    if args.exit_code and any(status.state != "applied" for status in report.statuses):
        return 1
    return 0


def _run(args, settings: Settings, out: Output, direction: str) -> int:
    listener = _ProgressListener(out, show_results=not args.dry_run)
    if direction == "up":
        report = operations.up(settings, steps=args.steps, to=args.to, dry_run=args.dry_run, strict=args.strict,
                               listener=listener)
    else:
        report = operations.down(settings, steps=args.steps, to=args.to, dry_run=args.dry_run, confirmed=args.yes,
                                 listener=listener)
    if out.json_mode:
        out.document(shapes.run_document(settings, report, args.dry_run))
    elif args.dry_run:
        out.stdout.write(out.mask(text.dry_run_script(settings, report, direction)))
    else:
        out.line(text.run_summary(report, direction))
    return 0


def _create(args, settings: Settings, out: Output) -> int:
    files = operations.create(settings, args.name, up_sql=args.sql, down_sql=args.down_sql)
    if out.json_mode:
        out.document({"files": [settings.relative(path) for path in files]})
    for path in files:
        out.line(f"Created {settings.relative(path)}")
    return 0


def _init(args, settings: Settings, out: Output) -> int:
    written = operations.init(settings)
    if out.json_mode:
        out.document({"files": [settings.relative(path) for path in written]})
    for path in written:
        out.line(f"Created {settings.relative(path)}{'/' if path.is_dir() else ''}")
    return 0


_REPAIRED = {"applied": "marked applied", "rolled_back": "marked not applied", "accept_checksum": "checksum accepted"}


def _repair(args, settings: Settings, out: Output) -> int:
    label = operations.repair(settings, args.version, args.action, listener=_ProgressListener(out, False))
    if out.json_mode:
        out.document({"migration": label, "action": args.action})
    out.line(f"{label}: {_REPAIRED[args.action]}")
    return 0


COMMANDS = {
    "init": _init,
    "create": _create,
    "up": lambda args, settings, out: _run(args, settings, out, "up"),
    "down": lambda args, settings, out: _run(args, settings, out, "down"),
    "status": _status,
    "repair": _repair,
}
