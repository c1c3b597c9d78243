"""What a migration is, independent of the file format it was read from."""

import re
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


def lenient_version_key(version: str) -> tuple:
    """version_key, or the text itself for a version that is not a number (no migration file has it)."""
    try:
        return version_key(version)
    except ValueError:
        return (version,)


def _immutable(self, name, value=None):
    raise AttributeError(f"cannot change {name} of a {type(self).__name__}: it is immutable")


def checksum(sql: str) -> str:
    """SHA-256 of a section with line endings normalized, trailing spaces and surrounding blank lines removed."""
    import hashlib  # loads OpenSSL: only the commands that compare or record checksums pay for it

    lines = [line.rstrip() for line in sql.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return hashlib.sha256("\n".join(lines).strip("\n").encode("utf-8")).hexdigest()


class Section:
    """The up or the down part of a migration. Immutable; a class with slots rather than a dataclass, as one is
    made for each section of every migration file at each run."""

    __slots__ = ("sql", "file", "first_line", "transaction", "_statements")

    def __init__(self, sql: str, file: Path, first_line: int = 1, transaction: bool = True):
        set_field = object.__setattr__
        set_field(self, "sql", sql)
        set_field(self, "file", file)
        set_field(self, "first_line", first_line)  # file line of the section's first line
        set_field(self, "transaction", transaction)  # False when the file says so (transaction:false, NO TRANSACTION)
        set_field(self, "_statements", None)  # (dialect, statements): split once (a run reads one dialect)

    def statements(self, dialect: str) -> list["Statement"]:
        cached = self._statements
        if cached is None or cached[0] != dialect:
            from ..sqlsplit import split_statements  # only commands that run or read SQL pay for it

            cached = (dialect, split_statements(self.sql, dialect, self.first_line))
            object.__setattr__(self, "_statements", cached)
        return cached[1]

    def forget_statements(self) -> None:
        """Drops the statements split from the section, once no one will ask for them again (split again if
        asked): a run over 10,000 migrations would otherwise hold every statement of every one until it ends."""
        object.__setattr__(self, "_statements", None)

    def _fields(self) -> tuple:
        return self.sql, self.file, self.first_line, self.transaction

    def __eq__(self, other) -> bool:
        return self._fields() == other._fields() if type(other) is Section else NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"Section(sql={self.sql!r}, file={self.file!r}, first_line={self.first_line!r}, "
                f"transaction={self.transaction!r})")

    __setattr__ = __delattr__ = _immutable


class Migration:
    """One migration: version as written in the file name, name, label (how people know it: the file name without
    its extension and direction), up, down (None: it cannot be rolled back). Immutable, like Section."""

    __slots__ = ("version", "name", "label", "up", "down", "_key", "_checksum")

    def __init__(self, version: str, name: str, label: str, up: Section, down: Section | None,
                 checksum: str | None = None):
        """checksum: the up section's, when known already (catalogue/cache.py)."""
        set_field = object.__setattr__
        set_field(self, "version", version)
        set_field(self, "name", name)
        set_field(self, "label", label)
        set_field(self, "up", up)
        set_field(self, "down", down)
        set_field(self, "_key", None)
        set_field(self, "_checksum", checksum)

    @property
    def key(self) -> tuple[int, ...]:
        if self._key is None:
            object.__setattr__(self, "_key", version_key(self.version))
        return self._key

    @property
    def files(self) -> tuple[Path, ...]:
        files = [self.up.file]
        if self.down is not None and self.down.file != self.up.file:
            files.append(self.down.file)
        return tuple(files)

    @property
    def checksum(self) -> str:
        if self._checksum is None:
            object.__setattr__(self, "_checksum", checksum(self.up.sql))
        return self._checksum

    def _fields(self) -> tuple:
        return self.version, self.name, self.label, self.up, self.down

    def __eq__(self, other) -> bool:
        return self._fields() == other._fields() if type(other) is Migration else NotImplemented

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return (f"Migration(version={self.version!r}, name={self.name!r}, label={self.label!r}, up={self.up!r}, "
                f"down={self.down!r})")

    __setattr__ = __delattr__ = _immutable
