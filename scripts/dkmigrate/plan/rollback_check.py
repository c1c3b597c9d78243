"""The checklist's "Rollback verified", proven by `migrate verify` where it can run, or why it could not."""

from ..config import Settings
from ..errors import MigrateError
from .model import FAIL, MANUAL, OK, ChecklistItem

ITEM = "Rollback verified"
# plan verifies at most this many pending migrations: each step reads the whole schema, so verifying them all
# would make plan's time grow with the square of their number; `migrate verify` verifies every one.
PLAN_VERIFY_LIMIT = 20
UNWRITTEN = ("write the phases as migration files (`plan --write`): `migrate verify` then runs each up, down and up "
             "again where it cannot hurt and compares the schema and the data")


def with_rollback_verified(items: list[ChecklistItem], settings: Settings | None, copy_only: bool = False,
                           limit: int | None = None) -> list[ChecklistItem]:
    """The checklist with its rollback item replaced: verified on settings' database (`copy_only`: only where
    the engine gives a private copy of it; `limit`: the first so many pending migrations), or (settings None:
    the migrations are not written) what to do to verify them."""
    item = (rollback_verified(settings, copy_only, limit) if settings is not None
            else ChecklistItem(ITEM, MANUAL, UNWRITTEN))
    return [item if existing.item == ITEM else existing for existing in items]


def rollback_verified(settings: Settings, copy_only: bool = False, limit: int | None = None) -> ChecklistItem:
    from ..verify import verify

    try:
        report = verify(settings, steps=limit, copy_only=copy_only)
    except MigrateError as error:
        hint = f" ({error.hint})" if error.hint else ""
        return ChecklistItem(ITEM, MANUAL, f"`migrate verify` could not run: {error.message}{hint}")
    if not report.verdicts:
        return ChecklistItem(ITEM, MANUAL, "no migration is pending, so there is no rollback to verify")
    failed = [verdict for verdict in report.verdicts if not verdict.reversible]
    if failed or report.not_verified:
        listed = "; ".join(f"{verdict.migration.label}: {verdict.difference[0]}"
                           + (f" (and {len(verdict.difference) - 1} more)" if len(verdict.difference) > 1 else "")
                           for verdict in failed)
        unverified = (f"; not verified after that: {', '.join(m.label for m in report.not_verified)}"
                      if report.not_verified else "")
        return ChecklistItem(ITEM, FAIL, f"`migrate verify` ran up, down, up {report.where}: not reversible: "
                                         f"{listed}{unverified}")
    count = len(report.verdicts)
    data = "schema and data" if any(verdict.data_compared for verdict in report.verdicts) else "schema (no rows)"
    if count < report.pending:
        return ChecklistItem(ITEM, MANUAL, f"`migrate verify` ran up, down, up {report.where}: the first {count} of "
                                           f"{report.pending} pending migrations reversible, {data} compared; run "
                                           "`migrate verify` to verify them all")
    return ChecklistItem(ITEM, OK, f"`migrate verify` ran up, down, up {report.where}: "
                                   f"{'all ' + str(count) if count > 1 else 'the'} migration{'s' if count > 1 else ''} "
                                   f"reversible, {data} compared")
