"""Hostile and careless input: passwords that never reach the output, input that cannot slow the tool to a
crawl or exhaust its memory, names that cannot become SQL of their own."""

import io
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import LAUNCHER, ROOT, Project
from dkmigrate.cli import main
from dkmigrate.urls import mask_url

# Three markers no output contains by chance: a password is made of them and the characters between them, so
# a leak of any piece of it, whole or cut at a special character, shows one of them.
MARKERS = ("Kq7vX", "Mz3wY", "Wp9tZ")
# The characters that end a part of a URL, start a percent escape or a quoted string, or end a shell word.
SPECIALS = ("/", "#", "?", "@", ":", "%", "%zz", "%2F", "&", " ", "'", '"', "\\", "[", "]", "=", ";", "$", "!")
SPLITTERS = ("/", "#", "?", "@", ":", "%", "%zz", " ", "'")


def password_forms() -> list[str]:
    a, b, c = MARKERS
    forms = [f"{a}{special}{b}" for special in SPECIALS]
    forms += [f"{a}{one}{b}{two}{c}" for one, two in itertools.product(SPLITTERS, repeat=2)]
    forms += [f"{special}{a}" for special in SPECIALS] + [f"{a}{special}" for special in SPECIALS]
    return forms


# What follows the password: a port nothing listens on (cannot connect), an invalid port, a broken IPv6
# address, no host, a port out of range; and the schemes whose errors differ.
URL_SHAPES = ("postgres://app:{pw}@127.0.0.1:1/app?connect_timeout=2", "postgres://app:{pw}@127.0.0.1:port/app",
              "postgresql://app:{pw}@[::1:5432/app", "postgres://app:{pw}@/app", "postgres://app:{pw}@127.0.0.1:99999/app",
              "postgres://app:{pw}@127.0.0.1:1/app?unknown=1", "postgres://app@127.0.0.1:1/app?password={pw}&connect_timeout=2",
              "postgres://app@127.0.0.1:1/app?connect_timeout=2&password={pw}",
              "mysql://app:{pw}@127.0.0.1:1/app", "postgress://app:{pw}@127.0.0.1/app")
COMMANDS = (("status",), ("up",), ("down",), ("up", "--dry-run"), ("plan",), ("repair", "--list"), ("lint",))


def run_with_url(project_root, source: str, url: str, command: tuple[str, ...], json_mode: bool):
    argv = ["-C", str(project_root), *command, *(["--format", "json"] if json_mode else [])]
    environ = {"PATH": ""}
    if source == "--url":
        argv += ["--url", url]
    elif source == "$DATABASE_URL":
        environ["DATABASE_URL"] = url
    else:
        environ["SECRET_DATABASE_URL"] = url
        argv += ["--config", "interpolated.yaml"]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, stdout=stdout, stderr=stderr, environ=environ)
    return code, stdout.getvalue(), stderr.getvalue()


def test_no_form_of_password_is_ever_printed_whatever_the_url_source_error_or_format(tmp_path):
    project = Project(tmp_path / "p", "unused")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    (project.root / "interpolated.yaml").write_text(
        "environments:\n  development:\n    url: ${SECRET_DATABASE_URL}\n", encoding="utf-8")
    runs = leaks = 0
    failures = []
    combinations = itertools.product(password_forms(), URL_SHAPES, ("--url", "$DATABASE_URL", "migrate.yaml"))
    for index, (password, shape, source) in enumerate(combinations):
        url = shape.format(pw=password)
        json_mode = index % 2 == 0
        command = COMMANDS[index % len(COMMANDS)]
        code, stdout, stderr = run_with_url(project.root, source, url, command, json_mode)
        runs += 1
        shown = stdout + stderr
        problem = None
        if any(marker in shown for marker in MARKERS):
            leaks += 1
            problem = "password shown"
        elif "internal error" in shown:
            problem = "internal error"
        elif command == ("lint",):  # lint may fall back to linting every file when no database answers
            pass
        elif code not in (2, 3):
            problem = f"exit {code}"
        elif not stderr.startswith("error: ") or any(not line.startswith("hint: ") for line in stderr.splitlines()[1:]):
            problem = "not one error line (and hints) on stderr"
        elif json_mode and json.loads(stdout)["error"]["code"] != code:
            problem = "JSON error document"
        if problem and len(failures) < 10:
            failures.append(f"{problem}: {source} {url!r} {command}: {shown.strip()[:300]}")
    assert not failures, f"{leaks} of {runs} runs leaked; first failures:\n" + "\n".join(failures)
    assert runs > 3500


