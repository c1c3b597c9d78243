"""Settings: migrate.yaml, environment variables and command-line options resolved into one value.

Where the database URL comes from, first to last: --url; the URL of an environment chosen with --env;
$DATABASE_URL; the URL of the default environment; sqlite:db/development.sqlite3. An explicit --env
outranks $DATABASE_URL so that a variable left in a shell never redirects `--env development` to
another database. The `protected` flag of the selected environment applies whatever the URL's source.

Protection follows the database, not the name it was reached by: when the URL in use names the database
of a protected environment (compared by identity, after interpolation), that environment's protection,
directory and settings apply. A URL of another engine than the environment whose directory is used is a
configuration error.
"""

import math
import os
import re
from collections import namedtuple
from collections.abc import Mapping
from pathlib import Path

from .derived import derived_file, keep_derived, read_derived
from .errors import ConfigError
from .engines import engine
from .urls import DatabaseURL, database_identity, parse_url

CONFIG_NAMES = ("migrate.yaml", "migrate.yml")
DEFAULT_URL = "sqlite:db/development.sqlite3"
DEFAULT_DIR = "db/migrations"
DEFAULT_TABLE = "schema_migrations"
DEFAULT_LOCK_WAIT = 60.0

# key -> (accepted types, description for errors)
TOP_LEVEL_KEYS = {
    "dir": (str, "a path"),
    "table": (str, "a table name"),
    "default_environment": (str, "an environment name"),
    "environments": (dict, "a mapping of environment names to settings"),
    "lint": (dict, "a mapping of lint settings (disable, pg_version)"),
}
ENVIRONMENT_KEYS = {
    "url": (str, "a database URL"),
    "dir": (str, "a path"),
    "protected": (bool, "true or false"),
    "lock_wait": ((int, float), "a number of seconds"),
    "lock_timeout": ((int, float, str), "a duration such as 5s, 500ms or 2m"),
    "lock_retries": (int, "a number of retries, such as 3"),
    "lock_retry_delay": ((int, float, str), "a duration such as 1s or 500ms"),
    "max_replica_lag": ((int, float, str), "a duration such as 10s"),
}
PROTECTED_LOCK_TIMEOUT = 5.0  # seconds: a protected environment that sets no lock_timeout waits this long for a lock
DEFAULT_LOCK_RETRY_DELAY = 1.0
LINT_KEYS = {
    "disable": (list, "a list of rule ids"),
    "pg_version": (int, "a PostgreSQL major version, such as 15"),
}

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


# Records built at every start: tuples, which cost a fraction of dataclasses.

class Options(namedtuple("Options", "directory config env url dir lock_wait", defaults=(None,) * 6)):
    """The global command-line options that shape the settings (directory: -C)."""

    __slots__ = ()


class LintSettings(namedtuple("LintSettings", "disabled pg_version", defaults=((), None))):
    """The `lint:` section of migrate.yaml (disabled: rule ids, checked against the rules by the linter's callers)."""

    __slots__ = ()


class Settings(namedtuple("Settings", "base_dir config_file environment url url_source migrations_dir table protected "
                                      "lock_wait lint environment_by_url environments lock_timeout "
                                      "lock_timeout_defaulted lock_retries lock_retry_delay max_replica_lag",
                          defaults=(LintSettings(), False, (), None, False, 0, DEFAULT_LOCK_RETRY_DELAY, None))):
    """Everything a command runs with, resolved.

    environment_by_url: the environment was chosen because the URL names its database; environments: the names of
    the environments migrate.yaml defines; lock_timeout: seconds a migration's statement may wait for a table lock
    (None: the session's); lock_timeout_defaulted: a protected environment without lock_timeout, which gets
    PROTECTED_LOCK_TIMEOUT; lock_retries: how often a migration that could not get a lock in time is tried again;
    lock_retry_delay: seconds before the first retry, doubled each time, with jitter; max_replica_lag: seconds a
    replica may lag before batched statements pause.
    """

    __slots__ = ()

    def relative(self, path: Path) -> str:
        """A path as the user sees it: relative to the base directory when inside it."""
        try:
            return str(path.relative_to(self.base_dir))
        except ValueError:
            return str(path)


