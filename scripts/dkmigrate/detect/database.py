"""The database a detected tool's own configuration names, as a URL dk migrate can connect to: Flyway's
`flyway.url` (flyway.conf) or its TOML environment's `url`, goose's GOOSE_DRIVER and GOOSE_DBSTRING, Prisma's
datasource `url`, and the DATABASE_URL that golang-migrate's, dbmate's and Drizzle's commands use. A variable is
read from the environment first, then from the `.env` file at the tool's root (which dbmate, goose and Prisma
read themselves)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from ..engines import DIALECTS, engine, known
from .formats import dotenv, java_properties
from .tools import DIALECT_NAMES


@dataclass(frozen=True)
class NamedDatabase:
    url: str  # a URL dk migrate parses (relative SQLite paths made absolute from where the tool resolves them)
    source: str  # where it was found, for people: "flyway.conf: flyway.url", "$GOOSE_DBSTRING"
    schema: str | None = None  # the schema the tool keeps its table in, where its configuration says (Prisma)


def named_database(project: Path, use, environ: Mapping[str, str]) -> NamedDatabase | None:
    """The database `use`'s configuration names, or None when it names none dk migrate can reach (no setting,
    or an engine dk migrate does not run, such as SQL Server)."""
    reader = _READERS.get(use.tool.name)
    if reader is None:
        return None
    return reader(project, use, _Variables(environ, project / use.root / ".env"))


class _Variables:
    """Environment variables, then the `.env` file's."""

    def __init__(self, environ: Mapping[str, str], dotenv: Path):
        self.environ = environ
        self.dotenv_path = dotenv
        self._dotenv: dict[str, str] | None = None

    def get(self, name: str) -> tuple[str, str] | None:
        """(value, where it was found), or None."""
        if self.environ.get(name):
            return self.environ[name], f"${name}"
        if self._dotenv is None:
            try:
                self._dotenv = dotenv(self.dotenv_path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                self._dotenv = {}
        if self._dotenv.get(name):
            return self._dotenv[name], f"{self.dotenv_path.name}: {name}"
        return None

    def url(self, name: str, root: Path) -> NamedDatabase | None:
        found = self.get(name)
        if found is None:
            return None
        url = _usable(found[0], root)
        return NamedDatabase(url, found[1]) if url else None


def _usable(raw: str, root: Path) -> str | None:
    """A URL as dk migrate reads it: a file database's path absolute from `root` (a `file:` URL is one, as Prisma
    writes SQLite's); None for an engine dk migrate does not run."""
    scheme, sep, rest = raw.partition(":")
    scheme = scheme.lower().split("+", 1)[0]
    dialect = DIALECT_NAMES.get(scheme) if sep else None
    if scheme == "file" or _is_file_database(dialect):
        dialect = next(name for name in DIALECTS if not engine(name).has_server) if scheme == "file" else dialect
        path = rest.removeprefix("//").split("?", 1)[0]
        return f"{engine(dialect).schemes[0]}://{(root / path).resolve() if not Path(path).is_absolute() else path}"
    if known(dialect):
        return f"{engine(dialect).schemes[0]}:{rest}"
    return None


def _is_file_database(dialect: str | None) -> bool:
    return known(dialect) and not engine(dialect).has_server


# Flyway -----------------------------------------------------------------------------------------------------

def _flyway(project: Path, use, variables: _Variables) -> NamedDatabase | None:
    config = project / use.config if use.config else None
    found = variables.get("FLYWAY_URL")
    if found is not None:
        user, password = variables.get("FLYWAY_USER"), variables.get("FLYWAY_PASSWORD")
        url = jdbc_url(found[0], user and user[0], password and password[0], config.parent if config else Path("."))
        return NamedDatabase(url, found[1]) if url else None
    if config is None or not config.is_file():
        return None
    text = config.read_text(encoding="utf-8", errors="replace")
    if config.suffix == ".toml":
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        name = (document.get("flyway") or {}).get("environment", "default")
        environment = (document.get("environments") or {}).get(name) or {}
        settings, key = {key: value for key, value in environment.items() if isinstance(value, str)}, "url"
        source = f"{config.name}: environments.{name}.url"
        user, password = settings.get("user"), settings.get("password")
    else:
        settings, key = java_properties(text), "flyway.url"
        source = f"{config.name}: flyway.url"
        user, password = settings.get("flyway.user"), settings.get("flyway.password")
    if not settings.get(key):
        return None
    url = jdbc_url(settings[key], user, password, config.parent)
    return NamedDatabase(url, source) if url else None


def jdbc_url(jdbc: str, user: str | None, password: str | None, base: Path) -> str | None:
    """A JDBC URL (jdbc:postgresql://host/db, jdbc:mysql://..., jdbc:mariadb://..., jdbc:sqlite:path) as a URL
    dk migrate reads, with Flyway's separate user and password put in it; None for another engine."""
    match = re.match(r"jdbc:([a-z0-9]+):(.*)$", jdbc.strip(), re.IGNORECASE)
    if not match:
        return None
    dialect = DIALECT_NAMES.get(match.group(1).lower())
    rest = match.group(2)
    if _is_file_database(dialect):
        return _usable(f"{engine(dialect).schemes[0]}:{rest}", base)
    if not known(dialect) or not rest.startswith("//"):
        return None
    parts = urlsplit(f"x:{rest}")
    query = dict(parse_qsl(parts.query))
    user = query.pop("user", None) or user
    password = query.pop("password", None) or password
    userinfo = ""
    if user:
        userinfo = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "") + "@"
    netloc = userinfo + parts.netloc.rpartition("@")[2]
    return f"{engine(dialect).schemes[0]}://{netloc}{parts.path}{'?' + urlencode(query) if query else ''}"