@pytest.mark.parametrize("text, masked", [
    ("error: 'postgres://h/db?password=s3cret' is wrong", "error: 'postgres://h/db?password=***' is wrong"),
    ('{"database": "postgres://h/db?sslmode=require&password=s3cret",', '{"database": "postgres://h/db?sslmode=require&password=***",'),
    ("(postgres://h/db?password=s3cret), then", "(postgres://h/db?password=***), then"),
    ("postgres://h/db?password=s3cret&sslmode=require", "postgres://h/db?password=***&sslmode=require"),
    ("host=h password=s3cret dbname=app", "host=h password=*** dbname=app"),
    ("'postgres://u:pa/ss#w?o@rd@h:5432/db'", "'postgres://u:***@h:5432/db'"),
])
def test_masking_keeps_the_text_around_the_password(text, masked):
    assert mask_url(text) == masked


@pytest.mark.parametrize("url, shown", [
    ("postgres://u:pw@[::1:5432/x", "database URL 'postgres://u:***@[::1:5432/x' has an invalid IPv6 host"),
    ("postgres://u:pw@h:port/x", "database URL 'postgres://u:***@h:port/x' has an invalid port"),
    ("postgres://u:pw@h:99999/x", "database URL 'postgres://u:***@h:99999/x' has an invalid port"),
    ("postgres://u:pw@h:1:2/x", "database URL 'postgres://u:***@h:1:2/x' has an invalid port"),
    ("postgres://u:pw@/x", "database URL 'postgres://u:***@/x' names no host"),
    ("postgres://", "database URL 'postgres://' names no host"),
    ("postgress://u:pw@h/x", "unsupported database URL 'postgress://u:***@h/x'"),
    ("postgres://u:p%zz@h/x", "database URL 'postgres://u:***@h/x' holds a '%' that starts no percent-encoded byte"),
    ("postgres://u:p w@h/x", "database URL 'postgres://u:***@h/x' holds whitespace"),
    ("postgres://u:pw@h/x#top", "database URL 'postgres://u:***@h/x#top' holds a '#'"),
    ("postgres://u:p@w@h/x", "database URL 'postgres://u:***@h/x' is ambiguous"),
    ("postgres://u:pw@h/x?unknown=1", "database URL 'postgres://u:***@h/x?unknown=1' is not one PostgreSQL accepts"),
    ("sqlite://u:pw@x", "ambiguous SQLite URL 'sqlite://u:***@x'"),
])
def test_a_url_that_cannot_be_used_is_exit_2_with_one_masked_line(sqlite_project, url, shown):
    sqlite_project.migration("1", "one", "CREATE TABLE one (id integer);")
    result = sqlite_project.run("--url", url, "status", url=False)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {shown}")
    assert len(result.stderr.splitlines()) == 1


# Texts that make a backtracking regular expression take time quadratic (or worse) in their length.
ADVERSARIAL_TEXTS = {
    "letters before a scheme": "'a' * 1_000_000 + '://'",
    "words before a scheme": "'a1.' * 250_000 + 'x://u:p'",
    "schemes": "'a://' * 250_000",
    "userinfo": "'x://u:' + ':' * 1_000_000",
    "at signs": "'://:@' * 200_000",
    "settings": "'?password=' * 100_000",
    "settings in words": "' password=x' * 90_000",
}
TIME_BOUND = 10  # seconds for a megabyte: generous for a busy machine, hours short of a quadratic scan


def finishes_in_time(code: str) -> float:
    """Seconds the Python code took in a new process, failing the test when it exceeds TIME_BOUND."""
    started = time.perf_counter()
    try:
        # The bytecode goes where the test run keeps it (scripts/test), never into the work tree.
        bytecode = {name: os.environ[name] for name in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")
                    if name in os.environ}
        subprocess.run([sys.executable, "-c", code], check=True, timeout=TIME_BOUND, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": os.environ.get("PATH", "")} | bytecode)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {TIME_BOUND} s: {code[:200]}")
    return time.perf_counter() - started


@pytest.mark.parametrize("name", ADVERSARIAL_TEXTS)
def test_masking_a_megabyte_takes_linear_time(name):
    finishes_in_time(f"from dkmigrate.urls import mask_url; mask_url({ADVERSARIAL_TEXTS[name]})")


