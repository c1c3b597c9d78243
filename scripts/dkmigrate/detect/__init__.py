"""`migrate detect`: the migration tools a project uses, found by walking it once and matching the tool table
(tools.py). Each use of a tool is reported with its evidence, its root (where its commands run), its
migrations directory, the database engine its configuration names, and its commands."""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..engines import known
from ..urls import mask_url
from .model import ConfigFile, MigrationFiles, Setting, Tool
from .project import ROOT, Project, inside, normal
from .tools import DIALECT_NAMES, GOOSE_DRIVERS, TOOLS

_FLAGS = re.MULTILINE | re.IGNORECASE
DATA_SOURCE = "DATA_SOURCE"  # what the commands say when no data source file is found


@dataclass
class DetectedTool:
    tool: Tool
    root: PurePosixPath  # relative to the project
    migrations_dir: PurePosixPath | None  # relative to the project
    evidence: list[str] = field(default_factory=list)
    dialect: str | None = None
    app: str | None = None  # a Django app
    environment: str | None = None  # the migrate.yaml environment whose directory this is, when they differ
    config: PurePosixPath | None = None  # the file that established the use, relative to the project
    migrations: int = 0  # migration files found
    files: list[PurePosixPath] = field(default_factory=list)  # its SQL migration files, relative to the project
    data_source: PurePosixPath | None = None  # the file Tool.data_source finds, relative to the project

    @property
    def name(self) -> str:
        return self.tool.name

    def placeholders(self) -> dict[str, str]:
        """The values of the command templates' placeholders (model.Commands) for this use."""
        return {"dir": self._from_root(self.migrations_dir) if self.migrations_dir else "MIGRATIONS_DIR",
                "app": self.app or "APP", "config": self._from_root(self.config) if self.config else "",
                "driver": GOOSE_DRIVERS.get(self.dialect or "", "DRIVER"),
                "env": f" --env {self.environment}" if self.environment else "",
                "data_source": self._from_root(self.data_source) if self.data_source else DATA_SOURCE}

    def to_substitute(self) -> dict[str, str]:
        """The placeholders left in the commands that the project's files could not fill, with what each stands for."""
        if self.tool.data_source is None or self.data_source is not None:
            return {}
        return {DATA_SOURCE: f"the file that exports the {self.name} DataSource: no file below "
                             f"{self.root.as_posix() if self.root.parts else 'the project'} has `new DataSource(`"}

    def commands(self) -> dict[str, str | None]:
        values = self.placeholders()
        commands = self.tool.commands
        return {operation: None if template is None else template.format(**values) for operation, template in (
            ("create", commands.create), ("up", commands.up), ("down", commands.down),
            ("status", commands.status), ("sql", commands.sql))}

    def lint_command(self, patterns: tuple[str, ...] | None = None) -> str | None:
        """How dk migrate lints this tool's migrations, from the tool's root: its SQL files by the globs that
        match some (`patterns` to choose them), or its offline SQL piped in; None when there is neither."""
        dialect = f" --dialect {self.dialect}" if known(self.dialect) else ""
        if self.tool.sql_files:
            if self.tool.lint:
                return self.tool.lint.format(**self.placeholders())
            if patterns is None:
                inside = [self._inside_dir(path) for path in self.files]
                patterns = tuple(pattern for pattern in self.tool.sql_files if fnmatch.filter(inside, pattern))
            if not patterns:
                return None
            files = " ".join(self._from_root(self.migrations_dir / pattern) for pattern in patterns)
            return f"migrate lint {files}{dialect}"
        sql = self.commands()["sql"]
        return f"{sql} | migrate lint - --tool {self.tool.slug}{dialect}" if sql else None

    def sql_units(self) -> list[tuple[PurePosixPath, PurePosixPath | None]]:
        """The tool's SQL migrations as (up file, down file or None), in name order; for a tool with reverts,
        each deploy script with its revert script, for the others each file on its own."""
        if not self.tool.reverts:
            return [(path, None) for path in self.files]
        up_glob, down_glob = self.tool.reverts
        downs = {}
        for path in self.files:
            part = _wildcard_part(self._inside_dir(path), down_glob)
            if part is not None:
                downs[part] = path
        units = []
        for path in self.files:
            part = _wildcard_part(self._inside_dir(path), up_glob)
            if part is not None:
                units.append((path, downs.get(part)))
        return units

    def _inside_dir(self, path: PurePosixPath) -> str:
        return inside(path, self.migrations_dir).as_posix()

    def _count(self, project: Project) -> int:
        if self.migrations_dir is None:
            return 0
        if self.tool.sql_files:
            return len(project.glob(self.migrations_dir, self.tool.sql_files[0], migrations_only=True))
        patterns = [anchor.name for anchor in self.tool.anchors if isinstance(anchor, MigrationFiles)][:1] or ["*"]
        return len(project.glob(self.migrations_dir, "0*.py" if self.app else patterns[0], migrations_only=True))

    def _from_root(self, path: PurePosixPath) -> str:
        try:
            relative = PurePosixPath(os.path.relpath(path.as_posix(), self.root.as_posix()))
        except ValueError:
            relative = path
        return relative.as_posix()


