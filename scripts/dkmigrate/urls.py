"""Database URLs: parsing into an engine and its connection target, and masking of passwords."""

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from .engines import SCHEMES, engine
from .errors import ConfigError

MEMORY = ":memory:"


@dataclass(frozen=True)
class DatabaseURL:
    raw: str
    dialect: str  # "sqlite", "postgres" or "mysql"
    sqlite_path: Path | None = None  # absolute path, or Path(":memory:"); SQLite only
    password: str | None = None

    @property
    def masked(self) -> str:
        return mask_url(self.raw)

    @property
    def is_memory(self) -> bool:
        return self.sqlite_path == Path(MEMORY)


def parse_url(raw: str, base_dir: Path) -> DatabaseURL:
    """Parse a database URL; relative SQLite paths resolve against base_dir."""
    scheme, sep, rest = raw.partition(":")
    dialect = SCHEMES.get(scheme.lower()) if sep else None
    if dialect is None:
        known = ", ".join(f"{name}:" for name in SCHEMES)
        raise ConfigError(f"unsupported database URL '{mask_url(raw)}': it must start with one of {known}")
    if not engine(dialect).has_server:  # a file
        return DatabaseURL(raw, dialect, sqlite_path=_sqlite_path(raw, rest, base_dir))
    parts = urlsplit(raw)
    try:
        parts.port
    except ValueError:
        raise ConfigError(f"invalid port in database URL '{mask_url(raw)}'") from None
    if not parts.hostname and "host" not in dict(parse_qsl(parts.query)):
        raise ConfigError(f"database URL '{mask_url(raw)}' names no host (for a socket directory add ?host=/path)")
    password = unquote(parts.password) if parts.password else dict(parse_qsl(parts.query)).get("password")
    return DatabaseURL(raw, dialect, password=password)


def _sqlite_path(raw: str, rest: str, base_dir: Path) -> Path:
    if rest == MEMORY:
        return Path(MEMORY)
    if rest.startswith("///"):
        path = Path("/" + rest.lstrip("/"))
    elif rest.startswith("//"):
        raise ConfigError(f"ambiguous SQLite URL '{raw}': use sqlite:relative/path.db or sqlite:///absolute/path.db")
    else:
        path = Path(rest)
    if not rest or str(path) in ("", "."):
        raise ConfigError(f"SQLite URL '{raw}' names no file")
    return path if path.is_absolute() else (base_dir / path)


def database_identity(url: DatabaseURL) -> tuple | None:
    """What names one database whatever URL reaches it: the engine, the host (any case) and port (the default
    one when none is given), the database name; for SQLite the file's real path. None for an in-memory SQLite
    database, which no other URL reaches. The user is left out: another account reaches the same database."""
    database_engine = engine(url.dialect)
    if not database_engine.has_server:
        return None if url.is_memory else (url.dialect, str(url.sqlite_path.resolve()))
    parts = urlsplit(url.raw)
    query = dict(parse_qsl(parts.query))
    host = (parts.hostname or query.get("host", "")).lower()
    port = parts.port or (int(query["port"]) if query.get("port", "").isdigit() else database_engine.default_port)
    database = unquote(parts.path.lstrip("/")) or query.get("dbname", "")
    if not database and database_engine.default_database_is_user:
        database = unquote(parts.username or query.get("user", ""))
    return url.dialect, host, port, database


def postgres_conninfo(url: DatabaseURL) -> str:
    """The URL libpq understands: dbmate's ?search_path=... becomes an `options` setting."""
    parts = urlsplit(url.raw)
    query = parse_qsl(parts.query, keep_blank_values=True)
    search_path = [value for key, value in query if key == "search_path"]
    query = [(key, value) for key, value in query if key != "search_path"]
    if search_path:
        query.append(("options", f"-c search_path={search_path[-1]}"))
    # libpq decodes %20 but not "+" as a space.
    return urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(query, quote_via=quote), parts.fragment))


# Greedy up to the authority's last "@", so an unencoded "@" inside a password is masked too.
_USERINFO_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<password>[^\s/?#]*)(?=@)", re.IGNORECASE)
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&]password=)(?P<password>[^&\s]*)", re.IGNORECASE)


def mask_url(text: str) -> str:
    """Replace every URL password in text with ***."""
    if "://" in text:  # the scan is slow on megabytes of output; most text holds no URL at all
        text = _USERINFO_PASSWORD.sub(lambda m: m.group("head") + "***", text)
    if "password=" in text.lower():
        text = _QUERY_PASSWORD.sub(lambda m: m.group("head") + "***", text)
    return text