# Other paths where a regular expression (or a scan that replaced one) meets text of any length from the user.
TEXT_PATHS = {
    "masking a whole URL": "from dkmigrate.urls import mask_whole_url as f; f('x://u:' + ':' * 1_000_000 + '?password=' * 9)",
    "a URL's secrets": "from dkmigrate.urls import url_secrets as f; f('x://u:' + '@:/' * 300_000 + '?password=&a=' * 9)",
    "checking a server URL": "from dkmigrate.urls import _server_url_problem as f; f('postgres://' + '%41' * 300_000)",
    "unclosed ${ in migrate.yaml": "from dkmigrate.config import _Interpolator as I; I({}, None).get('${a:-' * 200_000, 'url')",
    "invalid ${ before one brace": "from dkmigrate.config import _Interpolator as I; I({}, None).get('${1:-' * 200_000 + '}', 'url')",
    "a list of names with long spaces": "from dkmigrate.plan.identifiers import split_list as f; f('a' + ' ' * 1_000_000 + 'b')",
    "a list of names with spaced commas": "from dkmigrate.plan.identifiers import split_list as f; f('a' + ' ,' * 500_000)",
    "a migration name": "from dkmigrate.operations import migration_slug as f; f('a' * 200 + '-' * 1_000_000)",
}


@pytest.mark.parametrize("name", TEXT_PATHS)
def test_other_text_paths_take_linear_time_on_a_megabyte(name):
    code = TEXT_PATHS[name]
    finishes_in_time(f"from dkmigrate.errors import UsageError\ntry:\n    {code.replace('; ', chr(10) + '    ')}\n"
                     "except UsageError:\n    pass")


# SQL of about a megabyte that makes a backtracking regular expression take quadratic time or worse: long runs
# of one character class, many openers without closers, deep nesting.
ADVERSARIAL_SQL = {
    "string literal before a scheme": "INSERT INTO t VALUES ('" + "a" * 1_000_000 + "://');",
    "string literal of settings": "INSERT INTO t VALUES ('" + "?password=" * 100_000 + "');",
    "string literal of userinfo": "INSERT INTO t VALUES ('x://u:" + ":" * 1_000_000 + "');",
    "one long word": "SELECT " + "a" * 1_000_000 + ";",
    "dotted names": "SELECT " + "a." * 500_000 + "b;",
    "spaces": "SELECT" + " " * 1_000_000 + "1;",
    "words": "SELECT " + "a " * 500_000 + ";",
    "nested parentheses": "SELECT " + "(" * 50_000 + "1" + ")" * 50_000 + ";",
    "open parentheses": "SELECT " + "(" * 500_000 + ";",
    "commas": "SELECT " + "1," * 500_000 + "1;",
    "columns": "CREATE TABLE t (" + ", ".join(f"c{i} integer" for i in range(60_000)) + ");",
    "alter clauses": "ALTER TABLE t " + ", ".join(f"ADD COLUMN c{i} integer" for i in range(40_000)) + ";",
    "semicolons": "SELECT 1" + ";" * 1_000_000,
    "line comments": "-- a\n" * 200_000 + "SELECT 1;",
    "block comment openers": "SELECT 1; /*" + " /*" * 300_000 + " */" * 300_000 + "*/",
    "dollar quotes": "SELECT $a$" + "$" * 1_000_000 + "$a$;",
    "quotes": "SELECT " + "'a'" * 300_000 + ";",
    "quoted names": "SELECT " + '"a"' * 300_000 + ";",
    "keywords": "SELECT 1 WHERE " + "NOT " * 250_000 + "true;",
    "index words": "CREATE INDEX i ON t (" + "a " * 500_000 + ");",
}


@pytest.mark.parametrize("name", ADVERSARIAL_SQL)
@pytest.mark.parametrize("command", [("up", "--dry-run"), ("lint", "--all")])
def test_a_megabyte_of_adversarial_sql_is_dry_run_and_linted_in_time(tmp_path, name, command):
    project = Project(tmp_path / "p", f"sqlite://{tmp_path / 'test.sqlite3'}")
    project.migration("1", "big", ADVERSARIAL_SQL[name], "SELECT 1;")
    argv = [str(LAUNCHER), "-C", str(project.root), "--url", project.url, *command]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=TIME_BOUND * 3,
                                env=os.environ.copy() | project.environ)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} still running after {TIME_BOUND * 3} s")
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-2000:]


