"""Database URLs: parsing into an engine and its connection target, and masking of passwords."""

import re
import unicodedata
from collections import namedtuple
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, unquote_to_bytes, urlencode, urlsplit

from .engines import SCHEMES, engine
from .errors import ConfigError
from .text import is_control, printable

MEMORY = ":memory:"
MAX_FILE_NAME_BYTES = 255


class DatabaseURL(namedtuple("DatabaseURL", "raw dialect sqlite_path password", defaults=(None, None))):
    """A parsed database URL: raw, its dialect ("sqlite", "postgres" or "mysql"), sqlite_path (SQLite only: an
    absolute path, or Path(":memory:")), password. A tuple: it is built at every start."""

    __slots__ = ()

    @property
    def masked(self) -> str:
        return mask_whole_url(self.raw)

    @property
    def is_memory(self) -> bool:
        return self.sqlite_path == Path(MEMORY)


def parse_url(raw: str, base_dir: Path) -> DatabaseURL:
    """Parse a database URL; relative SQLite paths resolve against base_dir.

    Every error names the URL masked from its raw text, so a URL that does not parse never shows its password.
    """
    scheme, sep, rest = raw.partition(":")
    dialect = SCHEMES.get(scheme.lower()) if sep else None
    if dialect is None:
        known = ", ".join(f"{name}:" for name in SCHEMES)
        raise ConfigError(f"unsupported database URL '{_shown(raw)}': it must start with one of {known}")
    if not engine(dialect).has_server:  # a file
        return DatabaseURL(raw, dialect, sqlite_path=_sqlite_path(raw, rest, base_dir))
    problem = _server_url_problem(raw)
    if problem:
        raise ConfigError(f"database URL '{_shown(raw)}' {problem}")
    try:
        parts = urlsplit(raw)
        parts.port
    except ValueError as error:
        reason = "has an invalid port" if "port" in str(error).lower() else "cannot be read as a URL"
        raise ConfigError(f"database URL '{_shown(raw)}' {reason} (the form is scheme://user@host:port/database)"
                          ) from None
    if not parts.hostname and "host" not in dict(parse_qsl(parts.query)):
        raise ConfigError(f"database URL '{_shown(raw)}' names no host (for a socket directory add ?host=/path)")
    password = unquote(parts.password) if parts.password else dict(parse_qsl(parts.query)).get("password")
    return DatabaseURL(raw, dialect, password=password)


def _shown(raw: str) -> str:
    """A URL as an error message quotes it: masked, on one line."""
    return printable(mask_whole_url(raw))


def _server_url_problem(raw: str) -> str | None:
    """Why a server URL would be misread (and its password shown in pieces by whatever reads it), or None."""
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in raw):
        return "holds whitespace or a control character: percent-encode it (a space is %20)"
    if "#" in raw:
        return "holds a '#': percent-encode it (%23); a database URL has no fragment"
    for escape in _PERCENT.finditer(raw):
        if not _HEX_PAIR.fullmatch(escape.group(1)):
            return "holds a '%' that starts no percent-encoded byte: write a literal % as %25"
        if escape.group(1) == "00":
            return "holds %00, which no database accepts in a URL"
    try:
        unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return "holds percent-encoded bytes that are not UTF-8 text"
    start = raw.find("://") + 3 if "://" in raw else len(raw)
    authority_end = _AUTHORITY_END.search(raw, start)
    authority = raw[start:authority_end.start() if authority_end else len(raw)]
    userinfo, _, host = authority.rpartition("@")
    if authority.count("@") > 1 or (authority_end and "@" in raw[authority_end.start():]) or set(userinfo) & set("[]"):
        return ("is ambiguous: percent-encode any / ? # @ [ ] in the user name or password (%2F %3F %23 %40 %5B %5D), "
                "and any @ after the host (%40)")
    if ("[" in host or "]" in host) and not _BRACKETED_HOST.fullmatch(host):
        return "has an invalid IPv6 host: write it in brackets, as in postgres://user@[::1]:5432/database"
    return None


def _sqlite_path(raw: str, rest: str, base_dir: Path) -> Path:
    if rest == MEMORY:
        return Path(MEMORY)
    if rest.startswith("///"):
        path = Path("/" + rest.lstrip("/"))
    elif rest.startswith("//"):
        raise ConfigError(f"ambiguous SQLite URL '{_shown(raw)}': use sqlite:relative/path.db or sqlite:///absolute/path.db")
    else:
        path = Path(rest)
    if not rest or str(path) in ("", "."):
        raise ConfigError(f"SQLite URL '{_shown(raw)}' names no file")
    if any(is_control(char) for char in rest):
        raise ConfigError(f"SQLite URL '{_shown(raw)}' holds a control character")
    if any(len(part.encode(errors="surrogateescape")) > MAX_FILE_NAME_BYTES for part in path.parts):
        raise ConfigError(f"SQLite URL '{_shown(raw)}' names a file or folder longer than "
                          f"{MAX_FILE_NAME_BYTES} bytes, more than a file system allows")
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
    settings = urlencode(query, quote_via=quote)
    # Written out rather than with urlunsplit, which drops the // of a URL without a host (postgres:///db?host=...).
    return f"postgresql://{parts.netloc}{parts.path}" + (f"?{settings}" if settings else "")


