"""The operations behind the commands. Each resolves what it needs from Settings, does its one job and
returns a value; errors are raised as the typed errors of errors.py. Nothing here prints."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from contextlib import contextmanager
from collections import namedtuple
from pathlib import Path

from .adapters import open_database
from .adapters.base import LockWait
from .catalogue import Catalogue, following_version, load_catalogue, migration_of_file, next_version
from .catalogue.formats import DBMATE, read_text
from .catalogue.model import Migration, Section
from .changes import changed_files
from .config import DEFAULT_DIR, Settings
from .engines import DEFAULT_DIALECT, engine, known
from .errors import (
    CatalogueError, ConfigError, ConnectionFailed, DatabaseError, FindingsRefusal, SafetyRefusal, StatementFailed,
    UsageError,
)
from .runner import Listener, LockPolicy, RunReport, Runner
from .status import PENDING
from .text import printable
from .rendering import render

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:  # the linter is imported by the commands that lint, when they run
    from datetime import datetime

    from .lint import LintOptions, MigrationAnalysis


# The results of operations are tuples: this module is imported at every start, and tuples cost a fraction of
# dataclasses to define.

class StatusReport(namedtuple("StatusReport", "catalogue statuses database_exists invalid_indexes", defaults=((),))):
    """The state of every migration (statuses, MigrationStatus), and the invalid indexes (adapters.facts.InvalidIndex)
    a failed concurrent build left."""

    __slots__ = ()


@contextmanager
def open_runner(settings: Settings, *, create: bool = False, lock: bool = False, listener: Listener | None = None,
                catalogue: Catalogue | None = None):
    """A Runner on the configured database: connected (and locked, with `lock`) until the block ends. A query of
    the tool's own that the database refuses becomes a DatabaseError."""
    listener = listener or Listener()
    catalogue = catalogue or load_catalogue(settings.migrations_dir)
    try:
        with open_database(settings.url, settings.table, create=create,
                           lock=LockWait(settings.lock_wait, listener.lock_wait) if lock else None) as (adapter, exists):
            if exists and settings.lock_timeout is not None:
                for statement in engine(adapter.dialect).session_lock_timeout(settings.lock_timeout):
                    adapter.execute(statement)  # the runner sets it again before each migration's statements
            policy = LockPolicy(settings.lock_timeout, settings.lock_retries, settings.lock_retry_delay)
            yield Runner(adapter, catalogue, database_exists=exists, listener=listener, lock_policy=policy,
                         lock_tables=_locked_tables(adapter.dialect), max_replica_lag=settings.max_replica_lag)
    except StatementFailed as error:
        raise DatabaseError(f"{settings.url.masked}: {error.message}") from None


def _locked_tables(dialect: str):
    """The tables a statement locks, as the linter reads it: whose holders a timed-out statement names."""
    def tables(statement: str) -> list:
        from .lint.findings import DEFAULT_PG_VERSION
        from .lint.locks import statement_effect
        from .lint.parser import parse
        from .lint.schema import Schema
        from .plan.identifiers import TableName

        effect = statement_effect(parse(statement, dialect), Schema(), DEFAULT_PG_VERSION)
        return list(dict.fromkeys(TableName.of(name, dialect).key for name in effect.tables))

    return tables


def status(settings: Settings) -> StatusReport:
    with open_runner(settings) as runner:
        return StatusReport(runner.catalogue, runner.statuses(), runner.database_exists,
                            runner.adapter.invalid_indexes() if runner.database_exists else [])