# --- names given to `plan --write` ---------------------------------------------------------------------------------

from hypothesis import HealthCheck, example, given, settings as hypothesis_settings, strategies as st  # noqa: E402

from dkmigrate.catalogue.formats import DBMATE  # noqa: E402

# Pieces that end a comment, a string, a quoted name or a dollar-quoted body, or start SQL of their own; and
# MySQL's own: a backslash escape before a quote or a backslash, a back tick inside a name, an executable comment
# (run by MySQL), a # comment, a DELIMITER command (read by the mysql client), Ctrl-Z (MySQL's \\Z).
HOSTILE_PIECES = ("\n", "\r", "\r\n", "\x00", "\x0b", "\x0c", "\x1b", "\x85", "\u2028", "\u2029", "\t", "$$", "$body1$",
                  "$_$", '"', "'", "`", ";", "--", "/*", "*/", "DELETE FROM victim;", "DROP TABLE victim;", "\\", " ",
                  "é", "名", "$", "BEGIN", "END;", "\nDELETE FROM victim;--", "\\'", "\\\\", "a`b", "``",
                  "/*!", "/*!50000 DROP TABLE victim*/", "/*M!", "#", "\n# ", "DELIMITER //", "\nDELIMITER ;;\n",
                  "\x1a", "-- ", "\U0001F600")
hostile_text = st.lists(st.one_of(st.sampled_from(HOSTILE_PIECES), st.text(alphabet="ab_1$;'\"-/*", max_size=3)),
                        min_size=1, max_size=8).map("".join)


def quoted_name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# (goal, the option that carries the hostile text ("goal": its words, at {}), how the text is written there, other
# options)
PLAN_REQUESTS = (
    ("rename users.email", "--to", quoted_name, ()),
    ("rename users.email", "--to", str, ()),
    ("rename table users", "--to", quoted_name, ()),
    ("add not null column orders.status text", "--default", str, ()),
    ("add a not null column to a large table", "--column", quoted_name,
     ("--table", "orders", "--type", "text", "--default", "new")),
    ("change type of orders.total", "--to", str, ()),
    ("split users table into {} moving bio", "goal", quoted_name, ()),
    ("rename users.email to {}", "goal", quoted_name, ()),
)
LIVE_TABLES = """
CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, phone text, bio text);
CREATE TABLE orders (id integer PRIMARY KEY, total integer);
CREATE TABLE victim (id integer PRIMARY KEY);
INSERT INTO users VALUES (1, 'a@example.com', '555', 'hi'), (2, 'b@example.com', NULL, NULL);
INSERT INTO orders VALUES (1, 10), (2, 20);
INSERT INTO victim VALUES (1), (2), (3);
"""


def planned_files(root, url: str, goal: str, *options: str):
    """The exit code, stderr, and for each file `plan --write --dry-run` shows: its statements, up then down.
    An option "goal" puts its value into the goal's words."""
    if "goal" in options:
        at = options.index("goal")
        goal, options = goal.format(options[at + 1]), options[:at] + options[at + 2:]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "--url", url, "plan", goal, "--write", "--dry-run", "--format", "json", *options],
                stdout=stdout, stderr=stderr, environ={"PATH": ""})
    if code != 0:
        return code, stderr.getvalue(), None
    files = []
    for file in json.loads(stdout.getvalue())["files"]:
        assert "\x00" not in file["content"], "a file `up` refuses to read"
        migration = DBMATE.migration(Path(file["path"]), file["content"])
        files.append([statement.text for section in (migration.up, migration.down) if section
                      for statement in section.statements(dialect_of(url))])
    return code, stderr.getvalue(), files


def dialect_of(url: str) -> str:
    return next((dialect for dialect in ("sqlite", "mysql") if url.startswith(dialect)), "postgres")


def shape(files) -> list[list[str]]:
    """What each statement is: its first word."""
    return [[statement.split(None, 1)[0].upper() for statement in statements] for statements in files]


def create_tables(engine) -> None:
    for statement in LIVE_TABLES.strip().split(";\n"):
        engine.query(statement.rstrip(";"))


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def plan_engine(request):
    """Each engine `plan` writes for, on its own database: the migration engines and MySQL (MariaDB here)."""
    from conftest import Engine

    return Engine(request.param, request.getfixturevalue(f"{request.param}_url"))


