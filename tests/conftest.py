"""Shared fixtures: a fresh database per test on every engine, and ways to run the real CLI.

PostgreSQL comes from $MIGRATE_TEST_POSTGRES_URL (an account allowed to create databases) or, when it
is unset, from a throwaway server of the pgserver package. With CI=true an unreachable server fails
the tests that need it; elsewhere they are skipped with the reason.
"""

import io
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAUNCHER = ROOT / "scripts" / "migrate"
CORPORA = ROOT.parent / "shared" / "corpora"
IN_CI = os.environ.get("CI", "").lower() == "true"
# pip settings that make any install fail at once, as on a machine without the network.
OFFLINE = {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": "", "PIP_EXTRA_INDEX_URL": "", "PIP_INDEX_URL": "http://127.0.0.1:9/"}

sys.path.insert(0, str(ROOT / "scripts"))

from dkmigrate.cli import main  # noqa: E402


def unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: database tests may not be skipped)")
    pytest.skip(reason)


def shared_missing(path: Path) -> str:
    """Why a test that reads `path` of ../shared cannot run: a fresh clone has nothing beside it."""
    return f"needs ../shared beside the checkout ({path} is not there)"


def require_shared(path: Path) -> Path:
    """A file or folder of ../shared: a test without it fails in CI and is skipped elsewhere."""
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{shared_missing(path)}: CI=true needs ../shared")
        pytest.skip(shared_missing(path))
    return path


@pytest.fixture(scope="session")
def authelia() -> Path:
    """The authelia corpus of ../shared/corpora (postgres/ and mysql/ migrations)."""
    return require_shared(CORPORA / "authelia")


@pytest.fixture(scope="session")
def postgres_admin_url():
    url = os.environ.get("MIGRATE_TEST_POSTGRES_URL")
    server = None
    if not url:
        try:
            import pgserver
        except ImportError:
            unavailable("no MIGRATE_TEST_POSTGRES_URL and the pgserver package is not installed")
        server = pgserver.get_server(tempfile.mkdtemp(prefix="dkmigrate-pg-"), cleanup_mode="delete")
        url = server.get_uri()
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        unavailable(f"PostgreSQL at {url} is not reachable: {str(error).strip()}")
    yield url
    if server is not None:
        server.cleanup()


def with_database(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@contextmanager
def new_database(admin_url: str, prefix: str = "dkm"):
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url(postgres_admin_url):
    """A new, empty PostgreSQL database for one test."""
    with new_database(postgres_admin_url) as url:
        yield url


@pytest.fixture(scope="session")
def mysql_server() -> dict:
    """pymysql connection settings of the MySQL or MariaDB server named by $MIGRATE_TEST_MYSQL_URL.

    .ci/run names the machine's MariaDB.
    """
    url = os.environ.get("MIGRATE_TEST_MYSQL_URL")
    if not url:
        unavailable("no MIGRATE_TEST_MYSQL_URL (mysql://user[:password]@host[:port]) names a MySQL server")
    import pymysql

    parts = urlsplit(url)
    server = dict(host=parts.hostname, port=parts.port or 3306, user=unquote(parts.username or "root"),
                  password=unquote(parts.password or ""), autocommit=True, connect_timeout=5)
    try:
        pymysql.connect(**server).close()
    except pymysql.Error as error:
        unavailable(f"MySQL at {parts.hostname}:{server['port']} is not reachable: {error}")
    return server


@pytest.fixture
def mysql_database(mysql_server):
    """A new, empty MySQL database for one test: its URL and a connection to it."""
    import pymysql

    name = f"dkm_{uuid.uuid4().hex[:12]}"
    with pymysql.connect(**mysql_server) as admin:
        admin.cursor().execute(f"CREATE DATABASE {name}")
    connection = pymysql.connect(**mysql_server, database=name)
    password = f":{quote(mysql_server['password'], safe='')}" if mysql_server["password"] else ""
    yield (f"mysql://{quote(mysql_server['user'], safe='')}{password}@{mysql_server['host']}:{mysql_server['port']}/{name}",
           connection)
    connection.close()
    with pymysql.connect(**mysql_server) as admin:
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def mysql_url(mysql_database):
    """The URL of a new, empty MySQL database for one test."""
    return mysql_database[0]


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite://{tmp_path / 'test.sqlite3'}"


ENGINES = ["sqlite", "postgres"]  # every engine dk migrate runs migrations on


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path):
    """Each test using it runs once per engine, on its own database."""
    url = request.getfixturevalue(f"{request.param}_url")
    return Engine(request.param, url)


