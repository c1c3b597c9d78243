"""The migration file formats: how each names its files, where its up and down sections are, and how
`create` names a new migration in it.

- dbmate:  20261124093000_add_users.sql with `-- migrate:up` / `-- migrate:down` sections
- goose:   20261124093000_add_users.sql with `-- +goose Up` / `-- +goose Down` sections
- pairs:   0001_add_users.up.sql + 0001_add_users.down.sql (golang-migrate; also V0001.Add_Users.up.sql)
- flyway:  V1__add_users.sql, with U1__add_users.sql as its down
"""

import re
from abc import ABC, abstractmethod
from collections import namedtuple
from pathlib import Path

from ..errors import CatalogueError
from .model import Migration, Section


NewFile = namedtuple("NewFile", "path template")  # a file `create` writes, and the template that renders it


class MigrationFormat(ABC):
    name: str
    pattern: re.Pattern  # file names this format reads
    expected: str  # the file-name shape, for error messages

    def claims(self, file_name: str) -> bool:
        return self.pattern.match(file_name) is not None

    def read(self, files: list[Path]) -> list[Migration]:
        """Migrations from the files this format claims (not yet checked for duplicate versions)."""
        by_name = {path.name: path for path in files}
        return [self.read_migration(tuple(by_name[name] for name in names))
                for names in self.migration_files(list(by_name))]

    def migration_files(self, names: list[str]) -> list[tuple[str, ...]]:
        """The file names of each migration, its up file first: one file each, unless the down has a file of its own."""
        return [(name,) for name in names]

    @abstractmethod
    def read_migration(self, files: tuple[Path, ...]) -> Migration:
        """The migration held by the files migration_files grouped."""

    @abstractmethod
    def new_files(self, directory: Path, version: str, name: str, style: "VersionStyle") -> list[NewFile]:
        """The files `create` writes for a new migration."""


# How existing file names write versions, so a new file looks like its neighbours: prefix ("V" in
# V0001.Initial_Schema.up.sql), separator (between version and name).
VersionStyle = namedtuple("VersionStyle", "prefix separator", defaults=("", "_"))


def read_text(path: Path) -> str:
    """A migration or SQL file's text; CatalogueError (exit 2) when it is not readable UTF-8 or holds a NUL byte
    (PostgreSQL's client library ends a statement at a NUL: `DELETE FROM t\\0 WHERE id = 5` would delete every row)."""
    try:
        with open(path, "rb") as file:  # bytes, decoded at once: cheaper than a text stream per file
            text = file.read().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise CatalogueError(f"{path.name}: not UTF-8 text (byte {error.start})") from None
    except OSError as error:
        raise CatalogueError(f"{path.name}: cannot be read: {error.strerror}") from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise CatalogueError(f"{path.name}:{line}: holds a NUL byte, which would cut the statement short",
                             hint="remove it (`tr -d '\\000'`): SQL text never needs one")
    return text


_UP, _UP_DOWN = ["up"], ["up", "down"]  # the markers a sectioned file may hold, in order


def _only_comments(text: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in text.splitlines())


class _SectionedFormat(MigrationFormat):
    """One file per migration, holding both sections between marker comments."""

    marker: re.Pattern  # a marker line; groups: kind ("up" or "down") and options
    up_text: str
    template: str

    pattern = re.compile(r"^(?P<version>\d+)(?:_(?P<name>.+))?\.sql$")
    expected = "<version>_<name>.sql"

    def read_migration(self, files: tuple[Path, ...]) -> Migration:
        return self.migration(files[0], read_text(files[0]))

    def migration(self, path: Path, text: str) -> Migration:
        """The migration one file holds; a file not named like one (linted on its own) has no version."""
        file_name = path.name
        match = self.pattern.match(file_name)
        up, down = self.sections(path, text)
        version, name = (match["version"], match["name"] or "") if match else ("", "")
        return Migration(version, name, file_name.removesuffix(".sql"), up, down)

    def sections(self, path: Path, text: str) -> tuple[Section, Section | None]:
        markers = list(self.marker.finditer(text))
        kinds = [marker["kind"].lower() for marker in markers]
        if kinds != _UP and kinds != _UP_DOWN:
            raise CatalogueError(f"{path.name}: {self.marker_problem(kinds)}")
        first = markers[0].start()
        if first and not _only_comments(text[:first]):
            raise CatalogueError(f"{path.name}: SQL before the up marker; move it into a section")
        transaction = self.file_transaction(path, text)
        sections = []
        line, counted_to = 1, 0
        for index, marker in enumerate(markers):
            start = text.find("\n", marker.end()) + 1 or len(text)
            end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
            line += text.count("\n", counted_to, marker.start())
            counted_to = marker.start()
            options = marker["options"]
            sections.append(Section(text[start:end], path, line + 1,
                                    transaction and (not options or self.marker_transaction(path, options))))
        return sections[0], sections[1] if len(sections) > 1 else None

    def marker_problem(self, kinds: list[str]) -> str:
        if "up" not in kinds:
            return f"no up section (a line '{self.up_text}' must start the statements to apply)"
        if kinds.count("up") > 1 or kinds.count("down") > 1:
            return "a section marker appears twice"
        return "the down section comes before the up section"

    def file_transaction(self, path: Path, text: str) -> bool:
        return True

    def marker_transaction(self, path: Path, options: str) -> bool:
        return True

    def new_files(self, directory: Path, version: str, name: str, style: VersionStyle) -> list[NewFile]:
        return [NewFile(directory / f"{version}_{name}.sql", self.template)]