@pytest.mark.parametrize("goal, option, written, other_options", PLAN_REQUESTS)
def test_hostile_names_given_to_plan_write_never_become_sql_of_their_own(tmp_path, plan_engine, goal, option, written,
                                                                         other_options):
    create_tables(plan_engine)
    assert_hostile_text_never_becomes_sql(tmp_path, plan_engine.url, goal, option, written, other_options)


# Requests whose hostile name is a table the database would have to hold: planned without a database, from the
# names alone.
OFFLINE_PLAN_REQUESTS = (
    ("add not null column {}.status text", "goal", quoted_name, ("--default", "new")),
    ("rename column email to x", "--table", quoted_name, ("--type", "text")),
)


@pytest.mark.parametrize("goal, option, written, other_options", OFFLINE_PLAN_REQUESTS)
@pytest.mark.parametrize("dialect", ["sqlite", "postgres", "mysql"])
def test_hostile_table_names_planned_without_a_database_never_become_sql_of_their_own(
        request, tmp_path, dialect, goal, option, written, other_options):
    from conftest import with_database

    if dialect == "sqlite":
        url = f"sqlite://{tmp_path / 'absent.sqlite3'}"
    elif dialect == "postgres":
        url = with_database(request.getfixturevalue("postgres_admin_url"), "dkm_absent_for_hostile_names")
    else:
        server = request.getfixturevalue("mysql_server")
        account = quote(server["user"], safe="") + (f":{quote(server['password'], safe='')}" if server["password"] else "")
        url = f"mysql://{account}@{server['host']}:{server['port']}/dkm_absent_for_hostile_names"
    assert_hostile_text_never_becomes_sql(tmp_path, url, goal, option, written, other_options)


def assert_hostile_text_never_becomes_sql(tmp_path, url, goal, option, written, other_options):
    """Each hostile text is refused in one printable line, or gives files with the statements a plain name gives."""
    root = tmp_path / "p"
    root.mkdir()
    code, stderr, intended = planned_files(root, url, goal, *other_options, option, written("plain_name"))
    assert code == 0, stderr
    accepted = []

    @hypothesis_settings(max_examples=60, deadline=None, database=None, derandomize=True,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=hostile_text)
    def check(text):
        code, stderr, files = planned_files(root, url, goal, *other_options, option, written(text))
        accepted.append(code == 0)
        if code != 0:
            assert code == 2 and "internal error" not in stderr, stderr
            assert stderr.startswith("error: ") and all(
                line.startswith("hint: ") for line in stderr.splitlines()[1:]), repr(stderr)
            assert not any(char in stderr.splitlines()[0] for char in "\x00\r\x0b\x0c\x1b\x85\u2028\u2029"), repr(stderr)
            return
        assert shape(files) == shape(intended), "\n\n".join("\n;\n".join(statements) for statements in files)

    check()
    if option != "--default":  # a default is a value, quoted as a literal: it may take any text
        assert not all(accepted), "no name was refused"
    if written is quoted_name or option == "--default":  # anything else can be written in quotes, or as a literal
        assert any(accepted), "every name was refused"


# Names PostgreSQL can hold: the hostile pieces without the control characters refused before any SQL is written.
server_name = st.lists(st.sampled_from([piece for piece in HOSTILE_PIECES if piece.isprintable() and piece.strip()]),
                       min_size=1, max_size=5).map("".join).filter(lambda name: len(name.encode()) <= 40)


