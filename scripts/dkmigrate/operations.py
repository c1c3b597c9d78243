"""The operations behind the commands. Each resolves what it needs from Settings, does its one job and
returns a value; errors are raised as the typed errors of errors.py. Nothing here prints."""

import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .adapters import adapter_for
from .catalogue import Catalogue, following_version, load_catalogue, next_version
from .catalogue.formats import DBMATE
from .config import Settings
from .errors import DatabaseError, SafetyRefusal, StatementFailed, UsageError
from .runner import Listener, RunReport, Runner
from .status import MigrationStatus
from .rendering import render


@dataclass(frozen=True)
class StatusReport:
    catalogue: Catalogue
    statuses: list[MigrationStatus]
    database_exists: bool


@contextmanager
def _runner(settings: Settings, *, create: bool, lock: bool, listener: Listener):
    catalogue = load_catalogue(settings.migrations_dir)
    adapter = adapter_for(settings.url, settings.table)
    try:
        exists = adapter.open(create=create)
        if lock and exists:
            adapter.acquire_lock(settings.lock_wait, listener.lock_wait)
        yield Runner(adapter, catalogue, settings.table, database_exists=exists, listener=listener)
    except StatementFailed as error:
        raise DatabaseError(f"{settings.url.masked}: {error.message}") from None
    finally:
        adapter.close()


def status(settings: Settings) -> StatusReport:
    with _runner(settings, create=False, lock=False, listener=Listener()) as runner:
        return StatusReport(runner.catalogue, runner.statuses(), runner.database_exists)


def up(settings: Settings, *, steps: int | None = None, to: str | None = None, dry_run: bool = False,
       strict: bool = False, listener: Listener | None = None) -> RunReport:
    listener = listener or Listener()
    with _runner(settings, create=not dry_run, lock=not dry_run, listener=listener) as runner:
        return runner.up(steps=steps, to=to, dry_run=dry_run, strict=strict)


def down(settings: Settings, *, steps: int | None = None, to: str | None = None, dry_run: bool = False,
         confirmed: bool = False, listener: Listener | None = None) -> RunReport:
    if settings.protected and not dry_run and not confirmed:
        raise SafetyRefusal(
            f"environment '{settings.environment}' is protected: rolling back needs --yes",
            hint="review what would run with `migrate down --dry-run` first",
        )
    listener = listener or Listener()
    with _runner(settings, create=False, lock=not dry_run, listener=listener) as runner:
        if not runner.database_exists:
            raise UsageError(f"{settings.url.masked} does not exist: there is nothing to roll back")
        return runner.down(steps=steps, to=to, dry_run=dry_run)


def repair(settings: Settings, version: str, action: str, listener: Listener | None = None) -> str:
    """action: 'applied', 'rolled_back' or 'accept_checksum'. Returns the migration's label."""
    listener = listener or Listener()
    with _runner(settings, create=False, lock=True, listener=listener) as runner:
        if not runner.database_exists:
            raise UsageError(f"{settings.url.masked} does not exist: there is nothing to repair")
        return runner.repair(version, action)


_NAME_UNSAFE = re.compile(r"[/\\]|\.\.|^\.|^~")


def migration_slug(name: str) -> str:
    """A migration name reduced to [a-z0-9_]; a name that could reach outside the directory is refused."""
    if _NAME_UNSAFE.search(name.strip()):
        raise UsageError(f"migration name '{name}' may not contain path separators or '..'")
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise UsageError(f"migration name '{name}' has no letters or digits")
    return slug


def create(settings: Settings, name: str, up_sql: str | None = None, down_sql: str | None = None,
           now: datetime | None = None) -> list[Path]:
    return [path for path, _ in create_many(settings, [(name, up_sql, down_sql)], now=now)]


def create_many(settings: Settings, migrations: list[tuple[str, str | None, str | None]], *, dry_run: bool = False,
                now: datetime | None = None) -> list[tuple[Path, str]]:
    """New migrations, one after the other in version order, each as (name, up SQL, down SQL), in the directory's
    format. Returns every file with its content; with dry_run nothing is written."""
    slugs = [migration_slug(name) for name, _, _ in migrations]
    directory = settings.migrations_dir
    if not dry_run:
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise UsageError(f"cannot create {settings.relative(directory)}: {error.strerror}") from None
    catalogue = load_catalogue(directory) if directory.is_dir() else Catalogue(directory, DBMATE, [])
    version, style = next_version(catalogue, now)
    files: list[tuple[Path, str]] = []
    for slug, (_, up_sql, down_sql) in zip(slugs, migrations):
        context = {"name": slug, "version": version, "up_sql": (up_sql or "").strip(), "down_sql": (down_sql or "").strip()}
        for new_file in catalogue.format.new_files(directory, version, slug, style):
            if new_file.path.exists():
                raise UsageError(f"{settings.relative(new_file.path)} already exists")
            files.append((new_file.path, render(new_file.template, **context)))
        version = following_version(version)
    if not dry_run:
        for path, text in files:
            with open(path, "x", encoding="utf-8") as handle:
                handle.write(text)
    return files


def init(settings: Settings) -> list[Path]:
    """Write migrate.yaml and the migrations directory."""
    config_path = settings.config_file or settings.base_dir / "migrate.yaml"
    if config_path.exists():
        raise UsageError(f"{settings.relative(config_path)} already exists; edit it instead")
    written = []
    if not settings.migrations_dir.is_dir():
        settings.migrations_dir.mkdir(parents=True)
        written.append(settings.migrations_dir)
    config_path.write_text(render(
        "migrate.yaml.j2", dir=settings.relative(settings.migrations_dir), url="sqlite:db/development.sqlite3"
    ), encoding="utf-8")
    written.insert(0, config_path)
    return written