def load_settings(options: Options, environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    base_dir = _base_dir(options.directory)
    config_file = _config_file(base_dir, options.config)
    document = _read_document(config_file) if config_file else {}
    values = _Interpolator(environ, config_file)

    environments = document.get("environments") or {}
    env_name = options.env or document.get("default_environment")
    if env_name is None and "development" in environments:
        env_name = "development"
    if env_name is not None and env_name not in environments:
        known = ", ".join(sorted(environments)) or "none"
        where = config_file.name if config_file else "no migrate.yaml was found"
        raise ConfigError(f"unknown environment '{env_name}' ({where}; environments defined: {known})")
    environment = environments.get(env_name, {}) if env_name else {}
    env_key = f"environments.{env_name}"

    if options.url:
        raw_url, source = options.url, "--url"
    elif options.env and "url" in environment:
        raw_url, source = values.get(environment["url"], f"{env_key}.url"), f"environment {env_name}"
    elif options.env:
        raise ConfigError(f"environment '{env_name}' has no url in {config_file.name}")
    elif environ.get("DATABASE_URL"):
        raw_url, source = environ["DATABASE_URL"], "$DATABASE_URL"
    elif "url" in environment:
        raw_url, source = values.get(environment["url"], f"{env_key}.url"), f"environment {env_name}"
    else:
        raw_url, source = DEFAULT_URL, "default"
    if not raw_url:
        raise ConfigError(f"the database URL from {source} is empty")
    url = parse_url(raw_url, base_dir)

    owner = None if environment.get("protected") else _protected_owner(url, environments, values, base_dir)
    if owner is not None:
        env_name, environment, env_key = owner, environments[owner], f"environments.{owner}"

    if options.dir:
        migrations_dir = options.dir
    elif "dir" in environment:
        migrations_dir = values.get(environment["dir"], f"{env_key}.dir")
    else:
        migrations_dir = values.get(document.get("dir", DEFAULT_DIR), "dir")
    if not options.dir and "dir" in environment:
        _check_engine(url, environment, env_name, migrations_dir, values, base_dir)

    table = values.get(document.get("table", DEFAULT_TABLE), "table")
    if not _TABLE_NAME.match(table):
        raise ConfigError(f"table: '{table}' is not a valid table name (letters, digits, _; optionally schema.table)")

    lock_wait = options.lock_wait if options.lock_wait is not None else environment.get("lock_wait", DEFAULT_LOCK_WAIT)
    if not math.isfinite(lock_wait) or lock_wait < 0:
        raise ConfigError(f"the lock wait must be zero or more seconds, not {lock_wait}")
    protected = bool(environment.get("protected", False))
    lock_timeout = _duration(environment["lock_timeout"], f"{env_key}.lock_timeout", values) \
        if "lock_timeout" in environment else None
    lock_timeout_defaulted = lock_timeout is None and protected
    if lock_timeout_defaulted:
        lock_timeout = PROTECTED_LOCK_TIMEOUT
    lock_retries = environment.get("lock_retries", 0)
    if isinstance(lock_retries, bool) or not isinstance(lock_retries, int) or lock_retries < 0:
        raise ConfigError(f"{env_key}.lock_retries: '{lock_retries}' is not a number of retries (0 or more)")

    return Settings(
        base_dir=base_dir,
        config_file=config_file,
        environment=env_name,
        url=url,
        url_source=source,
        migrations_dir=(base_dir / migrations_dir),
        table=table,
        protected=protected,
        lock_wait=float(lock_wait),
        lint=_lint_settings(document.get("lint") or {}, config_file),
        environment_by_url=owner is not None,
        environments=tuple(environments),
        lock_timeout=lock_timeout,
        lock_timeout_defaulted=lock_timeout_defaulted,
        lock_retries=lock_retries,
        lock_retry_delay=_duration(environment["lock_retry_delay"], f"{env_key}.lock_retry_delay", values)
        if "lock_retry_delay" in environment else DEFAULT_LOCK_RETRY_DELAY,
        max_replica_lag=_duration(environment["max_replica_lag"], f"{env_key}.max_replica_lag", values)
        if "max_replica_lag" in environment else None,
    )


def _environment_url(environment: dict, name: str, values: "_Interpolator", base_dir: Path) -> DatabaseURL | None:
    """An environment's URL, or None when it has none or cannot be resolved (a variable that is not set)."""
    if "url" not in environment:
        return None
    try:
        return parse_url(values.get(environment["url"], f"environments.{name}.url"), base_dir)
    except ConfigError:
        return None


def _protected_owner(url: DatabaseURL, environments: dict, values: "_Interpolator", base_dir: Path) -> str | None:
    """The first protected environment whose URL names the same database as `url`."""
    identity = database_identity(url)
    if identity is None:
        return None
    for name, environment in environments.items():
        if environment.get("protected"):
            theirs = _environment_url(environment, name, values, base_dir)
            if theirs is not None and database_identity(theirs) == identity:
                return name
    return None


def _check_engine(url: DatabaseURL, environment: dict, env_name: str, migrations_dir: str,
                  values: "_Interpolator", base_dir: Path) -> None:
    """The migrations of an environment's own directory are written for its engine: another engine's URL is
    refused before anything runs (SQLite SQL sent to PostgreSQL fails halfway, or worse, succeeds)."""
    own = _environment_url(environment, env_name, values, base_dir)
    if own is not None and own.dialect != url.dialect:
        raise ConfigError(
            f"{url.masked} is a {engine(url.dialect).family} database but {migrations_dir} is the directory of "
            f"environment '{env_name}' ({engine(own.dialect).family})",
            hint="choose the environment for that database with --env, or its migrations with --dir")

_DURATION = re.compile(r"(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|min|m)?")


def _duration(value, key: str, values) -> float:
    """Seconds, from a number of seconds or text such as 5s, 500ms, 2m."""
    text = str(values.get(value, key) if isinstance(value, str) else value).strip()
    found = _DURATION.fullmatch(text)
    if found is None or isinstance(value, bool):
        raise ConfigError(f"{key}: '{text[:40]}' is not a duration (write it as 5s, 500ms or 2m)")
    return float(found["number"]) * {"ms": 0.001, "s": 1, None: 1, "m": 60, "min": 60}[found["unit"]]


def _lint_settings(section: dict, config_file: Path | None) -> LintSettings:
    disabled = section.get("disable", [])
    for rule in disabled:
        if not isinstance(rule, str):
            raise ConfigError(f"{config_file.name}: 'lint.disable' must list rule ids, not {_shown(rule)}")
    return LintSettings(tuple(disabled), section.get("pg_version"))


def _base_dir(directory: str | None) -> Path:
    if directory is None:
        return Path.cwd()
    path = Path(directory).expanduser()
    if not path.is_dir():
        raise ConfigError(f"-C {directory}: no such directory")
    return path.resolve()


def _config_file(base_dir: Path, explicit: str | None) -> Path | None:
    if explicit:
        path = base_dir / Path(explicit).expanduser()
        if not path.is_file():
            raise ConfigError(f"--config {explicit}: no such file")
        return path
    for name in CONFIG_NAMES:
        if (base_dir / name).is_file():
            return base_dir / name
    return None


def _read_document(path: Path) -> dict:
    try:
        document = _parsed_yaml(path.read_text(encoding="utf-8"), path.name)
    except OSError as error:
        raise ConfigError(f"{path.name}: cannot be read: {error.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path.name}: is not UTF-8 text") from None
    except RecursionError:
        raise ConfigError(f"{path.name}: not valid YAML: nested too deeply") from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError(f"{path.name}: must be a mapping of settings (dir, table, environments, ...)")
    _check_keys(path.name, document, TOP_LEVEL_KEYS, "")
    for name, environment in (document.get("environments") or {}).items():
        if not isinstance(environment, dict):
            raise ConfigError(f"{path.name}: environments.{_shown_key(name)} must be a mapping (url, protected, lock_wait, dir)")
        _check_keys(path.name, environment, ENVIRONMENT_KEYS, f"environments.{name}.")
    if isinstance(document.get("lint"), dict):
        _check_keys(path.name, document["lint"], LINT_KEYS, "lint.")
    return document


KEPT_DOCUMENTS = 8  # configurations whose documents are kept (derived.py): the last ones parsed


def _parsed_yaml(text: str, file_name: str):
    """_load_yaml's document, kept by the text it was read from (derived.py): importing PyYAML costs more than the
    rest of a `status`, and a configuration seldom changes. A document is used only for the very same text."""
    kept_at = derived_file("config")
    kept = read_derived(kept_at)
    kept = kept if isinstance(kept, dict) else {}
    if text in kept:
        return kept[text]
    document = _load_yaml(text, file_name)
    kept[text] = document
    keep_derived(kept_at, dict(list(kept.items())[-KEPT_DOCUMENTS:]))
    return document


MAX_YAML_ALIAS_VALUES = 10_000  # values aliases may repeat in a document; a configuration needs a few dozen


def _load_yaml(text: str, file_name: str):
    """yaml.safe_load, but a document whose aliases repeat more than MAX_YAML_ALIAS_VALUES values (an alias
    bomb), or refer to themselves, is refused before anything is built from it."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_aliases(node, file_name)
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{file_name}{where}: not valid YAML: {problem}") from None
    finally:
        loader.dispose()


def _check_aliases(root, file_name: str) -> None:
    """Counts the values the aliases of the document would repeat once built, each node once (in linear time)."""
    import yaml

    def children(node) -> list:
        if isinstance(node, yaml.MappingNode):
            return [part for pair in node.value for part in pair]
        return list(node.value) if isinstance(node, yaml.SequenceNode) else []

    sizes: dict[int, int] = {}  # node -> values it holds once built, itself included
    referenced: set[int] = set()
    repeated = 0
    open_nodes: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if id(node) in sizes:
            continue
        where = f"{file_name} line {node.start_mark.line + 1}"
        if finished:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(child)] for child in children(node))
            for child in children(node):
                if id(child) in referenced:
                    repeated += sizes[id(child)]
                referenced.add(id(child))
            if repeated > MAX_YAML_ALIAS_VALUES:
                raise ConfigError(f"{where}: aliases repeat more than {MAX_YAML_ALIAS_VALUES} values; "
                                  "write the settings out instead of nesting aliases")
            continue
        if id(node) in open_nodes:
            raise ConfigError(f"{where}: an alias refers to the value that contains it")
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children(node))


def _shown(value, limit: int = 60) -> str:
    """A value as a message may quote it: a short, bounded repr however large or nested the value is."""
    import reprlib

    shortened = reprlib.Repr()
    shortened.maxlevel, shortened.maxlist, shortened.maxdict = 2, 4, 4
    shortened.maxstring = shortened.maxother = limit
    text = shortened.repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _shown_key(key, limit: int = 60) -> str:
    if not isinstance(key, str):
        return _shown(key, limit)
    return key if len(key) <= limit else key[:limit - 1] + "…"


def _check_keys(file_name: str, mapping: dict, schema: dict, prefix: str) -> None:
    for key, value in mapping.items():
        if key not in schema:
            allowed = ", ".join(schema)
            raise ConfigError(f"{file_name}: unknown key '{prefix}{_shown_key(key)}' (allowed here: {allowed})")
        types, description = schema[key]
        if not isinstance(value, types) or (isinstance(value, bool) and types != bool):
            raise ConfigError(f"{file_name}: '{prefix}{key}' must be {description}, not {_shown(value)}")


class _Interpolator:
    """Expands ${VAR} and ${VAR:-default} (and $$ for a literal $) when a value is used."""

    def __init__(self, environ: Mapping[str, str], config_file: Path | None):
        self.environ = environ
        self.file_name = config_file.name if config_file else "configuration"

    def get(self, value: str, key: str) -> str:
        """Scanned by hand from one `$` to the next (a regular expression would rescan the rest of the value from
        every `${` that has no closing brace)."""
        pieces, position, brace = [], 0, -2  # brace: the first "}" after the current $; -1 once there is none
        while (dollar := value.find("$", position)) >= 0:
            pieces.append(value[position:dollar])
            if value.startswith("$$", dollar):
                pieces.append("$")
                position = dollar + 2
                continue
            if brace != -1 and brace < dollar:
                brace = value.find("}", dollar)
            close = brace if value.startswith("${", dollar) else -1
            name = _VARIABLE_NAME.match(value, dollar + 2) if close > 0 else None
            if name is None or not (name.end() == close or value.startswith(":-", name.end())):
                pieces.append("$")
                position = dollar + 1
                continue
            default = value[name.end() + 2:close] if name.end() < close else None
            pieces.append(self._value(name.group(), default, key))
            position = close + 1
        return "".join(pieces) + value[position:]

    def _value(self, name: str, default: str | None, key: str) -> str:
        if self.environ.get(name):
            return self.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{self.file_name}: '{key}' uses ${{{name}}}, which is not set")
