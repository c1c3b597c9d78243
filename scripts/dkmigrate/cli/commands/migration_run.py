"""What up and down share: their range options, progress lines, summaries, scripts and JSON."""

from ...runner import Listener, MigrationFailed, MigrationResult, RunInterrupted, RunReport
from ..findings import finding_document, short_line
from ..output import error_document
from ..parser import add_lock_wait, positive_int


def add_range_arguments(parser, verb: str) -> None:
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument("--steps", type=positive_int, metavar="N", help=f"{verb} at most N migrations")
    limits.add_argument("--to", metavar="VERSION", help=f"{verb} up to VERSION")
    parser.add_argument("--dry-run", action="store_true", help="change nothing; print the SQL script that would run")
    add_lock_wait(parser)


PROGRESS_LINE_SECONDS = 5.0  # without a terminal, a batched statement's progress is one line this often at most
BAR_WIDTH = 24


class ProgressListener(Listener):
    def __init__(self, out, show_results: bool, settings):
        self.out = out
        self.show_results = show_results
        self.settings = settings
        self.terminal = out.stderr.isatty() and not out.json_mode
        self._last_line = float("-inf")
        self._bar_open = False

    def note(self, message: str) -> None:
        self._end_bar()
        self.out.note(message)

    def batch_progress(self, progress) -> None:
        import shutil
        import time

        if self.terminal:  # one line, cut to the terminal's width so that \r can redraw it
            width = shutil.get_terminal_size().columns - 1
            self.out.stderr.write("\r" + self.out.mask(progress_text(progress, bar=True))[:width] + "\033[K")
            self.out.stderr.flush()
            self._bar_open = not progress.done
            if progress.done:
                self.out.stderr.write("\n")
            return
        now = time.monotonic()
        if progress.done or now - self._last_line >= PROGRESS_LINE_SECONDS:
            self._last_line = now
            self.out.note(progress_text(progress, bar=False))

    def replica_wait(self, label: str, lag: float, limit: float) -> None:
        self._end_bar()
        self.out.note(f"{label}: pausing the batches: a replica is {lag:.1f}s behind (max_replica_lag {limit:g}s)")

    def _end_bar(self) -> None:
        if self._bar_open:
            self.out.stderr.write("\n")
            self._bar_open = False

    def lock_wait(self, holder: str) -> None:
        self.out.note(f"waiting for the migration lock: {holder}")

    def migration_done(self, index: int, total: int, result: MigrationResult) -> None:
        self._end_bar()
        if self.show_results:
            self.out.line(result_line(index, total, result, self.out))
            for outcome in result.batched:
                if not outcome.dry_run:
                    self.out.line(f"  {outcome_text(outcome)}")

    def warning(self, message: str) -> None:
        self._end_bar()
        self.out.note(f"warning: {message}")

    def lock_retry(self, label: str, retry: int, retries: int, wait: float, holders: str, statement: str) -> None:
        self.out.note(f"{label}: a lock was not granted in time, retry {retry} of {retries} in {wait:.1f}s "
                      f"(held by: {holders})")

    def lint_findings(self, findings: list) -> None:
        for finding in findings:
            self.out.note(short_line(finding, self.settings))
        if findings:
            self.out.note("hint: `migrate lint` shows each finding's safe alternative")


def present(report: RunReport, settings, out, direction: str, dry_run: bool) -> int:
    if out.json_mode:
        out.document(run_document(settings, report, dry_run))
    elif dry_run:
        out.raw(dry_run_script(settings, report, direction))
    else:
        out.line(run_summary(report, direction))
    return 0


def result_line(index: int, total: int, result: MigrationResult, out) -> str:
    duration = f"  {result.duration_ms} ms" if result.duration_ms is not None else ""
    line = f"[{index}/{total}] {result.migration.label}  {out.state(result.result)}{duration}"
    if not result.transaction:
        line += f"  (outside a transaction: {result.outside_transaction_reason})"
    if result.out_of_order_after:
        line += f"  (out of order: older than {result.out_of_order_after}, which was applied first)"
    return line


def progress_text(progress, bar: bool) -> str:
    """A batched statement's progress: rows done (of the estimate), rate, ETA. The bar of a terminal puts the
    numbers first, so that a narrow terminal cuts the migration's name rather than them."""
    total = progress.estimated_rows
    rows = f"{progress.rows:,}" + (f" of ~{total:,}" if total and not progress.done else "") + " rows"
    numbers = []
    if progress.rows_per_second:
        numbers.append(f"{progress.rows_per_second:,.0f} rows/s")
    if progress.eta_seconds is not None:
        numbers.append(f"ETA {_duration(progress.eta_seconds)}")
    if progress.done:
        numbers.append("done")
    where = f"{progress.label} line {progress.line}"
    batches = f"{progress.batches} batch{'es' if progress.batches != 1 else ''}"
    if bar:
        fraction = 1.0 if progress.done else min(progress.rows / total, 1.0) if total else None
        shown = f"[{'#' * round(fraction * BAR_WIDTH)}{'.' * (BAR_WIDTH - round(fraction * BAR_WIDTH))}] " \
                f"{fraction * 100:3.0f}%  " if fraction is not None else ""
        return "  ".join([f"{shown}{rows}", *numbers, f"{batches}, {where}"])
    return "  ".join([f"{where}: {rows}, {progress.changed:,} changed, {batches}", *numbers])


