"""The tracking table: which migrations a database has, and the SQL that records changes to it.

The table keeps dbmate's shape (`version` primary key), so a dbmate table is adopted in place by adding
the other columns, once its versions are known to be this directory's migrations. A table of another
tool (Flyway, golang-migrate, goose, Rails) is never altered: dk migrate reads the history of golang-migrate's,
goose's or Flyway's table (adoption.py) while its own table does not exist, and copies it into its own table,
created beside the other one, when it first records a change. Every statement is built as literal SQL text, so
what a dry run prints is exactly what a real run executes.
"""

from collections import namedtuple

from .adoption import DEFAULT_TABLES, ForeignTable, read_history, tool_of
from .catalogue.model import Migration, lenient_version_key
from .engines import engine
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

# Added on first need, by the first migration with a batched statement (tables made before it lack it): where
# that statement's batches stopped, as JSON text (backfill.Position).
BATCH_COLUMN = "batch_position"

APPLIED = "applied"
APPLYING = "applying"  # a non-transactional up started and has not finished
ROLLING_BACK = "rolling_back"  # a non-transactional down started and has not finished
ADOPTED_DIRTY = "dirty"  # the tool that migrated the database before recorded it dirty or failed


# One row, with a field per column of COLUMNS and `batch` (BATCH_COLUMN: where the batched statement in progress
# stopped): a tuple, as thousands of them are read at every status. checksum is None for rows adopted from another
# tool, applied_at ISO 8601 UTC text, progress the statements done while a non-transactional migration runs.
class TrackingRow(namedtuple("TrackingRow", (*COLUMNS, "batch"), defaults=(None,))):
    __slots__ = ()

    @property
    def dirty(self) -> bool:
        return self.state != APPLIED


_OURS = {"checksum", "state"}  # columns only a table dk migrate created or adopted has
_RAILS_METADATA = "ar_internal_metadata"  # Rails keeps it beside a schema_migrations of dbmate's shape
# dk migrate's own table when the configured name is another tool's table (golang-migrate's schema_migrations),
# and where to keep it instead of a table it refuses
OWN_TABLE = "dk_schema_migrations"