def detect(directory: Path) -> list[DetectedTool]:
    """The uses of migration tools in `directory` and below, by root, then tool order."""
    project = Project(directory)
    uses: list[DetectedTool] = []
    for tool in TOOLS:
        for anchor in tool.anchors:
            if isinstance(anchor, ConfigFile):
                uses.extend(_configured_uses(project, tool, anchor))
    uses = _merged(uses)
    for use in uses:
        _resolve(project, use)
    uses = [split for use in uses for split in _per_app(project, use)]
    uses = [split for use in uses for split in _per_configured_directory(project, use)]
    claimed = {}
    for use in uses:
        for directory_ in _migration_dirs(project, use):
            claimed.setdefault(directory_, use)
    for tool in TOOLS:
        for anchor in tool.anchors:
            if isinstance(anchor, MigrationFiles):
                for use in _file_uses(project, tool, anchor):
                    owner = claimed.get(use.migrations_dir)
                    if owner is None:
                        _resolve(project, use)
                        uses.append(use)
                        for directory_ in _migration_dirs(project, use):
                            claimed.setdefault(directory_, use)
                    elif owner.tool is tool:
                        owner.evidence.extend(item for item in use.evidence if item not in owner.evidence)
    for use in uses:
        use.migrations = use._count(project)
        if use.migrations_dir is not None:
            use.files = sorted({path for pattern in use.tool.sql_files
                                for path in project.glob(use.migrations_dir, pattern, migrations_only=True)})
    return sorted(uses, key=lambda use: (use.root.parts, TOOLS.index(use.tool), str(use.migrations_dir)))


def normalised_dialect(word: str) -> str:
    word = word.lower()
    return DIALECT_NAMES.get(word, word)


def _configured_uses(project: Project, tool: Tool, anchor: ConfigFile) -> list[DetectedTool]:
    uses = []
    for path in project.matching(anchor.name):
        if anchor.content and not re.search(anchor.content, project.read(path), _FLAGS):
            continue
        directory = path.parent
        for _ in range(anchor.up):
            directory = directory.parent
        root = project.nearest(directory, anchor.root_marker) if anchor.root_marker else directory
        uses.append(DetectedTool(tool, root, None, [path.as_posix()], config=path))
    return uses


def _file_uses(project: Project, tool: Tool, anchor: MigrationFiles) -> list[DetectedTool]:
    uses = []
    for directory, names in project.directories.items():
        matching = fnmatch.filter(names, anchor.name)
        if anchor.sibling:
            matching = [name for name in matching
                        if anchor.sibling.format(stem=_stem(name, anchor.name)) in names]
        if anchor.content:
            matching = [name for name in matching
                        if re.search(anchor.content, project.read(directory / name), _FLAGS)]
        if not matching:
            continue
        if anchor.up is not None:
            root = directory
            for _ in range(anchor.up):
                root = root.parent
        elif anchor.root_marker:
            root = project.nearest(directory, anchor.root_marker)
        else:
            root = ROOT
        count = len(matching)
        evidence = f"{directory.as_posix()}/: {count} file{'s' if count != 1 else ''} like {sorted(matching)[0]}"
        uses.append(DetectedTool(tool, root, directory, [evidence]))
    return uses


def _wildcard_part(path: str, pattern: str) -> str | None:
    """What the one `*` of `pattern` stands for in `path` ('deploy/users.sql', 'deploy/*.sql' -> 'users')."""
    head, _, tail = pattern.partition("*")
    if path.startswith(head) and path.endswith(tail) and len(path) >= len(head) + len(tail):
        part = path[len(head): len(path) - len(tail)]
        return part if "/" not in part else None
    return None


def _stem(name: str, pattern: str) -> str:
    """'0001_users.up.sql' matched by '*.up.sql' -> '0001_users'."""
    suffix = pattern.lstrip("*")
    return name[: -len(suffix)] if suffix and name.endswith(suffix) else name


