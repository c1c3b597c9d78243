"""Reconciling migration files with tracking rows: the state of every migration."""

from collections import namedtuple

from .catalogue import Catalogue
from .catalogue.model import Migration, version_key
from .tracking import TrackingRow

APPLIED, PENDING, MODIFIED, MISSING, DIRTY = "applied", "pending", "modified", "missing", "dirty"
STATES = (APPLIED, PENDING, MODIFIED, MISSING, DIRTY)


# The state of one migration: version, name, state, migration (None when the file is missing), row (None when
# pending), out_of_order (older than a migration applied before it: pending now, or applied after it). A tuple:
# one per migration, at every status.
class MigrationStatus(namedtuple("MigrationStatus", "version name state migration row out_of_order", defaults=(False,))):
    __slots__ = ()

    @property
    def key(self) -> tuple:
        return sort_key(self.version)

    @property
    def label(self) -> str:
        if self.migration is not None:
            return self.migration.label
        return f"{self.version}_{self.name}" if self.name else self.version


def reconcile(catalogue: Catalogue, rows: list[TrackingRow]) -> list[MigrationStatus]:
    rows_by_key = {sort_key(row.version): row for row in rows}
    applied_keys = [key for key, row in rows_by_key.items() if not row.dirty]
    newest_applied = max(applied_keys, default=None)
    applied_late = _applied_late(rows_by_key)
    keyed = []  # (sort key, status): the keys computed once, not once more for sorting
    for migration in catalogue.migrations:
        key = (0, migration.key)
        row = rows_by_key.pop(key, None)
        if row is None:
            out_of_order = newest_applied is not None and key < newest_applied
            status = MigrationStatus(migration.version, migration.name, PENDING, migration, None, out_of_order)
        else:
            status = MigrationStatus(row.version, migration.name, _row_state(row, migration), migration, row,
                                     key in applied_late)
        keyed.append((key, status))
    for key, row in rows_by_key.items():
        keyed.append((key, MigrationStatus(row.version, row.name or "", DIRTY if row.dirty else MISSING, None, row)))
    keyed.sort(key=lambda pair: pair[0])
    return [status for _, status in keyed]


def _applied_late(rows_by_key: dict[tuple, TrackingRow]) -> set[tuple]:
    """The keys of the rows applied after a migration of a newer version (merged from another branch)."""
    late, newest = set(), None
    ordered = sorted(((row.apply_order, key) for key, row in rows_by_key.items() if row.apply_order is not None),
                     key=lambda pair: pair[0])
    for _, key in ordered:
        if newest is not None and key < newest:
            late.add(key)
        else:
            newest = key
    return late


def applied_order(statuses: list[MigrationStatus]) -> list[MigrationStatus]:
    """Migrations with a tracking row, most recently applied first (rows adopted from dbmate by version)."""
    tracked = [status for status in statuses if status.row is not None]
    return sorted(tracked, key=lambda s: (s.row.apply_order if s.row.apply_order is not None else -1, s.key), reverse=True)


def summary(statuses: list[MigrationStatus]) -> dict[str, int]:
    return {state: sum(1 for status in statuses if status.state == state) for state in STATES}


def _row_state(row: TrackingRow, migration: Migration) -> str:
    if row.dirty:
        return DIRTY
    if row.checksum is not None and row.checksum != migration.checksum:
        return MODIFIED
    return APPLIED


def sort_key(version: str) -> tuple:
    """Orders versions numerically; one that is not a number (another tool's row) sorts last."""
    try:
        return (0, version_key(version))
    except ValueError:
        return (1, version)