def up(settings: Settings, *, steps: int | None = None, to: str | None = None, dry_run: bool = False,
       strict: bool = False, confirmed: bool = False, listener: Listener | None = None) -> RunReport:
    """Applies pending migrations after linting them: the findings go to the listener, and on a protected
    environment a risky or error finding refuses the run unless `confirmed` (or allowed in its file)."""
    if settings.lock_timeout_defaulted and listener is not None:
        listener.warning(f"environment '{settings.environment}' is protected and sets no lock_timeout: each migration "
                         f"waits at most {settings.lock_timeout:g}s for a table lock (set lock_timeout in migrate.yaml)")
    with open_runner(settings, create=not dry_run, lock=not dry_run, listener=listener) as runner:
        def review(migrations: list[Migration]) -> list:
            return _review(settings, runner, migrations, refuse=settings.protected and not confirmed and not dry_run)

        return runner.up(steps=steps, to=to, dry_run=dry_run, strict=strict, review=review)


def _review(settings: Settings, runner: Runner, migrations: list[Migration], refuse: bool) -> list:
    from .lint import ERROR, RISKY, each_up_findings

    adapter = runner.adapter
    options = lint_options(settings, adapter.dialect, None, adapter.server_version)
    # Only the findings are kept: an analysis (every statement's parse, locks and effects) is dropped once read.
    findings = [finding for found in each_up_findings(runner.catalogue.migrations, options, migrations)
                for finding in found]
    runner.listener.lint_findings(findings)
    blocking = [finding for finding in findings if finding.severity in (RISKY, ERROR)]
    if refuse and blocking:
        where = ", ".join(f"{finding.rule} at {settings.relative(Path(finding.file))}:{finding.line}"
                          for finding in blocking[:3]) + (", ..." if len(blocking) > 3 else "")
        raise FindingsRefusal(
            f"environment '{settings.environment}' is protected and the migrations to apply have "
            f"{len(blocking)} risky or error finding{'s' if len(blocking) != 1 else ''} ({where})",
            hint="apply them anyway with --yes, or accept each hazard in its file with "
                 "`-- migrate:allow <rule> <reason>`; `migrate lint` shows the safe alternatives",
            findings=blocking,
        )
    return findings


class LintReport(namedtuple("LintReport", "analyses options note tools", defaults=(None, None))):
    """analyses: one MigrationAnalysis per migration or SQL source linted; note: why the selection is what it is,
    when that is not what was asked; tools: file -> the migration tool it belongs to (detected)."""

    __slots__ = ()

    def __new__(cls, analyses: list[MigrationAnalysis], options: LintOptions, note: str | None = None,
                tools: dict[str, str] | None = None):
        return super().__new__(cls, analyses, options, note, {} if tools is None else tools)

    @property
    def findings(self) -> list:
        return [finding for analysis in self.analyses for finding in analysis.findings]