_PERCENT = re.compile(r"%(.{0,2})", re.DOTALL)
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}")
_AUTHORITY_END = re.compile(r"[/?#]")
_BRACKETED_HOST = re.compile(r"\[[0-9A-Fa-f:.]+(?:%[^\]]*)?\](?::[^:]*)?")
_WHITESPACE = re.compile(r"\s")
_QUERY_PASSWORD = re.compile(r"(?:^|(?<=[?&;\s]))password=", re.IGNORECASE)
_QUERY_VALUE_END = re.compile(r"[&#\s]")
_NEXT_SETTING = re.compile(r"&[A-Za-z_][A-Za-z0-9_]*=")
_DELIMITERS = re.compile(r"[/?#@:%&=\s\[\]]")
MIN_SECRET = 4  # a shorter text is replaced only where a URL's syntax says it is a password
_CLOSERS = "'\",;)]}>"  # quotes and punctuation that end the text around a URL, not its password


def mask_url(text: str) -> str:
    """Replace every URL password in text with ***, in time linear in the text's length.

    A `password=` setting runs to the next &, # or whitespace, less the quotes or commas that close the text
    around it. In `scheme://user:password@host`, the password runs from the first ':' after `//` to the last '@' before
    whitespace, so an unencoded / ? # @ : % inside it is masked too, even in a URL that does not parse.
    """
    if "password=" in text or "PASSWORD=" in text.upper():
        text = _mask_password_settings(text)
    if "://" in text:
        text = _mask_userinfo(text)
    return text


def mask_whole_url(raw: str) -> str:
    """A database URL (the whole text is the one URL) with its passwords replaced by ***, however they are written."""
    pieces, done = [], 0
    for start, end in _password_spans(raw):
        pieces += [raw[done:start], "***"]
        done = end
    return "".join(pieces) + raw[done:]


def url_secrets(raw: str) -> tuple[str, ...]:
    """What of a URL's passwords could appear in a message of whatever reads the URL: each password as written
    and decoded, and its pieces between URL delimiters, where they are long enough to be replaced safely."""
    found = set()
    for start, end in _password_spans(raw):
        for form in (raw[start:end], unquote(raw[start:end])):
            found.add(form)
            found.update(_DELIMITERS.split(form))
    return tuple(sorted((secret for secret in found if len(secret) >= MIN_SECRET), key=len, reverse=True))


def _password_spans(raw: str) -> list[tuple[int, int]]:
    """Where the passwords of one URL are: the `password=` settings of its query (each up to the next
    `&name=`), and the userinfo's, from the first ':' after `//` to the last '@' before the query's password."""
    spans = []
    for found in _QUERY_PASSWORD.finditer(raw):
        next_setting = _NEXT_SETTING.search(raw, found.end())
        spans.append((found.end(), next_setting.start() if next_setting else len(raw)))
    spans = [span for index, span in enumerate(spans) if index == 0 or span[0] >= spans[index - 1][1]]
    start = raw.find("://") + 3
    at = raw.rfind("@", 0, spans[0][0] if spans else len(raw))
    colon = raw.find(":", start, at) if start > 2 and at > start else -1
    if colon >= 0 and colon + 1 < at:
        spans.insert(0, (colon + 1, at))
    return [(start, end) for start, end in spans if end > start]


def _mask_userinfo(text: str) -> str:
    pieces, done, position = [], 0, 0
    while (found := text.find("://", position)) >= 0:
        start = found + 3
        space = _WHITESPACE.search(text, start)
        end = space.start() if space else len(text)
        at = text.rfind("@", start, end)
        colon = text.find(":", start, at) if at > 0 else -1
        if colon >= 0 and colon + 1 < at:
            pieces += [text[done:colon + 1], "***"]
            done = at
        position = end
    return "".join(pieces) + text[done:] if pieces else text


def _mask_password_settings(text: str, stops: re.Pattern = _QUERY_VALUE_END, closers: str = _CLOSERS) -> str:
    pieces, done, position = [], 0, 0
    while found := _QUERY_PASSWORD.search(text, position):
        start = found.end()
        stop = stops.search(text, start)
        end = stop.start() if stop else len(text)
        value_end = end
        while value_end > start and text[value_end - 1] in closers:
            value_end -= 1
        if value_end > start:
            pieces += [text[done:start], "***"]
            done = value_end
        position = end
    return "".join(pieces) + text[done:] if pieces else text