def outcome_text(outcome) -> str:
    rate = f", {outcome.rows_per_second:,.0f} rows/s" if outcome.rows_per_second else ""
    resumed = f", resumed after {outcome.resumed_after:,} rows" if outcome.resumed_after is not None else ""
    return (f"batched {outcome.table} (line {outcome.line}, by {', '.join(outcome.key)}): {outcome.rows:,} rows in "
            f"{outcome.batches} batch{'es' if outcome.batches != 1 else ''}, {outcome.changed:,} changed{rate}{resumed}")


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def batch_document(outcome) -> dict:
    document = {"line": outcome.line, "table": outcome.table, "key": list(outcome.key), "size": outcome.size,
                "estimated_rows": outcome.estimated_rows}
    if outcome.dry_run:
        count = -(-outcome.estimated_rows // outcome.size) if outcome.estimated_rows else None
        return document | {"estimated_batches": count}
    return document | {"rows": outcome.rows, "changed": outcome.changed, "batches": outcome.batches,
                       "seconds": outcome.seconds, "rows_per_second": outcome.rows_per_second,
                       "resumed_after_rows": outcome.resumed_after}


def run_summary(report: RunReport, direction: str) -> str:
    count = len(report.results)
    if count == 0:
        return "Nothing to apply: the database is up to date." if direction == "up" else "Nothing to roll back."
    total_ms = sum(result.duration_ms or 0 for result in report.results)
    verb = "Applied" if direction == "up" else "Rolled back"
    return f"{verb} {count} migration{'s' if count != 1 else ''} in {total_ms} ms."


def dry_run_script(settings, report: RunReport, direction: str) -> str:
    count = len(report.results)
    if count == 0:
        return f"-- {run_summary(report, direction)}\n"
    verb = "apply" if direction == "up" else "roll back"
    header = (f"-- dk migrate dry run: {verb} {count} migration{'s' if count != 1 else ''} on {settings.url.masked}"
              f"{f' (environment {settings.environment})' if settings.environment else ''}\n"
              "-- Nothing was executed. This is the SQL a real run would send, in order.\n\n")
    return header + (report.script or "")


def result_document(settings, result: MigrationResult) -> dict:
    migration = result.migration
    return {
        "version": migration.version,
        "name": migration.name,
        "file": settings.relative(migration.up.file if result.direction == "up" else migration.down.file),
        "direction": result.direction,
        "result": result.result,
        "duration_ms": result.duration_ms,
        "transaction": result.transaction,
        "out_of_order": result.out_of_order_after is not None,
        "retries": [{"attempt": retry.attempt, "holder": retry.holder, "waited_ms": retry.waited_ms,
                     "delay_ms": retry.delay_ms, "line": retry.line} for retry in result.retries],
        **({"batches": [batch_document(outcome) for outcome in result.batched]} if result.batched else {}),
    }


def run_document(settings, report: RunReport, dry_run: bool) -> dict:
    document = {
        "database": settings.url.masked,
        "environment": settings.environment,
        "dry_run": dry_run,
        "migrations": [result_document(settings, result) for result in report.results],
        "findings": [finding_document(finding, settings) for finding in report.findings],
    }
    if dry_run:
        document["script"] = report.script or ""
    return document


def failed_run_document(settings, failure: MigrationFailed) -> dict:
    return {
        "database": settings.url.masked,
        "environment": settings.environment,
        "dry_run": False,
        "migrations": [result_document(settings, result) for result in [*failure.completed, failure.result]],
        "error": error_document(failure) | {
            "file": settings.relative(failure.file),
            "line": failure.line,
            "statement": failure.statement,
            "database_message": failure.database_message,
            "rolled_back": failure.rolled_back,
        },
    }


def interrupted_run_document(settings, stopped: RunInterrupted) -> dict:
    """What a run stopped by a signal did: its migrations, and how the one in progress ended."""
    if stopped.failure is not None:
        document = failed_run_document(settings, stopped.failure)
        document["error"] |= error_document(stopped)
    else:
        document = {"database": settings.url.masked, "dry_run": False,
                    "migrations": [result_document(settings, result) for result in stopped.completed],
                    "error": error_document(stopped)}
    document["error"]["signal"] = stopped.signal_name
    return document
