"""The migration catalogue: the migrations of one directory, in version order, in whichever format the
directory uses (detected from its files)."""

from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path
from stat import S_ISREG

from ..errors import CatalogueError
from .cache import CatalogueCache, identity
from .formats import DBMATE, FLYWAY, GOOSE, PAIRS, MigrationFormat, VersionStyle, read_text
from .model import Migration, version_key

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from datetime import datetime

TIMESTAMP_DIGITS = 14  # YYYYMMDDHHMMSS


class Catalogue(namedtuple("Catalogue", "directory format migrations")):
    """The migrations of a directory, in version order, and their format (a MigrationFormat)."""

    __slots__ = ()

    def find(self, version: str) -> Migration | None:
        try:
            key = version_key(version)
        except ValueError:  # not a number, so no migration has it
            return None
        return next((migration for migration in self.migrations if migration.key == key), None)


def load_catalogue(directory: Path) -> Catalogue:
    if not directory.is_dir():
        raise CatalogueError(
            f"no migrations directory {directory}",
            hint="create it with `migrate init` or `migrate create NAME`, or point --dir at it",
        )
    identities = {}  # file name -> identity (catalogue/cache.py)
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.endswith(".sql") and not entry.name.startswith("."):
                try:
                    stat = entry.stat()
                except OSError:  # a broken link, or a file just removed
                    continue
                if S_ISREG(stat.st_mode):
                    identities[entry.name] = identity(stat)
    names = sorted(identities)
    migration_format = detect_format(directory, names)
    for name in names:
        if not migration_format.claims(name):
            raise CatalogueError(
                f"{name} is not named like a {migration_format.name} migration ({migration_format.expected})",
                hint=f"rename it, or move it out of {directory}",
            )
    cache = CatalogueCache(directory)
    migrations = []
    for files in migration_format.migration_files(names):
        files_identity = tuple(identities[name] for name in files)
        migration = cache.migration(files, files_identity)
        if migration is None:
            migration = migration_format.read_migration(tuple(directory / name for name in files))
            cache.keep(files, files_identity, migration)
        migrations.append(migration)
    cache.save()
    migrations.sort(key=lambda migration: migration.key)
    for before, after in zip(migrations, migrations[1:]):
        if before.key == after.key:
            raise CatalogueError(f"two migrations have version {after.version}: {before.up.file.name} and {after.up.file.name}")
    return Catalogue(directory, migration_format, migrations)


def migration_of_file(path: Path) -> Migration | None:
    """The migration one file belongs to, read with its other half (a pair's down file, a Flyway undo file)
    when that exists; None for a file that is plain SQL rather than a migration."""
    name = path.name
    if PAIRS.claims(name):
        halves = [path.with_name(name[: -len(".up.sql")] + ".down.sql") if name.endswith(".up.sql")
                  else path.with_name(name[: -len(".down.sql")] + ".up.sql"), path]
        return PAIRS.read([half for half in halves if half.is_file()])[0]
    if FLYWAY.claims(name) and name[0] in "VU":
        other_half = ("U" if name[0] == "V" else "V") + name[1:]
        halves = [path.with_name(other_half), path]
        return FLYWAY.read([half for half in halves if half.is_file()])[0]
    text = read_text(path)
    for sectioned in (GOOSE, DBMATE):
        if sectioned.marker.search(text):
            return sectioned.migration(path, text)
    return None


def detect_format(directory: Path, names: list[str]) -> MigrationFormat:
    """The format of a folder's .sql files (their names, sorted)."""
    if any(PAIRS.claims(name) for name in names):
        return PAIRS
    if any(FLYWAY.claims(name) for name in names):
        return FLYWAY
    sectioned = next((name for name in names if DBMATE.claims(name)), None)
    if sectioned and GOOSE.is_goose((directory / sectioned).read_text(encoding="utf-8-sig", errors="replace")):
        return GOOSE
    return DBMATE


def next_version(catalogue: Catalogue, now: datetime | None = None) -> tuple[str, VersionStyle]:
    """The version and file-name style of a new migration: a UTC timestamp, unless the directory numbers its
    migrations sequentially (0001, 0002, ...), in which case the next number with the same width."""
    from datetime import datetime, timezone  # only `create` needs the time

    now = now or datetime.now(timezone.utc)
    style = VersionStyle()
    if not catalogue.migrations:
        return now.strftime("%Y%m%d%H%M%S"), style
    newest = catalogue.migrations[-1]
    if catalogue.format is PAIRS:
        match = PAIRS.pattern.match(newest.up.file.name)
        style = VersionStyle(prefix=match["prefix"], separator=match["separator"] or "_")
    if len(newest.version) >= TIMESTAMP_DIGITS and newest.version.isdigit():
        stamp = now.strftime("%Y%m%d%H%M%S")
        return (stamp if int(stamp) > int(newest.version) else str(int(newest.version) + 1)), style
    following = newest.key[0] + 1
    width = len(newest.version) if newest.version.startswith("0") else 0
    return str(following).zfill(width), style


def following_version(version: str) -> str:
    """The version after one just given to a new migration, in the same style (width kept: 0042 -> 0043)."""
    return str(int(version) + 1).zfill(len(version))