def test_a_hostile_column_name_applied_on_postgres_renames_the_column_and_runs_nothing_else(tmp_path, postgres_url):
    from conftest import Engine

    engine = Engine("postgres", postgres_url)
    run = 0

    @hypothesis_settings(max_examples=12, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=server_name)
    def check(name):
        nonlocal run
        run += 1
        engine.query("DROP TABLE IF EXISTS users, orders, victim, schema_migrations CASCADE")
        create_tables(engine)
        project = Project(tmp_path / f"p{run}", postgres_url)
        result = project.run("plan", "rename users.email", "--to", quoted_name(name), "--write")
        assert result.code == 0, result.stderr
        assert project.run("up").code == 0
        columns = [row[0] for row in engine.query(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'users'::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum")]
        assert sorted(columns) == sorted(["id", name, "phone", "bio"])
        assert engine.query(f"SELECT {quoted_name(name)} FROM users ORDER BY id") == [("a@example.com",), ("b@example.com",)]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]
        assert engine.tables() == {"users", "orders", "victim", "schema_migrations"}
        assert engine.query("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == [(0,)]
        assert engine.query("SELECT count(*) FROM pg_proc WHERE pronamespace = 'public'::regnamespace") == [(0,)]
        assert project.run("down", "--steps", "3").code == 0
        assert engine.query("SELECT email FROM users ORDER BY id") == [("a@example.com",), ("b@example.com",)]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]

    check()


def test_a_hostile_column_name_applied_on_mariadb_renames_the_column_and_runs_nothing_else(tmp_path, mysql_url):
    from conftest import Engine

    engine = Engine("mysql", mysql_url)
    run = 0

    @hypothesis_settings(max_examples=12, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(name=server_name)
    @example(name="a`b\\'/*!50000 DROP TABLE victim*/#x")
    @example(name="x\\'; DROP TABLE victim; -- ")
    @example(name="\\\\'#")
    @example(name="DELIMITER //")
    @example(name="`;DELETE FROM victim;#")
    def check(name):
        nonlocal run
        run += 1
        engine.query("DROP TABLE IF EXISTS users, orders, victim, schema_migrations")
        create_tables(engine)
        project = Project(tmp_path / f"p{run}", mysql_url)
        result = project.run("plan", "rename users.email", "--to", quoted_name(name), "--write")
        if name.endswith(" ") or any(ord(char) > 0xFFFF for char in name):  # names MariaDB refuses
            assert result.code == 2 and result.stderr.startswith("error: new column name "), result.stderr
            assert not any(project.migrations.iterdir())
            return
        assert result.code == 0, result.stderr
        result = project.run("up")
        assert result.code == 0, result.stderr
        columns = [row[0] for row in engine.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users' "
            "ORDER BY ordinal_position")]
        assert sorted(columns) == sorted(["id", name, "phone", "bio"])
        backticked = "`" + name.replace("`", "``") + "`"
        assert engine.query(f"SELECT {backticked} FROM users ORDER BY id") == [("a@example.com",), ("b@example.com",)]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]
        assert engine.tables() == {"users", "orders", "victim", "schema_migrations"}
        assert engine.query("SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()") == [(0,)]
        assert engine.query("SELECT count(*) FROM information_schema.routines WHERE routine_schema = DATABASE()") == [(0,)]
        result = project.run("down", "--steps", "3")
        assert result.code == 0, result.stderr
        assert engine.query("SELECT email FROM users ORDER BY id") == [("a@example.com",), ("b@example.com",)]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]
        assert engine.tables() == {"users", "orders", "victim", "schema_migrations"}

    check()


