"""The tracking table: which migrations a database has, and the SQL that records changes to it.

The table keeps dbmate's shape (`version` primary key), so a dbmate table is adopted in place by adding
the other columns, once its versions are known to be this directory's migrations. A table of another
tool (Flyway, golang-migrate, goose, Rails) is never altered. Every statement is built as literal SQL
text, so what a dry run prints is exactly what a real run executes.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from .catalogue.model import Migration
from .errors import StateError

# column -> the adapter's type for it (Adapter.tracking_types)
COLUMNS = {
    "version": "version",
    "name": "text",
    "checksum": "text",
    "state": "state",
    "applied_at": "timestamp",
    "duration_ms": "integer",
    "apply_order": "integer",
    "progress": "integer",
}

APPLIED = "applied"
APPLYING = "applying"  # a non-transactional up started and has not finished
ROLLING_BACK = "rolling_back"  # a non-transactional down started and has not finished


@dataclass(frozen=True)
class TrackingRow:
    version: str
    name: str | None
    checksum: str | None  # None for rows adopted from another tool
    state: str
    applied_at: str | None  # ISO 8601, UTC
    duration_ms: int | None
    apply_order: int | None
    progress: int | None  # statements done, while a non-transactional migration runs

    @property
    def dirty(self) -> bool:
        return self.state != APPLIED


# Columns that tell another tool's table apart (each tool's own names), and the tool.
_OTHER_TOOLS = (
    ({"installed_rank", "script", "success"}, "Flyway"),
    ({"version_id", "is_applied"}, "goose"),
    ({"version", "dirty"}, "golang-migrate"),
)
_OURS = {"checksum", "state"}  # columns only a table dk migrate created or adopted has
_RAILS_METADATA = "ar_internal_metadata"  # Rails keeps it beside a schema_migrations of dbmate's shape
OWN_TABLE_SUGGESTION = "dk_schema_migrations"


class TrackingTable:
    def __init__(self, adapter, name: str, has_file: Callable[[str], bool]):
        """has_file(version): whether a migration file has that version, to tell a dbmate table of this directory
        from a table of the same shape that another tool or project keeps."""
        self.adapter = adapter
        self.name = name
        self.quoted = adapter.quote_table(name)
        self.has_file = has_file

    def existing_columns(self) -> set[str] | None:
        """The table's columns (None when it does not exist yet); refuses a table that is not ours to adopt."""
        columns = self.adapter.table_columns(self.name)
        if columns is None:
            return None
        for signature, tool in _OTHER_TOOLS:
            if signature <= columns and not _OURS <= columns:
                raise self._foreign(tool, columns)
        if "version" not in columns:
            raise StateError(f"table {self.name} exists but has no version column: it is not a migrations table",
                             hint=f"keep dk migrate's own table elsewhere with `table: {OWN_TABLE_SUGGESTION}` in migrate.yaml")
        if not _OURS & columns:
            if not columns <= set(COLUMNS):
                raise self._foreign("another tool", columns)
            schema, dot, _ = self.name.rpartition(".")
            if self.adapter.table_columns(f"{schema}{dot}{_RAILS_METADATA}") is not None:
                raise self._foreign("Rails", columns, why=f"{_RAILS_METADATA} is beside it")
        return columns

    def _foreign(self, tool: str, columns: set[str], why: str | None = None) -> StateError:
        shape = why or f"columns {', '.join(sorted(columns))}"
        return StateError(
            f"table {self.name} belongs to {tool} ({shape}): dk migrate does not alter another tool's table",
            hint=f"keep dk migrate's own table elsewhere with `table: {OWN_TABLE_SUGGESTION}` in migrate.yaml",
        )

    def _refuse_unknown_versions(self, columns: set[str], versions: list[str]) -> None:
        """A table of dbmate's shape is adopted only when every version in it is one of this directory's migrations:
        Rails and other tools keep the same shape."""
        if _OURS & columns:
            return
        strangers = [version for version in versions if not self.has_file(version)]
        if strangers:
            raise StateError(
                f"table {self.name} has dbmate's shape but holds versions with no migration file here "
                f"({', '.join(strangers[:3])}{', ...' if len(strangers) > 3 else ''}): it may belong to Rails, another "
                "tool or another directory, so dk migrate does not adopt it",
                hint=f"point --dir at its migrations, or keep dk migrate's own table with "
                     f"`table: {OWN_TABLE_SUGGESTION}` in migrate.yaml",
            )

    def setup_statements(self) -> list[str]:
        """What makes the table ready: create it, or add what an adopted dbmate table lacks."""
        columns = self.existing_columns()
        if columns is None:
            return [self.create_statement()]
        versions = [str(version) for version, in self.adapter.query(f"SELECT version FROM {self.quoted}")]
        self._refuse_unknown_versions(columns, versions)
        types = self.adapter.tracking_types
        return [f"ALTER TABLE {self.quoted} ADD COLUMN {column} {types[kind]}"
                for column, kind in COLUMNS.items() if column not in columns]

    def create_statement(self) -> str:
        types = self.adapter.tracking_types
        columns = ",\n    ".join(
            f"{column} {types[kind]}{' PRIMARY KEY' if column == 'version' else ''}" for column, kind in COLUMNS.items()
        )
        return f"CREATE TABLE IF NOT EXISTS {self.quoted} (\n    {columns}\n)"

    def read(self) -> list[TrackingRow]:
        """The rows, read-only: a dbmate table not adopted yet reads as rows with only a version."""
        existing = self.existing_columns()
        if existing is None:
            return []
        columns = [column for column in COLUMNS if column in existing]
        rows = [dict(zip(columns, values))
                for values in self.adapter.query(f"SELECT {', '.join(columns)} FROM {self.quoted}")]
        self._refuse_unknown_versions(existing, [str(row["version"]) for row in rows])
        return [
            TrackingRow(
                version=str(row["version"]),
                name=row.get("name"),
                checksum=row.get("checksum"),
                state=row.get("state") or APPLIED,
                applied_at=_iso(row.get("applied_at")),
                duration_ms=row.get("duration_ms"),
                apply_order=row.get("apply_order"),
                progress=row.get("progress"),
            )
            for row in rows
        ]

    def insert(self, migration: Migration, state: str, apply_order: int | None, duration_ms: int | None = None,
               progress: int = 0) -> str:
        values = {
            "version": migration.version,
            "name": migration.name,
            "checksum": migration.checksum,
            "state": state,
            "applied_at": None,
            "duration_ms": duration_ms,
            "apply_order": apply_order,
            "progress": progress if state != APPLIED else None,
        }
        literals = [self.adapter.now_sql if column == "applied_at" else self.adapter.literal(value)
                    for column, value in values.items()]
        return f"INSERT INTO {self.quoted} ({', '.join(values)}) VALUES ({', '.join(literals)})"

    def set_progress(self, version: str, statements_done: int) -> str:
        return self._update(version, progress=statements_done)

    def set_state(self, version: str, state: str, duration_ms: int | None = None) -> str:
        changes = {"state": state, "progress": None if state == APPLIED else 0}
        if state == APPLIED:
            changes["duration_ms"] = duration_ms
        return self._update(version, **changes)

    def accept_checksum(self, version: str, checksum: str) -> str:
        return self._update(version, checksum=checksum)

    def delete(self, version: str) -> str:
        return f"DELETE FROM {self.quoted} WHERE version = {self.adapter.literal(version)}"

    def _update(self, version: str, **changes) -> str:
        assignments = ", ".join(f"{column} = {self.adapter.literal(value)}" for column, value in changes.items())
        return f"UPDATE {self.quoted} SET {assignments} WHERE version = {self.adapter.literal(version)}"


def _iso(value) -> str | None:
    """A timestamp as ISO 8601 UTC text, from a driver's datetime or SQLite's text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
