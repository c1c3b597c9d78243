"""The JSON documents of `--format json` (design section 6). Fields may be added, never renamed."""

from ..config import Settings
from ..errors import MigrateError
from ..operations import StatusReport
from ..runner import MigrationFailed, MigrationResult, RunReport
from ..status import summary


def status_document(settings: Settings, report: StatusReport) -> dict:
    return {
        "database": settings.url.masked,
        "dialect": settings.url.dialect,
        "environment": settings.environment,
        "database_exists": report.database_exists,
        "directory": settings.relative(report.catalogue.directory),
        "format": report.catalogue.format.name,
        "migrations": [
            {
                "version": status.version,
                "name": status.name,
                "file": settings.relative(status.migration.up.file) if status.migration else None,
                "state": status.state,
                "applied_at": status.row.applied_at if status.row else None,
                "duration_ms": status.row.duration_ms if status.row else None,
                "out_of_order": status.out_of_order,
                "statements_done": status.row.progress if status.state == "dirty" else None,
            }
            for status in report.statuses
        ],
        "summary": summary(report.statuses),
    }


def result_document(settings: Settings, result: MigrationResult) -> dict:
    migration = result.migration
    return {
        "version": migration.version,
        "name": migration.name,
        "file": settings.relative(migration.up.file if result.direction == "up" else migration.down.file),
        "direction": result.direction,
        "result": result.result,
        "duration_ms": result.duration_ms,
        "transaction": result.transaction,
    }


def run_document(settings: Settings, report: RunReport, dry_run: bool) -> dict:
    document = {
        "database": settings.url.masked,
        "dry_run": dry_run,
        "migrations": [result_document(settings, result) for result in report.results],
    }
    if dry_run:
        document["script"] = report.script or ""
    return document


def failed_run_document(settings: Settings, failure: MigrationFailed) -> dict:
    document = {
        "database": settings.url.masked,
        "dry_run": False,
        "migrations": [result_document(settings, result) for result in [*failure.completed, failure.result]],
    }
    document["error"] = error_document(failure) | {
        "file": settings.relative(failure.file),
        "line": failure.line,
        "statement": failure.statement,
        "database_message": failure.database_message,
        "rolled_back": failure.rolled_back,
    }
    return document


def error_document(error: MigrateError) -> dict:
    """The value of the "error" field."""
    document = {"code": error.exit_code, "message": error.message}
    if error.hint:
        document["hint"] = error.hint
    return document