class DbmateFormat(_SectionedFormat):
    name = "dbmate"
    up_text = "-- migrate:up"
    marker = re.compile(r"^--[ \t]*migrate:(?P<kind>up|down)(?P<options>[ \t][^\r\n]*)?\r?$", re.MULTILINE)
    template = "dbmate.sql.j2"

    def marker_transaction(self, path: Path, options: str) -> bool:
        transaction = True
        for option in options.split():
            key, _, value = option.partition(":")
            if key != "transaction" or value not in ("true", "false"):
                raise CatalogueError(f"{path.name}: unknown section option '{option}' (known: transaction:false)")
            transaction = value == "true"
        return transaction


class GooseFormat(_SectionedFormat):
    name = "goose"
    up_text = "-- +goose Up"
    marker = re.compile(r"^--[ \t]*\+goose[ \t]+(?P<kind>up|down)(?P<options>)[ \t]*\r?$", re.MULTILINE | re.IGNORECASE)
    template = "goose.sql.j2"
    _annotation = re.compile(r"^--\s*\+goose\s+(?P<word>.*?)\s*$", re.IGNORECASE | re.MULTILINE)
    _known = {"up", "down", "no transaction", "statementbegin", "statementend"}

    def is_goose(self, text: str) -> bool:
        return any(marker["kind"].lower() == "up" for marker in self.marker.finditer(text))

    def file_transaction(self, path: Path, text: str) -> bool:
        words = {match["word"].lower() for match in self._annotation.finditer(text)}
        unknown = words - self._known
        if unknown:
            raise CatalogueError(f"{path.name}: unsupported goose annotation '-- +goose {sorted(unknown)[0]}'")
        return "no transaction" not in words


class PairsFormat(MigrationFormat):
    name = "pairs"
    pattern = re.compile(r"^(?P<prefix>V?)(?P<version>\d+)(?:(?P<separator>[._])(?P<name>.+?))?\.(?P<direction>up|down)\.sql$")
    expected = "<version>_<name>.up.sql and <version>_<name>.down.sql"

    def claims(self, file_name: str) -> bool:
        # The suffix test first: detecting a folder's format asks every file name of other formats.
        return file_name.endswith((".up.sql", ".down.sql")) and super().claims(file_name)

    def migration_files(self, names: list[str]) -> list[tuple[str, ...]]:
        halves: dict[tuple[str, str], dict[str, str]] = {}
        for file_name in names:
            match = self.pattern.match(file_name)
            halves.setdefault((match["version"], match["name"] or ""), {})[match["direction"]] = file_name
        groups = []
        for found in halves.values():
            if "up" not in found:
                raise CatalogueError(f"{found['down']}: a down file without its up file")
            groups.append((found["up"], found["down"]) if "down" in found else (found["up"],))
        return groups

    def read_migration(self, files: tuple[Path, ...]) -> Migration:
        up_path = files[0]
        match = self.pattern.match(up_path.name)
        down = Section(read_text(files[1]), files[1]) if len(files) > 1 else None
        return Migration(match["version"], match["name"] or "", up_path.name[: -len(".up.sql")],
                         Section(read_text(up_path), up_path), down)

    def new_files(self, directory: Path, version: str, name: str, style: VersionStyle) -> list[NewFile]:
        stem = f"{style.prefix}{version}{style.separator}{name}"
        return [NewFile(directory / f"{stem}.up.sql", "up.sql.j2"),
                NewFile(directory / f"{stem}.down.sql", "down.sql.j2")]


class FlywayFormat(MigrationFormat):
    name = "flyway"
    pattern = re.compile(r"^(?P<kind>[VURB])(?P<version>\d+(?:[._]\d+)*)?__(?P<name>.+)\.sql$")
    expected = "V<version>__<description>.sql (and U<version>__<description>.sql for its down)"

    def claims(self, file_name: str) -> bool:
        return file_name.startswith(("V", "U", "R", "B")) and super().claims(file_name)  # as in PairsFormat

    def migration_files(self, names: list[str]) -> list[tuple[str, ...]]:
        ups: dict[str, str] = {}
        undos: dict[str, str] = {}
        for file_name in names:
            match = self.pattern.match(file_name)
            kind = match["kind"]
            if kind in "RB" or match["version"] is None:
                what = "repeatable (R__)" if kind == "R" else "baseline (B)"
                raise CatalogueError(f"{file_name}: Flyway {what} migrations are not supported")
            if kind == "U":
                undos[match["version"]] = file_name
            else:
                ups[match["version"]] = file_name
        for version, file_name in undos.items():
            if version not in ups:
                raise CatalogueError(f"{file_name}: an undo file without its V{version}__ migration")
        return [(up, undos[version]) if version in undos else (up,) for version, up in ups.items()]

    def read_migration(self, files: tuple[Path, ...]) -> Migration:
        path = files[0]
        match = self.pattern.match(path.name)
        down = Section(read_text(files[1]), files[1]) if len(files) > 1 else None
        return Migration(match["version"], match["name"], path.name[:-4], Section(read_text(path), path), down)

    def new_files(self, directory: Path, version: str, name: str, style: VersionStyle) -> list[NewFile]:
        return [NewFile(directory / f"V{version}__{name}.sql", "up.sql.j2"),
                NewFile(directory / f"U{version}__{name}.sql", "down.sql.j2")]


DBMATE = DbmateFormat()
GOOSE = GooseFormat()
PAIRS = PairsFormat()
FLYWAY = FlywayFormat()
FORMATS = {fmt.name: fmt for fmt in (DBMATE, GOOSE, PAIRS, FLYWAY)}