def lint(settings: Settings, *, files: list[str] = (), stdin_sql: str | None = None, all_migrations: bool = False,
         dialect: str | None = None, pg_version: int | None = None, offline: bool = False,
         changed_since: str | None = None, environ: Mapping[str, str] | None = None) -> LintReport:
    """Lints the given files (a directory: every migration file in it) and stdin SQL; without either, the
    pending migrations, or all of them with `all_migrations` or `offline` (not connecting), or when no database
    is configured or its engine cannot be run yet, or those added or changed since the git ref `changed_since`.
    A configured database that cannot be reached is raised. In a project of another tool, its pending migrations
    are those its own history table leaves, in the database the URL or the tool's configuration (read with
    `environ`'s variables) names."""
    from .lint import analyze_migrations, analyze_sql

    explicit_dialect = dialect is not None or settings.url_source != "default"
    if dialect is None:  # the configured database's, or PostgreSQL's when nothing is configured
        dialect = settings.url.dialect if settings.url_source != "default" else DEFAULT_DIALECT
    if files or stdin_sql is not None:
        options = lint_options(settings, dialect, pg_version, None)
        analyses = []
        if stdin_sql is not None:
            analyses.append(analyze_sql(stdin_sql, options))
        migration_files: dict[Path, list[Path]] = {}  # by directory
        for path in (path for file in files for path in _lint_files(settings, file)):
            if migration_of_file(path) is None:
                analyses.append(analyze_sql(read_text(path), options, file=str(path)))
            else:
                migration_files.setdefault(path.parent, []).append(path)
        for directory, paths in migration_files.items():
            analyses.extend(_lint_migration_files(directory, paths, options))
        return LintReport(analyses, options)
    changed = changed_files(settings.base_dir, changed_since) if changed_since else None
    if _lints_another_tool(settings):
        everything = all_migrations or offline or changed is not None
        return _lint_detected(settings, dialect if explicit_dialect else None, pg_version, changed, changed_since,
                              None if everything else (environ or {}))
    catalogue = load_catalogue(settings.migrations_dir)
    if changed is not None:
        options = lint_options(settings, dialect, pg_version, None)
        selected = [migration for migration in catalogue.migrations
                    if any(file.resolve() in changed for file in migration.files)]
        note = (f"{len(selected)} of {len(catalogue.migrations)} migrations added or changed since {changed_since}")
        return LintReport(analyze_migrations(catalogue.migrations, options, selected), options, note)
    note = None
    server_version = None
    selected = None
    if offline and not all_migrations:
        note = f"--offline: linting all {len(catalogue.migrations)} migrations without the database"
    elif not all_migrations:
        try:
            pending, server_version = _pending(settings, catalogue)
            selected = [migration for migration in catalogue.migrations if migration.key in pending]
        except ConnectionFailed as error:
            if settings.url_source != "default":
                raise ConnectionFailed(error.message, hint="lint without the database with `migrate lint --offline` "
                                                           "(every migration), or name the files to lint") from None
            note = f"{error.message}: linting all {len(catalogue.migrations)} migrations"
        except ConfigError as error:  # an engine the runner cannot run yet
            note = f"{error.message}: linting all {len(catalogue.migrations)} migrations"
    options = lint_options(settings, dialect, pg_version, server_version)
    return LintReport(analyze_migrations(catalogue.migrations, options, selected), options, note)


def _lints_another_tool(settings: Settings) -> bool:
    """No migrate.yaml and no migrations directory where dk migrate looks: the project may use another tool."""
    return (settings.config_file is None and settings.migrations_dir == settings.base_dir / DEFAULT_DIR
            and not settings.migrations_dir.is_dir())


def _lint_detected(settings: Settings, dialect: str | None, pg_version: int | None, changed: set[Path] | None,
                   changed_since: str | None, environ: Mapping[str, str] | None) -> LintReport:
    """The SQL migrations of the tools `detect` finds, each tool's with the dialect its configuration names: those
    in `changed` when given; with `environ`, the pending ones of each tool whose database is named (the URL, or
    the tool's configuration) and whose history dk migrate reads; every one otherwise."""
    from .detect import detect
    from .lint import analyze_migrations, analyze_sql

    uses = detect(settings.base_dir)
    linted = [use for use in uses if use.files]
    if not linted:
        hint = "; ".join(f"{use.name} ({_shown_root(use)}): {use.lint_command() or use.tool.review}"
                         for use in uses)
        raise CatalogueError(
            f"no migrations directory {settings.relative(settings.migrations_dir)} and no SQL migrations of another "
            f"tool ({', '.join(sorted({use.name for use in uses}))} found)" if uses else
            f"no migrations directory {settings.relative(settings.migrations_dir)}, and `migrate detect` finds no "
            "migration tool here",
            hint=hint or "create it with `migrate init` or `migrate create NAME`, or point --dir at it",
        )
    analyses, tools, first_options, described, pending_of = [], {}, None, [], []
    for use in linted:
        files = use.files
        history = _other_tool_history(settings, use, environ) if environ is not None else None
        if history is not None:
            files = [path for path in files if path not in history.applied]
            pending_of.append(use.name)
        use_dialect = dialect or (history.dialect if history else None) or \
            (use.dialect if known(use.dialect) else DEFAULT_DIALECT)
        options = lint_options(settings, use_dialect, pg_version, history.server_version if history else None)
        first_options = first_options or options
        paths = [settings.base_dir / path for path in files]
        if changed is not None:
            paths = [path for path in paths if path.resolve() in changed]
            if not paths:
                continue
        tools.update({str(path): use.name for path in paths})
        counted = f"{len(paths)} file{'s' if len(paths) != 1 else ''}"
        if history is not None:
            counted = f"{len(paths)} of {len(use.files)} files pending {history.read}, named by {history.source}"
        described.append(f"{use.name} ({settings.relative(settings.base_dir / use.migrations_dir)}, {counted})")
        if not paths:
            continue
        if use.tool.catalogue:
            analyses.extend(_lint_migration_files(settings.base_dir / use.migrations_dir, paths, options))
        elif use.tool.reverts:
            migrations = [Migration(str(index), up.parent.name if up.name == "up.sql" else up.stem,
                                    up.as_posix(), Section(read_text(settings.base_dir / up), settings.base_dir / up),
                                    Section(read_text(settings.base_dir / down), settings.base_dir / down)
                                    if down else None)
                          for index, (up, down) in enumerate(use.sql_units(), start=1)]
            wanted = set(paths)
            analyses.extend(analyze_migrations(migrations, options, [
                migration for migration in migrations if set(migration.files) & wanted]))
        else:
            analyses.extend(analyze_sql(read_text(path), options, file=str(path)) for path in paths)
    if changed is not None:
        what = f"the SQL migrations added or changed since {changed_since}"
    elif pending_of:
        what = "the pending SQL migrations" + (f" ({', '.join(pending_of)}; every one of the others)"
                                               if len(pending_of) < len(linted) else "")
    else:
        what = "every SQL migration"
    note = f"no migrate.yaml: linting {what} of {', '.join(described) or 'no tool'}"
    return LintReport(analyses, first_options or lint_options(settings, dialect or "postgres", pg_version, None),
                      note, tools)