# goose ------------------------------------------------------------------------------------------------------

def _goose(project: Path, use, variables: _Variables) -> NamedDatabase | None:
    """GOOSE_DRIVER and GOOSE_DBSTRING: a URL, or the driver's own connection string (PostgreSQL's key=value
    settings, the MySQL driver's user:password@tcp(host:port)/database, SQLite's file path)."""
    root = project / use.root
    driver, dbstring = variables.get("GOOSE_DRIVER"), variables.get("GOOSE_DBSTRING")
    if driver is None or dbstring is None:
        return None
    dialect = DIALECT_NAMES.get(driver[0].lower())
    value = dbstring[0].strip()
    if "://" in value:
        url = _usable(value, root)
    elif _is_file_database(dialect):
        url = _usable(value if ":" in value.split("/", 1)[0] else f"{engine(dialect).schemes[0]}:{value}", root)
    elif dialect in _GOOSE_CONNECTION_STRINGS:
        url = _GOOSE_CONNECTION_STRINGS[dialect](value)
    else:
        url = None
    return NamedDatabase(url, dbstring[1]) if url else None


def _postgres_settings(text: str) -> str | None:
    """libpq's `host=... user=... dbname=...` settings as a postgres:// URL."""
    settings = dict(re.findall(r"(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S+)", text))
    settings = {key: value.strip("'") for key, value in settings.items()}
    if not settings:
        return None
    user, password = settings.pop("user", ""), settings.pop("password", "")
    host, port = settings.pop("host", "localhost"), settings.pop("port", "")
    database = settings.pop("dbname", "")
    userinfo = (quote(user, safe="") + (f":{quote(password, safe='')}" if password else "") + "@") if user else ""
    return (f"postgres://{userinfo}{host}{':' + port if port else ''}/{quote(database, safe='')}"
            f"{'?' + urlencode(settings) if settings else ''}")


def _mysql_dsn(text: str) -> str | None:
    """The Go MySQL driver's `user:password@tcp(host:port)/database?params` as a mysql:// URL."""
    match = re.match(r"(?:([^:@]*)(?::([^@]*))?@)?(?:tcp\(([^)]*)\))?/([^?]*)", text)
    if not match:
        return None
    user, password, address, database = match.groups()
    userinfo = (quote(user, safe="") + (f":{quote(password, safe='')}" if password else "") + "@") if user else ""
    return f"mysql://{userinfo}{address or 'localhost:3306'}/{database}"


# the Go drivers' own connection strings, by the dialect of goose's driver
_GOOSE_CONNECTION_STRINGS = {"postgres": _postgres_settings, "mysql": _mysql_dsn}


# Prisma -----------------------------------------------------------------------------------------------------

_PRISMA_URL = re.compile(r"datasource\s+\w+\s*\{[^}]*?\burl\s*=\s*(?:env\(\s*\"([^\"]+)\"\s*\)|\"([^\"]+)\")",
                         re.DOTALL)


def _prisma(project: Path, use, variables: _Variables) -> NamedDatabase | None:
    """The datasource's `url` (a string, or env("NAME")) of the schema.prisma that established the use; Prisma
    resolves a `file:` path from the schema's directory. Its own `schema` parameter is Prisma's, not the
    driver's, and is dropped."""
    if use.config is None:
        return None
    schema = project / use.config
    try:
        match = _PRISMA_URL.search(schema.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    if match is None:
        return None
    if match.group(1):
        found = variables.get(match.group(1))
        if found is None:
            return None
        raw, source = found
    else:
        raw, source = match.group(2), f"{schema.name}: datasource url"
    url = _usable(raw, schema.parent)
    if url is None:
        return None
    parts = urlsplit(url)
    query = parse_qsl(parts.query)
    kept = [(key, value) for key, value in query if key != "schema"]
    return NamedDatabase(parts._replace(query=urlencode(kept)).geturl(), source, dict(query).get("schema"))


def _database_url(project: Path, use, variables: _Variables) -> NamedDatabase | None:
    """The DATABASE_URL that golang-migrate's, dbmate's and Drizzle's commands use."""
    return variables.url("DATABASE_URL", project / use.root)


_READERS = {"Flyway": _flyway, "goose": _goose, "Prisma": _prisma, "golang-migrate": _database_url,
            "dbmate": _database_url, "Drizzle": _database_url}
