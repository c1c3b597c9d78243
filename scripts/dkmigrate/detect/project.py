"""A project's files as `detect` sees them: listed once (generated and vendored directories left out), as paths
relative to the project, read on demand."""

import fnmatch
import os
from pathlib import Path, PurePosixPath

SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".cache", ".next", ".nuxt", "dist", "build", "target", "bin", "obj",
    "vendor", "site-packages", "coverage", ".idea", ".vscode", ".gradle", ".terraform",
})
MAX_DEPTH = 8
MAX_FILES = 50_000
READ_LIMIT = 256 * 1024
ROOT = PurePosixPath(".")


class Project:
    """The project's files, listed once (generated and vendored directories left out), read on demand."""

    def __init__(self, directory: Path):
        self.path = directory
        self.directories: dict[PurePosixPath, set[str]] = {}
        self._texts: dict[PurePosixPath, str] = {}
        self._list()

    def _list(self) -> None:
        total = 0
        for current, subdirectories, files in os.walk(self.path):
            relative = PurePosixPath(Path(current).relative_to(self.path).as_posix())
            depth = 0 if relative == ROOT else len(relative.parts)
            subdirectories[:] = sorted(name for name in subdirectories if name not in SKIPPED_DIRECTORIES
                                       and not name.endswith(".egg-info") and depth < MAX_DEPTH)
            self.directories[relative] = set(files)
            total += len(files)
            if total > MAX_FILES:
                break

    def files(self):
        for directory, names in self.directories.items():
            for name in names:
                yield directory / name

    def matching(self, pattern: str) -> list[PurePosixPath]:
        """Files named `pattern`, or whose path ends with it when it has a directory part."""
        name = PurePosixPath(pattern).name
        found = [directory / match for directory, names in self.directories.items()
                 for match in fnmatch.filter(names, name)]
        if "/" in pattern:
            depth = len(PurePosixPath(pattern).parts)
            found = [path for path in found
                     if len(path.parts) >= depth and fnmatch.fnmatch("/".join(path.parts[-depth:]), pattern)]
        return sorted(found)

    def below(self, root: PurePosixPath, pattern: str) -> list[PurePosixPath]:
        """Files below `root` matching a '**/'-prefixed pattern (relative to root)."""
        tail = pattern.removeprefix("**/")
        depth = len(PurePosixPath(tail).parts)
        found = []
        for path in self.files():
            relative = inside(path, root)
            if relative is not None and len(relative.parts) >= depth \
                    and fnmatch.fnmatch("/".join(relative.parts[-depth:]), tail):
                found.append(path)
        return sorted(found)

    def settings_files(self, root: PurePosixPath, pattern: str) -> list[PurePosixPath]:
        """Where a setting's file is looked for: anywhere below the root ('**/'), at a path below it, or by
        name in the root and then each directory above it up to the project."""
        if pattern.startswith("**/"):
            return self.below(root, pattern)
        if "/" in pattern:
            parent = normal(root / PurePosixPath(pattern).parent)
            return sorted(parent / name for name in self.directories.get(parent, ())
                          if fnmatch.fnmatch(name, PurePosixPath(pattern).name))
        found = []
        directory = root
        while True:
            found.extend(sorted(directory / name for name in self.directories.get(directory, ())
                                if fnmatch.fnmatch(name, pattern)))
            if directory == ROOT:
                return found
            directory = directory.parent

    def nearest(self, directory: PurePosixPath, marker: str | tuple[str, ...]) -> PurePosixPath:
        """The nearest directory at or above `directory` holding a file named `marker` (a glob, or one of
        several); else the project."""
        markers = (marker,) if isinstance(marker, str) else marker
        while True:
            if any(fnmatch.fnmatch(name, glob) for name in self.directories.get(directory, ()) for glob in markers):
                return directory
            if directory == ROOT:
                return ROOT
            directory = directory.parent

    def glob(self, directory: PurePosixPath, pattern: str, migrations_only: bool = False) -> list[PurePosixPath]:
        """Files matching a glob relative to `directory` ('*/x.sql' one level down, '**/*.sql' any level)."""
        if pattern.startswith("**/"):
            found = self.below(directory, pattern)
        else:
            parts = PurePosixPath(pattern).parts
            found = [path for path in self.files() if (relative := inside(path, directory)) is not None
                     and len(relative.parts) == len(parts)
                     and all(fnmatch.fnmatch(part, glob) for part, glob in zip(relative.parts, parts))]
        if migrations_only:
            found = [path for path in found if not path.name.startswith((".", "__init__"))]
        return sorted(found)

    def read(self, path: PurePosixPath) -> str:
        if path not in self._texts:
            try:
                with open(self.path / path, encoding="utf-8", errors="replace") as handle:
                    self._texts[path] = handle.read(READ_LIMIT)
            except OSError:
                self._texts[path] = ""
        return self._texts[path]


def inside(path: PurePosixPath, root: PurePosixPath) -> PurePosixPath | None:
    """`path` relative to `root`, or None when it is not below it."""
    if root == ROOT:
        return path
    try:
        return path.relative_to(root)
    except ValueError:
        return None


def normal(path: PurePosixPath) -> PurePosixPath:
    """`path` without `.` and `..` parts (a `..` above the project is dropped)."""
    parts: list[str] = []
    for part in path.parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return PurePosixPath(*parts) if parts else ROOT