# What another tool's history says is applied: applied, the use's files (relative to the project) whose migration
# the database has applied; read, what told it, for people ("by public.flyway_schema_history in
# postgres://app:***@db/app"); source, where the URL came from.
_History = namedtuple("_History", "applied read source dialect server_version")


def _other_tool_history(settings: Settings, use, environ: Mapping[str, str]) -> _History | None:
    """What another tool's history table says is applied, in the database the URL names (--url, $DATABASE_URL)
    or else the tool's own configuration; None when no database is named or dk migrate cannot read the tool's
    history. A named database that cannot be reached is raised, as for dk migrate's own migrations."""
    from .applied import applied_files, has_reader
    from .detect.database import named_database
    from .urls import parse_url

    if not has_reader(use.name):
        return None
    schema = None
    if settings.url_source != "default":
        url, source = settings.url, settings.url_source
    else:
        named = named_database(settings.base_dir, use, environ)
        if named is None:
            return None
        url, source, schema = parse_url(named.url, settings.base_dir), named.source, named.schema
    try:
        with open_database(url, settings.table) as (adapter, exists):
            if not exists:
                return _History(set(), f"({url.masked} does not exist yet)", source, url.dialect, None)
            try:
                applied, table, found = applied_files(adapter, use, settings.base_dir, schema)
            except CatalogueError as error:
                return _History(set(), f"(which are applied is unknown: {error.message})", source, url.dialect,
                                adapter.server_version)
            read = f"by {table} in {url.masked}" if found else f"(no {table} in {url.masked})"
            return _History(applied, read, source, url.dialect, adapter.server_version)
    except ConnectionFailed as error:
        raise ConnectionFailed(error.message, hint=f"{use.name}'s database is named by {source}; lint without it "
                                                   "with `migrate lint --offline` (every migration)") from None
    except StatementFailed as error:
        raise DatabaseError(f"{url.masked}: {error.message}") from None


def _shown_root(use) -> str:
    return use.root.as_posix() if use.root.parts else "."