class TrackingTable:
    def __init__(self, adapter, name: str, migrations: list[Migration]):
        """`name`: the configured table. `migrations`: the directory's, to tell a dbmate table of this
        directory from a table of the same shape that another tool or project keeps, and to read another tool's
        history as this directory's migrations."""
        self.adapter = adapter
        self.name = name
        self.quoted = adapter.quote_table(name)
        self.versions = [migration.version for migration in migrations]
        self.names = {migration.key: migration.name for migration in migrations}
        self.foreign: ForeignTable | None = None  # another tool's table, adopted until dk migrate's own exists
        self._resolved = False
        self.has_batch_column = False  # learned by read(), or set once batch_column_statements() ran

    def existing_columns(self) -> set[str] | None:
        """dk migrate's own table's columns (None when it does not exist yet): the configured table, or the one
        beside it when the configured name is another tool's table. Refuses a table that is not ours to adopt."""
        if not self._resolved:
            self._resolve()
        columns = self.adapter.table_columns(self.name)
        if columns is not None:
            self._check_own(columns)
        return columns

    def _resolve(self) -> None:
        """Which table is dk migrate's own, and which other tool's table it adopts while its own does not exist."""
        columns = self.adapter.table_columns(self.name)
        tool = tool_of(columns, _OURS) if columns is not None else None
        if tool is not None:
            self.foreign = ForeignTable(tool, self.name)
            self._use(beside(self.name, OWN_TABLE))
            columns = self.adapter.table_columns(self.name)
        if columns is None and self.foreign is None:
            self.foreign = self._foreign_beside()
        self._resolved = True

    def _use(self, name: str) -> None:
        self.name, self.quoted = name, self.adapter.quote_table(name)

    def _foreign_beside(self) -> ForeignTable | None:
        """Another tool's table where that tool keeps it by default, beside where dk migrate's own would be."""
        found = []
        for default in DEFAULT_TABLES:
            name = beside(self.name, default)
            if name == self.name:
                continue
            columns = self.adapter.table_columns(name)
            tool = tool_of(columns, _OURS) if columns is not None else None
            if tool is not None:
                found.append(ForeignTable(tool, name))
        if len(found) > 1:
            raise StateError(
                "this database has the tables of several migration tools ("
                + ", ".join(f"{table.name} of {table.tool}" for table in found)
                + "): dk migrate cannot tell which history is the true one",
                hint=f"name the true one with `table: {found[0].name.rpartition('.')[2]}` (or another) in migrate.yaml; "
                     f"dk migrate then keeps its own table beside it as {OWN_TABLE}",
            )
        return found[0] if found else None

    def _check_own(self, columns: set[str]) -> None:
        tool = tool_of(columns, _OURS)
        if tool is not None:
            raise self._foreign(tool, columns)
        if "version" not in columns:
            raise StateError(f"table {self.name} exists but has no version column: it is not a migrations table",
                             hint=f"keep dk migrate's own table elsewhere with `table: {OWN_TABLE}` in migrate.yaml")
        if not _OURS & columns:
            if not columns <= set(COLUMNS):
                raise self._foreign("another tool", columns)
            schema, dot, _ = self.name.rpartition(".")
            if self.adapter.table_columns(f"{schema}{dot}{_RAILS_METADATA}") is not None:
                raise self._foreign("Rails", columns, why=f"{_RAILS_METADATA} is beside it")

    def _foreign(self, tool: str, columns: set[str], why: str | None = None) -> StateError:
        shape = why or f"columns {', '.join(sorted(columns))}"
        return StateError(
            f"table {self.name} belongs to {tool} ({shape}): dk migrate does not alter another tool's table",
            hint=f"keep dk migrate's own table elsewhere with `table: {OWN_TABLE}` in migrate.yaml",
        )

    def _refuse_unknown_versions(self, columns: set[str], versions: list[str]) -> None:
        """A table of dbmate's shape is adopted only when every version in it is one of this directory's migrations:
        Rails and other tools keep the same shape."""
        if _OURS & columns:
            return
        known = {lenient_version_key(version) for version in self.versions}
        strangers = [version for version in versions if lenient_version_key(version) not in known]
        if strangers:
            raise StateError(
                f"table {self.name} has dbmate's shape but holds versions with no migration file here "
                f"({', '.join(strangers[:3])}{', ...' if len(strangers) > 3 else ''}): it may belong to Rails, another "
                "tool or another directory, so dk migrate does not adopt it",
                hint=f"point --dir at its migrations, or keep dk migrate's own table with "
                     f"`table: {OWN_TABLE}` in migrate.yaml",
            )

    def setup_statements(self) -> list[str]:
        """What makes the table ready: create it, or add what an adopted dbmate table lacks."""
        columns = self.existing_columns()
        if columns is None:
            adopted = [self.adopt(row) for row in self._adopted_rows()]
            if not adopted:
                return [self.create_statement()]
            # One transaction: a table that exists holds the whole history, never half of it.
            if engine(self.adapter.dialect).transactional_ddl:
                return ["BEGIN", self.create_statement(), *adopted, "COMMIT"]
            return [self.create_statement(), "BEGIN", *adopted, "COMMIT"]
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
            return self._adopted_rows()
        self.has_batch_column = BATCH_COLUMN in existing
        # One query, every column in COLUMNS' order; those a dbmate table not adopted yet lacks read as NULL.
        selected = ", ".join(column if column in existing else "NULL" for column in (*COLUMNS, BATCH_COLUMN))
        rows = self.adapter.query(f"SELECT {selected} FROM {self.quoted}")
        if not _OURS & existing:
            self._refuse_unknown_versions(existing, [str(row[0]) for row in rows])
        return [TrackingRow(str(version), name, checksum, state or APPLIED, _iso(applied_at), *rest)
                for version, name, checksum, state, applied_at, *rest in rows]

    def insert(self, migration: Migration, state: str, apply_order: int | None, duration_ms: int | None = None,
               progress: int = 0, checksum: bool = True) -> str:
        """checksum=False: a migration recorded without running its file (a baseline), never `modified`."""
        values = {
            "version": migration.version,
            "name": migration.name,
            "checksum": migration.checksum if checksum else None,
            "state": state,
            "applied_at": None,
            "duration_ms": duration_ms,
            "apply_order": apply_order,
            "progress": progress if state != APPLIED else None,
        }
        literals = [self.adapter.now_sql if column == "applied_at" else self.adapter.literal(value)
                    for column, value in values.items()]
        return f"INSERT INTO {self.quoted} ({', '.join(values)}) VALUES ({', '.join(literals)})"

    def adopt(self, row: TrackingRow) -> str:
        """Records a migration another tool applied (or left dirty): no checksum, as that tool recorded it."""
        values = {"version": row.version, "name": row.name, "checksum": None, "state": row.state,
                  "applied_at": row.applied_at, "apply_order": row.apply_order}
        literals = ", ".join(self.adapter.timestamp_literal(value) if column == "applied_at" and value is not None
                             else self.adapter.literal(value) for column, value in values.items())
        return f"INSERT INTO {self.quoted} ({', '.join(values)}) VALUES ({literals})"

    def _adopted_rows(self) -> list[TrackingRow]:
        """The history of the other tool's table, as the rows dk migrate's own table starts with."""
        if self.foreign is None:
            return []
        return [TrackingRow(version=adopted.version, name=self.names.get(lenient_version_key(adopted.version)),
                            checksum=None,
                            state=ADOPTED_DIRTY if adopted.dirty else APPLIED, applied_at=_iso(adopted.applied_at),
                            duration_ms=None, apply_order=adopted.order, progress=None)
                for adopted in read_history(self.adapter, self.foreign, self.versions)]

    def set_progress(self, version: str, statements_done: int) -> str:
        if self.has_batch_column:  # a batched statement's position ends with it
            return self._update(version, progress=statements_done, **{BATCH_COLUMN: None})
        return self._update(version, progress=statements_done)

    def batch_column_statements(self, exists: bool) -> list[str]:
        """What adds BATCH_COLUMN to a table that lacks it; `exists`: whether the table exists before the run."""
        if exists and self.has_batch_column:
            return []
        return [f"ALTER TABLE {self.quoted} ADD COLUMN {BATCH_COLUMN} {self.adapter.tracking_types['text']}"]

    def set_batch(self, version: str, position: str) -> str:
        return self._update(version, **{BATCH_COLUMN: position})

    def set_state(self, version: str, state: str, duration_ms: int | None = None) -> str:
        changes = {"state": state, "progress": None if state == APPLIED else 0}
        if state == APPLIED:
            changes["duration_ms"] = duration_ms
        if self.has_batch_column:
            changes[BATCH_COLUMN] = None
        return self._update(version, **changes)

    def accept_checksum(self, version: str, checksum: str) -> str:
        return self._update(version, checksum=checksum)

    def delete(self, version: str) -> str:
        return f"DELETE FROM {self.quoted} WHERE version = {self.adapter.literal(version)}"

    def _update(self, version: str, **changes) -> str:
        assignments = ", ".join(f"{column} = {self.adapter.literal(value)}" for column, value in changes.items())
        return f"UPDATE {self.quoted} SET {assignments} WHERE version = {self.adapter.literal(version)}"


def beside(table: str, name: str) -> str:
    """`name` in the schema of `table`."""
    schema, dot, _ = table.rpartition(".")
    return f"{schema}{dot}{name}"


def _iso(value) -> str | None:
    """A timestamp as ISO 8601 UTC text, from a driver's datetime or SQLite's text."""
    if value is None:
        return None
    if (isinstance(value, str) and len(value) >= 20 and value[4] == value[7] == "-" and value[10] == "T"
            and value[13] == value[16] == ":" and value[19] in ".Z" and value[-1] == "Z"):
        return value[:19] + "Z"  # as dk migrate writes it on SQLite: already UTC, to the second
    from datetime import datetime, timezone  # imported only for the values that need it

    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