def _merged(uses: list[DetectedTool]) -> list[DetectedTool]:
    """One use per tool and root (flyway.conf and flyway.toml side by side are one Flyway)."""
    merged: dict[tuple, DetectedTool] = {}
    for use in uses:
        key = (use.tool.name, use.root)
        if key in merged:
            merged[key].evidence.extend(use.evidence)
        else:
            merged[key] = use
    return list(merged.values())


def _resolve(project: Project, use: DetectedTool) -> None:
    """The migrations directory and dialect from the tool's settings; manifests that name the tool as evidence."""
    tool = use.tool
    if use.migrations_dir is None:
        found = _first_setting(project, use, tool.directory)
        if found:
            source, (value, line), setting = found
            base = source.parent
            path = PurePosixPath(value.replace("\\", "/"))
            if setting.names_file:
                path = path.parent
            directory = normal(base / path / setting.suffix) if not path.is_absolute() else None
            if directory is not None:
                use.migrations_dir = directory
                use.evidence.append(f"{source.as_posix()}: {_shown(line)}")
        if use.migrations_dir is None and tool.default_dir is not None:
            anchor_dir = (use.config.parent if use.config else use.root)
            default = tool.default_dir.format(anchor_dir=_relative(anchor_dir, use.root))
            use.migrations_dir = normal(use.root / default)
    found = _first_setting(project, use, tool.dialect)
    if found:
        source, (value, line), _ = found
        use.dialect = normalised_dialect(value)
        use.evidence.append(f"{source.as_posix()}: {_shown(line)}")
    if tool.data_source is not None and use.data_source is None:
        use.data_source = _data_source(project, use.root, *tool.data_source)
        if use.data_source is not None:
            use.evidence.append(f"{use.data_source.as_posix()}: the DataSource the commands name")
    for setting in tool.mentions:
        for source in project.settings_files(use.root, setting.file):
            found = setting.search(project.read(source), source.name)
            if found:
                use.evidence.append(f"{source.as_posix()}: {_shown(found[1])}")
                break


def _data_source(project: Project, root: PurePosixPath, globs: tuple[str, ...], pattern: str) -> PurePosixPath | None:
    for glob in globs:
        for path in project.below(root, glob):
            if re.search(pattern, project.read(path)):
                return path
    return None


def _per_app(project: Project, use: DetectedTool) -> list[DetectedTool]:
    """A tool whose migrations live in each app (Django): one use per app directory holding migrations."""
    if not use.tool.per_app:
        return [use]
    directories = sorted({path.parent for path in project.below(use.root, use.tool.per_app)})
    if not directories:
        return [use]
    uses = []
    for directory in directories:
        count = len(project.glob(directory, "0*.py", migrations_only=True))
        evidence = [*use.evidence, f"{directory.as_posix()}/: {count} migration{'s' if count != 1 else ''}"]
        uses.append(DetectedTool(use.tool, use.root, directory, evidence, use.dialect, directory.parent.name,
                                 use.config))
    return uses


def _per_configured_directory(project: Project, use: DetectedTool) -> list[DetectedTool]:
    if use.tool.configured_directories is None or use.config is None:
        return [use]
    uses = []
    for directory, dialect, evidence, environment in use.tool.configured_directories(project.read(use.config)):
        path = normal(use.config.parent / directory)
        uses.append(DetectedTool(use.tool, use.root, path, [*use.evidence, f"{use.config.as_posix()}: {evidence}"],
                                 normalised_dialect(dialect) if dialect else None, config=use.config,
                                 environment=environment))
    return uses


def _first_setting(project: Project, use: DetectedTool, settings: tuple[Setting, ...]):
    for setting in settings:
        for source in project.settings_files(use.root, setting.file):
            found = setting.search(project.read(source), source.name)
            if found:
                return source, found, setting
    return None


def _shown(line: str) -> str:
    line = mask_url(line)
    return line if len(line) <= 100 else line[:99] + "…"


def _relative(path: PurePosixPath, start: PurePosixPath) -> str:
    return PurePosixPath(os.path.relpath(path.as_posix(), start.as_posix())).as_posix()


def _migration_dirs(project: Project, use: DetectedTool) -> set[PurePosixPath]:
    """The directories a use's migrations occupy: its migrations directory and those of its SQL files."""
    if use.migrations_dir is None:
        return set()
    directories = {use.migrations_dir}
    for pattern in use.tool.sql_files:
        directories.update(path.parent for path in project.glob(use.migrations_dir, pattern))
    return directories