def test_a_hostile_default_applied_on_mariadb_is_the_value_of_every_row_and_runs_nothing_else(tmp_path, mysql_url):
    from conftest import Engine

    engine = Engine("mysql", mysql_url)
    run = 0

    @hypothesis_settings(max_examples=12, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(value=hostile_text)
    @example(value="x\\'; DROP TABLE victim; -- ")
    @example(value="\\\\'); DELETE FROM victim; #")
    @example(value="*/ DROP TABLE victim; /*!")
    @example(value="\x00'\x1a\\")
    def check(value):
        nonlocal run
        run += 1
        engine.query("DROP TABLE IF EXISTS users, orders, victim, schema_migrations")
        create_tables(engine)
        project = Project(tmp_path / f"p{run}", mysql_url)
        result = project.run("plan", "add not null column users.status varchar(400)", "--default", value, "--write")
        assert result.code == 0, result.stderr
        result = project.run("up")
        assert result.code == 0, result.stderr
        assert engine.query("SELECT status FROM users ORDER BY id") == [(value,), (value,)]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]
        assert engine.tables() == {"users", "orders", "victim", "schema_migrations"}
        assert engine.query("SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = DATABASE()") == [(0,)]
        result = project.run("down", "--steps", str(len(list(project.migrations.iterdir()))))
        assert result.code == 0, result.stderr
        assert "status" not in [row[0] for row in engine.query(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'users'")]
        assert engine.query("SELECT count(*) FROM victim") == [(3,)]

    check()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_default_holding_a_nul_is_refused_where_no_string_literal_can_write_it(request, tmp_path, dialect):
    from conftest import Engine

    create_tables(Engine(dialect, request.getfixturevalue(f"{dialect}_url")))
    code, stderr, _ = planned_files(tmp_path, request.getfixturevalue(f"{dialect}_url"),
                                    "add not null column users.status text", "--default", "a\x00b")
    assert code == 2 and len(stderr.splitlines()) == 1, stderr
    assert stderr.startswith("error: default 'a\\u0000b' holds a NUL character, which "), stderr


@pytest.mark.parametrize("goal, options, refusal", [
    ("rename users.email", ("--to", '"email "'), "new column name '\"email \"' ends with a space"),
    ("rename column email to x", ("--table", '"users "'), "table '\"users \"' ends with a space"),
    ("rename table users", ("--to", '"p\U0001F600"'), "new table name '\"p\U0001F600\"' holds U+1F600"),
])
def test_a_name_mariadb_cannot_hold_is_refused_by_plan_rather_than_written_into_a_migration_that_fails(
        tmp_path, mysql_url, goal, options, refusal):
    from conftest import Engine

    create_tables(Engine("mysql", mysql_url))
    project = Project(tmp_path / "p", mysql_url)
    result = project.run("plan", goal, *options, "--write")
    assert result.code == 2 and result.stderr.startswith(f"error: {refusal}"), result.stderr
    assert not any(project.migrations.iterdir())

# --- migrate.yaml --------------------------------------------------------------------------------------------------

def alias_bomb(levels: int = 9) -> str:
    """A flow sequence of about 400 bytes whose last alias expands to 9**levels strings (the billion laughs)."""
    names = "abcdefghijklmnop"[:levels]
    parts = ['&a [' + ", ".join(['"lol"'] * 9) + "]"]
    parts += [f"&{name} [" + ", ".join([f"*{before}"] * 9) + "]" for before, name in zip(names, names[1:])]
    return "[" + ", ".join(parts) + "]"


def run_config(tmp_path, text: str):
    (tmp_path / "migrate.yaml").write_text(text, encoding="utf-8")
    argv = [str(LAUNCHER), "-C", str(tmp_path), "status"]
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=TIME_BOUND,
                              env={"PATH": os.environ.get("PATH", "")})
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {TIME_BOUND} s")


@pytest.mark.parametrize("where", [
    "environments:\n  development:\n    url: sqlite:x.db\n    lock_wait: {bomb}\n",
    "environments:\n  development:\n    url: {bomb}\n",
    "lint:\n  pg_version: {bomb}\n",
    "dir: {bomb}\n",
])
def test_a_yaml_alias_bomb_under_a_known_key_is_refused_at_once_with_exit_2(tmp_path, where):
    result = run_config(tmp_path, where.format(bomb=alias_bomb()))
    assert result.returncode == 2, result.stderr[-500:]
    assert result.stderr.startswith("error: migrate.yaml line ") and "aliases repeat more than 10000 values" in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_an_alias_that_contains_itself_is_refused(tmp_path):
    result = run_config(tmp_path, "lint:\n  disable: &loop [*loop]\n")
    assert result.returncode == 2
    assert "an alias refers to the value that contains it" in result.stderr


def test_aliases_within_the_bound_still_work(tmp_path):
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    result = run_config(tmp_path, "environments:\n  base: &shared\n    lock_wait: 5\n    dir: db/migrations\n"
                                  "  development:\n    <<: *shared\n    url: sqlite:dev.db\n")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("text", [
    "environments:\n  development:\n    lock_wait: [" + ", ".join(["1"] * 5_000) + "]\n",
    "environments:\n  development:\n    url: {" + ", ".join(f"k{i}: {i}" for i in range(5_000)) + "}\n",
    "environments:\n  development:\n    lock_wait: '" + "x" * 100_000 + "'\n",
    "lint:\n  disable: [[" + ", ".join(["1"] * 5_000) + "]]\n",
])
def test_a_wrong_value_is_quoted_short_in_the_error(tmp_path, text):
    result = run_config(tmp_path, text)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and len(result.stderr) < 300, result.stderr[:400]
    assert "must" in result.stderr and "alias" not in result.stderr


# --- migration names -----------------------------------------------------------------------------------------------

def test_a_migration_name_too_long_for_a_file_name_is_exit_2_stating_the_limit(sqlite_project):
    result = sqlite_project.run("create", "add_" + "x" * 240)
    assert (result.code, result.stderr) == (2, "error: migration name is 244 characters long; the limit is 200\n")
    assert list(sqlite_project.migrations.iterdir()) == []
    assert sqlite_project.run("create", "add_" + "x" * 196).code == 0


@pytest.mark.parametrize("name, slug", [("ünïcödé", "unicode"), ("Straße größe", "strasse_grosse"),
                                        ("crème brûlée", "creme_brulee"), ("ﬁeld ①", "field_1")])
def test_accented_migration_names_become_their_ascii_letters(sqlite_project, name, slug):
    result = sqlite_project.run("create", name)
    assert result.code == 0, result.stderr
    assert [path.name.split("_", 1)[1] for path in sqlite_project.migrations.iterdir()] == [f"{slug}.sql"]


@pytest.mark.parametrize("name, letters", [("名前_テスト", "名前テスト"), ("добавить_users", "добавить"), ("ξ_angle", "ξ")])
def test_a_migration_name_without_ascii_letters_is_refused_with_how_to_write_it(sqlite_project, name, letters):
    result = sqlite_project.run("create", name)
    assert result.code == 2
    assert result.stderr.splitlines() == [
        f"error: migration name '{name}' has letters with no ASCII form ({letters})",
        "hint: name migrations in ASCII letters, digits and _ (e.g. add_users_table); describe it in any language "
        "in a comment inside the file"]
    assert list(sqlite_project.migrations.iterdir()) == []


@pytest.mark.parametrize("url, shown", [
    ("postgres://u:pw@127.0.0.1:1/%ff", "database URL 'postgres://u:***@127.0.0.1:1/%ff' holds percent-encoded bytes"),
    ("postgres://u:pw@h/d\x00b", "database URL 'postgres://u:***@h/d\\u0000b' holds whitespace or a control character"),
    ("sqlite:x\x00y.db", "SQLite URL 'sqlite:x\\u0000y.db' holds a control character"),
    ("sqlite:" + "a" * 300 + ".db", "SQLite URL 'sqlite:" + "a" * 300 + ".db' names a file or folder longer than 255 bytes"),
])
def test_url_siblings_that_crashed_are_exit_2(sqlite_project, url, shown):
    sqlite_project.migration("1", "one", "CREATE TABLE one (id integer);")
    for command in (("status",), ("up",)):
        result = sqlite_project.run("--url", url, *command, url=False)
        assert (result.code, result.stdout) == (2, "")
        assert result.stderr.startswith(f"error: {shown}") and len(result.stderr.splitlines()) == 1


def test_a_socket_directory_url_without_a_host_reaches_libpq_intact():
    from dkmigrate.urls import parse_url, postgres_conninfo

    url = parse_url("postgres:///app?host=/var/run/postgresql&search_path=s", Path("/"))
    assert postgres_conninfo(url) == "postgresql:///app?host=%2Fvar%2Frun%2Fpostgresql&options=-c%20search_path%3Ds"


def test_an_error_naming_a_file_with_a_newline_in_its_name_is_one_line(sqlite_project):
    sqlite_project.write("1_a\nDELETE FROM victim;--.sql", "-- migrate:up\nSELECT 1;\n")
    result = sqlite_project.run("up", "--dry-run")
    assert result.code == 2
    assert result.stderr.splitlines()[0] == (
        "error: 1_a\\u000aDELETE FROM victim;--.sql is not named like a dbmate migration (<version>_<name>.sql)")
    assert len(result.stderr.splitlines()) == 2 and result.stderr.splitlines()[1].startswith("hint: ")


@pytest.mark.parametrize("word", ["BEGIN", "end", "Case", "IF", "loop", "public.then", "ELSEIF", "elsif", "Declare",
                                  "until", "LEAVE", "DELIMITER"])
def test_a_block_keyword_given_as_a_type_is_refused_rather_than_written_into_a_trigger_body(tmp_path, plan_engine,
                                                                                              word):
    create_tables(plan_engine)
    root = tmp_path / "p"
    root.mkdir()
    code, stderr, _ = planned_files(root, plan_engine.url, "change orders.total to numeric(12,2)", "--to", word)
    assert code == 2
    assert stderr.startswith(f"error: new type '{word}' is not a column type this planner accepts")
