"""The vocabulary of the tool table (tools.py): how a tool is recognised, where its configuration says its
migrations live and which database it talks to, and its own commands."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConfigFile:
    """A file whose presence (and, with `content`, whose text) establishes one use of the tool. The use's root
    (where its commands run) is the file's directory, `up` levels higher, or the nearest directory at or above
    it holding a file named `root_marker`."""

    name: str  # a file name glob, or a path relative to the root such as "prisma/schema.prisma"
    content: str | None = None
    up: int = 0
    root_marker: str | None = None


@dataclass(frozen=True)
class MigrationFiles:
    """A directory holding migration files named `name` (a glob) whose text matches `content`: that directory
    is the use's migrations directory. Its root is `up` levels above it, or the nearest directory above it
    holding `root_marker`, else the project."""

    name: str
    content: str | None = None
    up: int | None = None
    root_marker: str | tuple[str, ...] | None = None
    sibling: str | None = None  # a second file that must stand beside one: "{stem}.down.sql"


@dataclass(frozen=True)
class Setting:
    """A value in a configuration file, in the first file matching `file` (a glob relative to the use's root, "**/"
    for anywhere below it; plain names are also looked up in the directories above the root, up to the project).

    A file in a structured format (formats.py: INI, properties, TOML, JSON, YAML, XML, .env) is parsed and the
    value read at `key`, `value`'s first group picking the part wanted; a file whose format is code (or a plain
    list of lines) is searched with `pattern`, whose first group is the value."""

    file: str
    pattern: str | None = None
    key: tuple[str, ...] | None = None  # formats.lookup's path: "*" for any key
    value: str = r"^(.+)$"  # applied to the value found at `key`
    suffix: str = ""  # appended to a directory value (Alembic's versions/ below script_location)
    names_file: bool = False  # the value is a file (a changelog, a schema): the directory is the file's
    joined: bool = False  # the value holds quoted path pieces (path.resolve('db', 'migrate')), joined with '/'

    def search(self, text: str, name: str) -> tuple[str, str] | None:
        """The value, and the line it is on (the evidence), or None. `name`: the file's name, which says its
        format."""
        from .formats import UNPARSED, lookup, parse

        document = parse(name, text) if self.key is not None else UNPARSED
        if document is not UNPARSED:
            if document is None:
                return None
            value = lookup(document, self.key, re.compile(self.value, re.IGNORECASE))
            return None if value is None else (value.strip(), _line_of(text, self.key[-1], value))
        if self.pattern is None:
            return None
        match = re.search(self.pattern, text, re.MULTILINE | re.DOTALL | re.IGNORECASE)
        if not match:
            return None
        start = text.rfind("\n", 0, match.start(1)) + 1
        end = text.find("\n", match.end(1))
        value = match.group(1).strip()
        if self.joined:
            value = "/".join(re.findall(r"['\"`]([^'\"`]+)['\"`]", value))
        return value, text[start: len(text) if end < 0 else end].strip()


def _line_of(text: str, key: str, value: str) -> str:
    """The file's line that holds the value (under its key where the key is on it), for the evidence."""
    lines = [line.strip() for line in text.splitlines() if value in line]
    if not lines:
        return f"{key} = {value}"
    return next((line for line in lines if key.split("@")[0] in line), lines[0])


@dataclass(frozen=True)
class Commands:
    """The tool's own commands, run from the use's root. Placeholders: {dir} (the migrations directory,
    relative to the root), {app} (a Django app), {config} (the file that established the use), {driver}
    (goose's driver name for the dialect), {env} (` --env NAME` when the directory is one environment's of
    several, else nothing), {data_source} (the file Tool.data_source finds). None: the tool has no such command."""

    create: str | None
    up: str
    down: str | None
    status: str | None
    sql: str | None  # prints the SQL a migration would run, without running it


@dataclass(frozen=True)
class Tool:
    name: str
    recognised_by: str  # for people, in the tooling reference
    anchors: tuple  # ConfigFile and MigrationFiles
    commands: Commands
    default_dir: str | None = None  # relative to the root when no setting names one; {anchor_dir}: the anchor file's
    directory: tuple[Setting, ...] = ()  # settings naming the migrations directory (first found wins)
    dialect: tuple[Setting, ...] = ()  # settings naming the database (first found wins)
    mentions: tuple[Setting, ...] = ()  # package manifests that name the tool: evidence only
    sql_files: tuple[str, ...] = ()  # globs, relative to the migrations directory, of SQL that `migrate lint` reads
    catalogue: bool = False  # the directory is in a format dk migrate reads as migrations (with their downs)
    reverts: tuple[str, str] | None = None  # (up glob, down glob): the down of an up file has the same `*` part
    # reads the tool's own configuration file (the anchor) into (migrations directory, dialect word, evidence,
    # environment or None), one use per directory, instead of the directory and dialect settings
    configured_directories: Callable[[str], list[tuple[str, str | None, str, str | None]]] | None = None
    per_app: str | None = None  # a glob below the root: one use per directory it matches (Django apps)
    review: str = ""  # how to get the SQL to review when the tool has no offline-SQL command
    lint: str | None = None  # the lint command, when it is not made from the SQL files or the offline SQL
    # the file the commands name as {data_source}: the first below the root matching one of the globs, in order,
    # whose text matches the pattern (TypeORM's DataSource is code, so it is found by what the file says)
    data_source: tuple[tuple[str, ...], str] | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def slug(self) -> str:
        """The name as `lint --tool` takes it: 'EF Core' -> 'ef-core'."""
        return self.name.lower().replace(" ", "-")
