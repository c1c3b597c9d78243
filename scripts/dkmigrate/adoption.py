"""Databases another tool migrated: recognising golang-migrate's, goose's and Flyway's tracking tables, and
reading each as the history dk migrate adopts.

Each tool records its history its own way, and each is read by its own rules:
- golang-migrate keeps one row, its current version and a `dirty` flag: every migration up to that version
  is applied, and the version itself is dirty when the flag is set.
- goose appends a row per change: the newest row of a version says whether it is applied (`is_applied` false
  is a rollback, as goose v2 recorded them); version 0 is the row goose writes when it creates the table.
- Flyway appends a row per change: a failed row (`success` false) is dirty, an undo or a `repair`'s delete
  marker leaves the version not applied, and a BASELINE row stands for every migration up to its version.

Nothing here writes: the other tool's table is only read, never altered.
"""

from collections import namedtuple

from .catalogue.model import lenient_version_key, version_key
from .errors import StateError

GOLANG_MIGRATE, GOOSE, FLYWAY = "golang-migrate", "goose", "Flyway"

# Columns that tell another tool's table apart (each tool's own names), and the tool.
SIGNATURES = (
    ({"installed_rank", "script", "success"}, FLYWAY),
    ({"version_id", "is_applied"}, GOOSE),
    ({"version", "dirty"}, GOLANG_MIGRATE),
)
# Where each tool keeps its table by default, looked for beside dk migrate's own.
DEFAULT_TABLES = ("schema_migrations", "goose_db_version", "flyway_schema_history")


# Another tool's table: the tool, and its name as the adapter resolves it (schema-qualified where the engine has
# schemas).
ForeignTable = namedtuple("ForeignTable", "tool name")
# One version of another tool's history: the migration file's version as written in its name, dirty (recorded
# dirty by golang-migrate, failed by Flyway), applied_at (the tool's timestamp, a datetime or text, or None where it
# keeps none), order (its position in the tool's own history).
AdoptedVersion = namedtuple("AdoptedVersion", "version dirty applied_at order")


def tool_of(columns: set[str], own_columns: set[str]) -> str | None:
    """The tool whose table has these columns; None for a table of dk migrate's (it has all of own_columns)."""
    if own_columns <= columns:
        return None
    return next((tool for signature, tool in SIGNATURES if signature <= columns), None)


def read_history(adapter, table: ForeignTable, versions: list[str]) -> list[AdoptedVersion]:
    """What the tool's table says is applied (or dirty), as versions of the migration files `versions`.

    StateError, naming the tool, when the table holds a version that has no migration file here: the directory
    is not the one that migrated this database, and adopting its history would apply the wrong migrations."""
    by_key = {version_key(version): version for version in versions}
    quoted = adapter.quote_table(table.name)
    if table.tool == GOLANG_MIGRATE:
        recorded, below = _golang_migrate(adapter.query(f"SELECT version, dirty FROM {quoted}"))
    elif table.tool == GOOSE:
        recorded, below = _goose(adapter.query(
            f"SELECT version_id, is_applied, {adapter.utc('tstamp')} FROM {quoted} ORDER BY id"))
    else:
        recorded, below = _flyway(adapter.query(
            f"SELECT version, type, success, {adapter.utc('installed_on')} FROM {quoted} ORDER BY installed_rank"))
    strangers = [version for version in recorded if _key(version) not in by_key]
    if strangers:
        shown = ", ".join(strangers[:3]) + (", ..." if len(strangers) > 3 else "")
        raise StateError(
            f"table {table.name} belongs to {table.tool} and records versions with no migration file here ({shown}): "
            "dk migrate adopts another tool's history only for the directory that made it",
            hint="point --dir at that tool's migrations directory (`migrate detect` names it)",
        )
    adopted: dict[tuple, AdoptedVersion] = {}
    if below is not None:  # golang-migrate's current version, Flyway's baseline: everything up to it is applied
        for order, key in enumerate(sorted(key for key in by_key if key <= _key(below)), start=1):
            adopted[key] = AdoptedVersion(by_key[key], False, None, order)
    for (version, (dirty, applied_at)) in recorded.items():
        key = _key(version)
        adopted.pop(key, None)
        adopted[key] = AdoptedVersion(by_key[key], dirty, applied_at, len(adopted) + 1)
    return list(adopted.values())


def _key(version) -> tuple:
    return lenient_version_key(str(version).strip())


def _golang_migrate(rows) -> tuple[dict, str | None]:
    if not rows:  # migrated all the way down, or never up
        return {}, None
    version, dirty = max(rows, key=lambda row: row[0])  # it keeps one row; a second would be a stray
    if int(version) < 0:  # golang-migrate's "no version"
        return {}, None
    return {str(version): (bool(dirty), None)}, str(version)


def _goose(rows) -> tuple[dict, None]:
    latest: dict[str, tuple] = {}
    for version_id, is_applied, tstamp in rows:
        if int(version_id) == 0:
            continue
        latest.pop(str(version_id), None)  # the newest row of a version decides, in the order of the history
        latest[str(version_id)] = (bool(is_applied), tstamp)
    return {version: (False, tstamp) for version, (applied, tstamp) in latest.items() if applied}, None


_FLYWAY_NOT_APPLIED = ("UNDO_SQL", "UNDO_JDBC", "UNDO_SCRIPT", "DELETE")


def _flyway(rows) -> tuple[dict, str | None]:
    latest: dict[str, tuple] = {}
    baseline = None
    for version, kind, success, installed_on in rows:
        if version is None or kind == "SCHEMA":  # repeatable migrations and the schema-creation marker
            continue
        if kind == "BASELINE":
            baseline = str(version)
            continue
        latest.pop(str(version), None)
        latest[str(version)] = (kind, bool(success), installed_on)
    recorded = {version: (not success, installed_on) for version, (kind, success, installed_on) in latest.items()
                if kind not in _FLYWAY_NOT_APPLIED or not success}
    return recorded, baseline