def _lint_migration_files(directory: Path, paths: list[Path], options: LintOptions) -> list[MigrationAnalysis]:
    """The migrations the files belong to, each judged after the migrations before it in its directory (so
    that a column's type or a validated CHECK from an earlier migration counts); each on its own when the
    directory does not read as a catalogue."""
    from .lint import analyze_migrations

    try:
        migrations = load_catalogue(directory).migrations
    except CatalogueError:
        alone = {migration.files: migration for migration in map(migration_of_file, paths)}.values()
        return [analysis for migration in alone for analysis in analyze_migrations([migration], options)]
    selected = [migration for migration in migrations if set(migration.files) & set(paths)]
    return analyze_migrations(migrations, options, selected)


def lint_options(settings: Settings, dialect: str, pg_version: int | None, server_version: int | None):
    """The linter's options: migrate.yaml's lint section, the version given, else the server's, else 15."""
    from .lint import RULES, LintOptions
    from .lint.findings import DEFAULT_PG_VERSION, PG_VERSIONS

    where = settings.config_file.name if settings.config_file else "configuration"
    unknown = [rule for rule in settings.lint.disabled if rule not in RULES]
    if unknown:
        raise ConfigError(f"{where}: lint.disable names an unknown rule '{unknown[0]}' (see `migrate lint --rules`)")
    if settings.lint.pg_version is not None and settings.lint.pg_version not in PG_VERSIONS:
        raise ConfigError(f"{where}: 'lint.pg_version' must be a PostgreSQL major version from {PG_VERSIONS[0]} to "
                          f"{PG_VERSIONS[-1]}, not {settings.lint.pg_version}")
    version = pg_version or settings.lint.pg_version or server_version or DEFAULT_PG_VERSION
    return LintOptions(dialect, version, frozenset(settings.lint.disabled))


def _pending(settings: Settings, catalogue: Catalogue) -> tuple[set, int | None]:
    """The versions of the pending migrations, and the server's major version (PostgreSQL)."""
    with open_runner(settings, catalogue=catalogue) as runner:
        pending = {status.migration.key for status in runner.statuses() if status.state == PENDING}
        return pending, runner.adapter.server_version


def _lint_files(settings: Settings, file: str) -> list[Path]:
    """A file, or every migration file under a directory (hidden folders left out)."""
    path = settings.base_dir / Path(file).expanduser()
    if path.is_dir():
        found = sorted(candidate for candidate in path.rglob("*") if candidate.is_file()
                       and not any(part.startswith(".") for part in candidate.relative_to(path).parts)
                       and migration_of_file(candidate) is not None)
        if not found:
            raise UsageError(f"{file}: no migration files in this folder")
        return found
    if not path.is_file():
        raise UsageError(f"{file}: no such file")
    return [path]


def down(settings: Settings, *, steps: int | None = None, to: str | None = None, dry_run: bool = False,
         confirmed: bool = False, listener: Listener | None = None) -> RunReport:
    if settings.protected and not dry_run and not confirmed:
        raise SafetyRefusal(
            f"environment '{settings.environment}' is protected: rolling back needs --yes",
            hint="review what would run with `migrate down --dry-run` first",
        )
    with open_runner(settings, lock=not dry_run, listener=listener) as runner:
        if not runner.database_exists:
            raise UsageError(f"{settings.url.masked} does not exist: there is nothing to roll back")
        return runner.down(steps=steps, to=to, dry_run=dry_run)


def repair(settings: Settings, version: str, action: str, listener: Listener | None = None) -> str:
    """action: 'applied', 'rolled_back' or 'accept_checksum'. Returns the migration's label."""
    with open_runner(settings, lock=True, listener=listener) as runner:
        if not runner.database_exists:
            raise UsageError(f"{settings.url.masked} does not exist: there is nothing to repair")
        label = runner.repair(version, action)
        for index in runner.adapter.invalid_indexes():
            runner.listener.warning(invalid_index_warning(index))
        return label


def invalid_index_warning(index) -> str:
    return (f"invalid index {index.name} on {index.table}, left by a CREATE INDEX CONCURRENTLY that failed or was "
            f"killed: it serves no query and slows every write; the migration's retry drops it first "
            f"(or drop it now: DROP INDEX CONCURRENTLY {index.name})")


