"""Which SQL migrations of another tool a database has applied, read from that tool's own history table, so
that `lint` in a project of that tool lints only the pending ones. One reader per tool: golang-migrate's,
goose's and Flyway's are adoption's; dbmate's table is dk migrate's own format; Prisma keeps
`_prisma_migrations`, Drizzle `__drizzle_migrations`. A table that is not there means nothing is applied.
Nothing here writes."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from .adoption import FLYWAY, GOLANG_MIGRATE, GOOSE, SIGNATURES, ForeignTable, read_history
from .catalogue import load_catalogue
from .catalogue.model import lenient_version_key, version_key
from .errors import CatalogueError
from .tracking import beside

def has_reader(tool_name: str) -> bool:
    return tool_name in _READERS


def applied_files(adapter, use, project: Path, schema: str | None = None) -> tuple[set[PurePosixPath], str, bool]:
    """The files of `use` (relative to `project`, as detect lists them) whose migration the database has applied,
    the table that says so, and whether it exists. `schema`: where the tool's configuration keeps its table
    (Prisma's)."""
    reader, table, schemas = _READERS[use.tool.name]
    schema = schema or schemas.get(adapter.dialect)
    name = f"{schema}.{table}" if schema else beside(adapter.table, table)
    columns = adapter.table_columns(name)
    if columns is None:
        return set(), name, False
    return reader(adapter, use, project, name, columns), name, True


def _adopted(tool: str):
    """golang-migrate's, goose's or Flyway's history, read as adoption reads it: dirty or failed is not applied."""
    def read(adapter, use, project: Path, name: str, columns: set[str]) -> set[PurePosixPath]:
        if not any(signature <= columns and owner == tool for signature, owner in SIGNATURES):
            return set()  # a table of that name, but not this tool's
        migrations = _catalogue(project / use.migrations_dir)
        history = read_history(adapter, ForeignTable(tool, name), [migration.version for migration in migrations])
        applied = {version_key(version.version) for version in history if not version.dirty}
        return _files(project, (migration for migration in migrations if migration.key in applied))
    return read


def _dbmate(adapter, use, project: Path, name: str, columns: set[str]) -> set[PurePosixPath]:
    """dbmate's `schema_migrations (version)`; dk migrate's own table, of the same shape, marks a migration left
    dirty by its state."""
    if any(signature <= columns for signature, _ in SIGNATURES):
        return set()  # golang-migrate's table of the same name
    state = " WHERE state IS NULL OR state = 'applied'" if "state" in columns else ""
    recorded = {str(version) for version, in adapter.query(f"SELECT version FROM {adapter.quote_table(name)}{state}")}
    keys = {lenient_version_key(version) for version in recorded}
    return _files(project, (migration for migration in _catalogue(project / use.migrations_dir)
                            if migration.key in keys))


def _prisma(adapter, use, project: Path, name: str, columns: set[str]) -> set[PurePosixPath]:
    """A migration Prisma finished and did not mark rolled back; a failed one (not finished) is still to do."""
    finished = {row[0] for row in adapter.query(
        f"SELECT migration_name FROM {adapter.quote_table(name)}"
        " WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL")}
    return {path for path in use.files if path.parent.name in finished}


def _drizzle(adapter, use, project: Path, name: str, columns: set[str]) -> set[PurePosixPath]:
    """Drizzle applies the journal's entries made after the newest `created_at` it recorded (the entry's `when`)."""
    newest = adapter.query(f"SELECT max(created_at) FROM {adapter.quote_table(name)}")[0][0]
    if newest is None:
        return set()
    journal = project / use.migrations_dir / "meta" / "_journal.json"
    try:
        entries = json.loads(journal.read_text(encoding="utf-8"))["entries"]
        applied = {f"{entry['tag']}.sql" for entry in entries if int(entry["when"]) <= int(newest)}
    except (OSError, ValueError, KeyError, TypeError):
        raise CatalogueError(f"{journal.name}: Drizzle's journal cannot be read") from None
    return {path for path in use.files if path.name in applied}


# tool -> (reader, its table, the schema it keeps the table in by dialect where that is not the connection's)
_READERS = {
    GOLANG_MIGRATE: (_adopted(GOLANG_MIGRATE), "schema_migrations", {}),
    GOOSE: (_adopted(GOOSE), "goose_db_version", {}),
    FLYWAY: (_adopted(FLYWAY), "flyway_schema_history", {}),
    "dbmate": (_dbmate, "schema_migrations", {}),
    "Prisma": (_prisma, "_prisma_migrations", {}),
    "Drizzle": (_drizzle, "__drizzle_migrations", {"postgres": "drizzle"}),
}


def _catalogue(directory: Path):
    """The directory's migrations; CatalogueError when dk migrate cannot read it as one (Flyway's repeatable
    migrations), so that which files are applied is not guessed."""
    return load_catalogue(directory).migrations


def _files(project: Path, migrations) -> set[PurePosixPath]:
    return {PurePosixPath(file.relative_to(project).as_posix()) for migration in migrations
            for file in migration.files}