@dataclass
class Engine:
    name: str
    url: str

    def query(self, sql: str) -> list[tuple]:
        if self.name == "sqlite":
            import sqlite3

            connection = sqlite3.connect(self.url.removeprefix("sqlite://"), isolation_level=None)
            try:
                return connection.execute(sql).fetchall()
            finally:
                connection.close()
        if self.name == "mysql":
            import pymysql

            parts = urlsplit(self.url)
            connection = pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=unquote(parts.username),
                                         password=unquote(parts.password or ""), database=parts.path.lstrip("/"),
                                         autocommit=True)
            try:
                with connection.cursor() as cursor:
                    cursor.execute(sql)
                    return list(cursor.fetchall())
            finally:
                connection.close()
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            cursor = connection.execute(sql)
            return cursor.fetchall() if cursor.description else []

    def tables(self) -> set[str]:
        if self.name == "sqlite":
            rows = self.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        elif self.name == "mysql":
            rows = self.query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
        else:
            rows = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {row[0] for row in rows}

    def tracked_versions(self) -> list[str]:
        return [row[0] for row in self.query("SELECT version FROM schema_migrations ORDER BY version")]


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> dict:
        return json.loads(self.stdout)


class Project:
    """A project directory with a migrations folder, driven through the real command line."""

    def __init__(self, root: Path, url: str, environ: dict | None = None):
        self.root = root
        self.url = url
        self.migrations = root / "db" / "migrations"
        self.migrations.mkdir(parents=True, exist_ok=True)
        self.environ = {"PATH": os.environ.get("PATH", "")} | (environ or {})

    def write(self, name: str, text: str) -> Path:
        path = self.migrations / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def migration(self, version: str, name: str, up: str, down: str | None = "", up_options: str = "") -> Path:
        text = f"-- migrate:up{' ' + up_options if up_options else ''}\n{textwrap.dedent(up).strip()}\n"
        if down is not None:
            text += f"\n-- migrate:down\n{textwrap.dedent(down).strip()}\n"
        return self.write(f"{version}_{name}.sql", text)

    def run(self, *args: str, url: bool = True) -> CliResult:
        """The CLI in this process (fast); the same code path as the launcher."""
        stdout, stderr = io.StringIO(), io.StringIO()
        argv = ["-C", str(self.root), *(["--url", self.url] if url else []), *args]
        code = main(argv, stdout=stdout, stderr=stderr, environ=self.environ)
        return CliResult(code, stdout.getvalue(), stderr.getvalue())

    def launch(self, *args: str, url: bool = True, wait: bool = True, extra_env: dict | None = None):
        """The CLI through scripts/migrate in a new process."""
        argv = [str(LAUNCHER), "-C", str(self.root), *(["--url", self.url] if url else []), *args]
        env = os.environ.copy() | self.environ | (extra_env or {})
        env.pop("DATABASE_URL", None)
        if not wait:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        completed = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
        return CliResult(completed.returncode, completed.stdout, completed.stderr)


@pytest.fixture
def project(tmp_path, engine):
    return Project(tmp_path / "project", engine.url)


@pytest.fixture
def sqlite_project(tmp_path, sqlite_url):
    return Project(tmp_path / "project", sqlite_url)


@pytest.fixture(scope="session")
def claude_executable():
    """The pinned Claude Code CLI, installed once into .cache/ (git-ignored) with npm."""
    from claude_code import install

    if shutil.which("npm") is None:
        unavailable("npm is not on PATH: the Claude Code CLI cannot be installed")
    try:
        return install(ROOT / ".cache")
    except subprocess.CalledProcessError as error:
        unavailable(f"npm could not install the Claude Code CLI: {error.stderr.strip()[-500:]}")


@pytest.fixture
def claude(claude_executable, tmp_path):
    """Claude Code with a throwaway HOME."""
    from claude_code import Claude

    home = tmp_path / "home"
    home.mkdir()
    return Claude(claude_executable, home)


def wait_for_stderr(process, text: str, timeout: float = 60) -> str:
    """What a process started with Project.launch(wait=False) wrote on stderr until `text` appeared, it ended,
    or the timeout passed (the rest is still there for communicate())."""
    seen = b""
    deadline = time.monotonic() + timeout
    descriptor = process.stderr.fileno()
    while text.encode() not in seen and time.monotonic() < deadline:
        if select.select([descriptor], [], [], 0.1)[0]:
            chunk = os.read(descriptor, 4096)
            if not chunk:
                break
            seen += chunk
    return seen.decode()
