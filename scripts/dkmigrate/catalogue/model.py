"""What a migration is, independent of the file format it was read from."""

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from ..sqlsplit import Statement


_VERSION_PART = re.compile(r"[._]")


def version_key(version: str) -> tuple[int, ...]:
    """Numeric comparison key: '0001' == '1', '1.1' == '1_1', '2.0' == '2'."""
    if version.isdigit():
        return (int(version),)
    parts = [int(part) for part in _VERSION_PART.split(version)]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def checksum(sql: str) -> str:
    """SHA-256 of a section with line endings normalized, trailing spaces and surrounding blank lines removed."""
    lines = [line.rstrip() for line in sql.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return hashlib.sha256("\n".join(lines).strip("\n").encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Section:
    """The up or the down part of a migration."""

    sql: str
    file: Path
    first_line: int = 1  # file line of the section's first line
    transaction: bool = True  # False when the file says so (transaction:false, goose NO TRANSACTION)
    _statements: dict = field(default_factory=dict, compare=False, repr=False)

    def statements(self, dialect: str) -> list["Statement"]:
        if dialect not in self._statements:
            from ..sqlsplit import split_statements  # only commands that run or read SQL pay for it

            self._statements[dialect] = split_statements(self.sql, dialect, self.first_line)
        return self._statements[dialect]


@dataclass(frozen=True)
class Migration:
    version: str  # as written in the file name
    name: str
    label: str  # how people know it: the file name without its extension and direction
    up: Section
    down: Section | None  # None: the migration cannot be rolled back

    @cached_property
    def key(self) -> tuple[int, ...]:
        return version_key(self.version)

    @property
    def files(self) -> tuple[Path, ...]:
        files = [self.up.file]
        if self.down is not None and self.down.file != self.up.file:
            files.append(self.down.file)
        return tuple(files)

    @cached_property
    def checksum(self) -> str:
        return checksum(self.up.sql)
