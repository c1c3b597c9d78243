"""What reading a migrations folder found, kept between runs (derived.py), so that `status` and `up` over thousands
of applied migrations do not read, split and checksum every file at each run.

A migration's entry holds what its files gave (its sections and the up section's checksum) and each file's identity
when it was read: size, modification and change times in nanoseconds, inode. The entry is used only while every one
of its files still has that identity. A file is kept only once its times are SETTLE_NS old: file times advance in
coarse ticks, so a second write of the same size within the tick of the first would leave the same times behind
(git calls such entries "racily clean"). A change always moves the change time to the present, which no program
can set back.
"""

import os
import time
from pathlib import Path

from ..derived import derived_file, keep_derived, read_derived
from . import formats, model
from .model import Migration, Section

SETTLE_NS = 2_000_000_000


def identity(stat: os.stat_result) -> tuple[int, int, int, int]:
    return stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino


def _code_identity() -> tuple | None:
    """The reading code's own files: an entry read by other code (another version of dk migrate) is not used.
    None when they cannot be told (the package run from an archive): then nothing is kept."""
    try:
        return tuple(identity(os.stat(source)) for source in (formats.__file__, model.__file__, __file__))
    except (OSError, TypeError):
        return None


class CatalogueCache:
    """The entries of one folder: looked up by the names of a migration's files (its up file first)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._code = _code_identity()
        self._kept_at = derived_file("catalogue", str(directory)) if self._code is not None else None
        kept = read_derived(self._kept_at)
        valid = isinstance(kept, tuple) and len(kept) == 2 and kept[0] == self._code and isinstance(kept[1], dict)
        self._entries = kept[1] if valid else {}
        self._used: dict = {}
        self._changed = False
        self._settled_before = time.time_ns() - SETTLE_NS

    def migration(self, files: tuple[str, ...], identities: tuple) -> Migration | None:
        """The migration the entry of these files (their names) holds, if they are as they were when it was kept."""
        entry = self._entries.get(files)
        if entry is None or entry[0] != identities:
            return None
        self._used[files] = entry
        _, version, name, label, up, down, checksum = entry
        up_file = self.directory / files[0]
        down_section = None if down is None else Section(
            down[0], up_file if len(files) == 1 else self.directory / files[1], down[1], down[2])
        return Migration(version, name, label, Section(up[0], up_file, up[1], up[2]), down_section, checksum=checksum)

    def keep(self, files: tuple[str, ...], identities: tuple, migration: Migration) -> None:
        """Keeps what the files gave, unless one of them changed too recently to be told apart from a next change."""
        if any(max(mtime, ctime) >= self._settled_before for _, mtime, ctime, _ in identities):
            return
        up, down = migration.up, migration.down
        self._used[files] = (
            identities, migration.version, migration.name, migration.label, (up.sql, up.first_line, up.transaction),
            None if down is None else (down.sql, down.first_line, down.transaction), migration.checksum)
        self._changed = True

    def save(self) -> None:
        """Keeps the entries this reading used or added; those of files gone or changed are dropped."""
        if self._kept_at and (self._changed or len(self._used) != len(self._entries)):
            keep_derived(self._kept_at, (self._code, self._used))