def baseline(settings: Settings, version: str, *, dry_run: bool = False, listener: Listener | None = None) -> RunReport:
    """Records every migration up to `version` as applied, without running any (a database that predates its
    migrations). It writes only the tracking table, so like `repair` it needs no --yes on a protected environment."""
    with open_runner(settings, create=not dry_run, lock=not dry_run, listener=listener) as runner:
        return runner.baseline(version, dry_run=dry_run)


_NAME_UNSAFE = re.compile(r"[/\\]|\.\.|^\.|^~")
MAX_SLUG_LENGTH = 200  # so that version, name and extension fit the 255 bytes of a file name
# Latin letters that Unicode does not decompose into an ASCII letter and an accent.
_ASCII_LETTERS = str.maketrans({"ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ø": "o", "Ø": "O", "đ": "d",
                                "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d", "Ð": "D", "ı": "i"})


def migration_slug(name: str) -> str:
    """A migration name reduced to [a-z0-9_]; a name that could reach outside the directory is refused.

    Accented letters become their ASCII letter (ü -> u); a letter or digit with no ASCII form is refused rather
    than dropped, so a name never silently loses its words."""
    shown = printable(name)
    if _NAME_UNSAFE.search(name.strip()):
        raise UsageError(f"migration name '{shown}' may not contain path separators or '..'")
    decomposed = "".join(char for char in unicodedata.normalize("NFKD", name.translate(_ASCII_LETTERS))
                         if not unicodedata.combining(char))
    foreign = "".join(dict.fromkeys(char for char in decomposed if not char.isascii() and char.isalnum()))
    if foreign:
        raise UsageError(f"migration name '{shown}' has letters with no ASCII form ({foreign[:8]})",
                         hint="name migrations in ASCII letters, digits and _ (e.g. add_users_table); "
                              "describe it in any language in a comment inside the file")
    slug = re.sub(r"[^a-z0-9]+", "_", decomposed.lower()).strip("_")
    if not slug:
        raise UsageError(f"migration name '{shown}' has no letters or digits")
    if len(slug) > MAX_SLUG_LENGTH:
        raise UsageError(f"migration name is {len(slug)} characters long; the limit is {MAX_SLUG_LENGTH}")
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


InitReport = namedtuple("InitReport", "created updated")  # the files init wrote and changed


INIT_URL = "sqlite:db/development.sqlite3"


def init(settings: Settings) -> InitReport:
    """Write migrate.yaml and the migrations directory, and keep the development database (with its lock and
    journal files beside it) out of git."""
    config_path = settings.config_file or settings.base_dir / "migrate.yaml"
    if config_path.exists():
        raise UsageError(f"{settings.relative(config_path)} already exists; edit it instead")
    created, updated = [], []
    if not settings.migrations_dir.is_dir():
        settings.migrations_dir.mkdir(parents=True)
        created.append(settings.migrations_dir)
    config_path.write_text(render(
        "migrate.yaml.j2", dir=settings.relative(settings.migrations_dir), url=INIT_URL
    ), encoding="utf-8")
    created.insert(0, config_path)
    ignore_file = settings.base_dir / ".gitignore"
    existed = ignore_file.exists()
    if _ignore(ignore_file, "/" + INIT_URL.removeprefix("sqlite:") + "*",
               "dk migrate: the development database, its lock and journal files"):
        (updated if existed else created).append(ignore_file)
    return InitReport(created, updated)


def _ignore(ignore_file: Path, pattern: str, why: str) -> bool:
    """Adds the pattern to a .gitignore, unless it is there already. True when the file changed."""
    text = ignore_file.read_text(encoding="utf-8") if ignore_file.exists() else ""
    if pattern in text.splitlines():
        return False
    separator = "\n" if text and not text.endswith("\n") else ""
    ignore_file.write_text(f"{text}{separator}# {why}\n{pattern}\n", encoding="utf-8")
    return True
