"""The command-line contract: global options anywhere, exit codes, one-line errors, JSON, no passwords."""

import io
import json
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import LAUNCHER, Project
from dkmigrate.cli import main
from dkmigrate.cli.output import Output

SECRET = "hunter2-very-secret"


def one_migration(project: Project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")


def test_global_options_before_or_after_the_command_are_the_same(sqlite_project):
    one_migration(sqlite_project)
    before = sqlite_project.run("--format", "json", "status")
    after = sqlite_project.run("status", "--format", "json")
    assert before.code == after.code == 0
    assert before.json == after.json
    assert before.json["migrations"][0]["state"] == "pending"


def test_status_exit_code_reports_pending_work(sqlite_project):
    one_migration(sqlite_project)
    assert sqlite_project.run("status", "--exit-code").code == 1
    assert sqlite_project.run("status").code == 0
    sqlite_project.run("up")
    assert sqlite_project.run("status", "--exit-code").code == 0


def test_status_text_shows_every_migration_and_a_summary(sqlite_project):
    one_migration(sqlite_project)
    sqlite_project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    sqlite_project.run("up", "--steps", "1")
    lines = sqlite_project.run("status").stdout.splitlines()
    assert lines[0].startswith("Database    sqlite://")
    assert lines[1] == "Migrations  db/migrations (dbmate format)"
    assert lines[3].split() == ["STATE", "VERSION", "NAME", "APPLIED", "AT"]
    assert lines[4].split()[:3] == ["applied", "1", "one"] and lines[4].endswith(" UTC")
    assert lines[5].split() == ["pending", "2", "two"]
    assert lines[6] == "2 migrations: 1 applied, 1 pending"


@pytest.mark.parametrize("args, message", [
    (["status", "--steps", "2"], "unrecognized arguments: --steps 2"),
    (["frobnicate"], "unknown command 'frobnicate'; the commands are init, create, up"),
    (["down", "--steps", "0"], "must be a whole number of 1 or more"),
    (["down", "--steps", "1", "--to", "3"], "not allowed with argument"),
    (["repair", "1"], "one of the arguments --applied --rolled-back --accept-checksum is required"),
    (["create", "../escape"], "may not contain path separators"),
    (["create", "!!!"], "has no letters or digits"),
    (["--url", "oracle://db/x", "status"], "unsupported database URL 'oracle://db/x'"),
    (["--url", "postgres://:5432/db", "status"], "names no host"),
    (["--url", "postgres://h:notaport/db", "status"], "invalid port"),
    (["--url", "sqlite:", "status"], "names no file"),
])
def test_bad_usage_is_exit_2_with_one_clean_line(sqlite_project, args, message):
    one_migration(sqlite_project)
    result = sqlite_project.run(*args, url=False)
    assert result.code == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2
    assert "Traceback" not in result.stderr


def test_bad_configuration_is_exit_2_naming_the_key(sqlite_project):
    one_migration(sqlite_project)
    (sqlite_project.root / "migrate.yaml").write_text("environments:\n  development:\n    ulr: sqlite:x.db\n")
    result = sqlite_project.run("status", url=False)
    assert result.code == 2
    assert result.stderr.strip() == ("error: migrate.yaml: unknown key 'environments.development.ulr' "
                                     "(allowed here: url, dir, protected, lock_wait, lock_timeout, lock_retries, "
                                     "lock_retry_delay, max_replica_lag)")


def test_unset_variable_is_exit_2_naming_it(sqlite_project):
    one_migration(sqlite_project)
    (sqlite_project.root / "migrate.yaml").write_text("environments:\n  production:\n    url: ${PROD_URL}\n")
    result = sqlite_project.run("--env", "production", "status", url=False)
    assert result.code == 2
    assert "uses ${PROD_URL}, which is not set" in result.stderr


def test_json_error_is_the_only_thing_on_stdout(sqlite_project):
    result = sqlite_project.run("status", "--format", "json", "--url", "oracle://x")
    assert result.code == 2
    assert json.loads(result.stdout) == {"error": {"code": 2, "message": result.stderr.strip().removeprefix("error: ")}}


def test_missing_migrations_directory_is_exit_2_with_a_hint(tmp_path, sqlite_url):
    result = Project(tmp_path / "p", sqlite_url).run("status", "--dir", "nowhere")
    assert result.code == 2
    assert "no migrations directory" in result.stderr
    assert "hint: create it with `migrate init`" in result.stderr


def test_unreachable_postgres_is_exit_3_and_never_shows_the_password(sqlite_project):
    one_migration(sqlite_project)
    url = f"postgres://app:{SECRET}@127.0.0.1:1/app?connect_timeout=2"
    for args in (["status"], ["up"], ["status", "--format", "json"], ["up", "--dry-run"]):
        result = sqlite_project.run("--url", url, *args, url=False)
        assert result.code == 3, result.stderr
        assert SECRET not in result.stdout + result.stderr
        assert "postgres://app:***@127.0.0.1:1/app" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_missing_postgres_database_is_exit_3(postgres_admin_url, tmp_path):
    from conftest import with_database

    project = Project(tmp_path / "p", with_database(postgres_admin_url, "dkm_does_not_exist"))
    one_migration(project)
    result = project.run("status")
    assert result.code == 3
    assert 'database "dkm_does_not_exist" does not exist' in result.stderr


def test_password_is_masked_in_json_and_dry_runs(postgres_url, tmp_path):
    parts = urlsplit(postgres_url)  # pgserver's URL has an empty password and its socket in ?host=
    url = urlunsplit(parts._replace(netloc=f"{parts.username}:{SECRET}@{parts.netloc.rpartition('@')[2]}"))
    project = Project(tmp_path / "p", url)
    one_migration(project)
    for args in (["status", "--format", "json"], ["up", "--dry-run"], ["up", "--format", "json"], ["status"]):
        result = project.run(*args)
        assert result.code == 0, result.stderr
        assert SECRET not in result.stdout + result.stderr
        assert "postgres:***@" in result.stdout


@pytest.mark.parametrize("make_path", [lambda tmp: tmp, lambda tmp: tmp / "not-a-db.txt"])
def test_sqlite_file_that_cannot_be_opened_is_exit_3(tmp_path, make_path):
    target = make_path(tmp_path)
    if target.suffix:
        target.write_text("this is not a database, just text that is long enough to fill a page header " * 20)
    project = Project(tmp_path / "p", f"sqlite://{target}")
    one_migration(project)
    result = project.run("up")
    assert result.code == 3
    assert "cannot open SQLite database" in result.stderr


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


@pytest.mark.parametrize("environ, coloured", [({}, True), ({"NO_COLOR": "1"}, False), ({"TERM": "dumb"}, False)])
def test_colour_only_on_a_terminal_without_no_color(sqlite_project, environ, coloured):
    one_migration(sqlite_project)
    terminal = FakeTerminal()
    main(["-C", str(sqlite_project.root), "--url", sqlite_project.url, "status"], stdout=terminal,
         stderr=io.StringIO(), environ=environ)
    assert ("\033[33mpending\033[0m" in terminal.getvalue()) is coloured
    assert ("\033[" in sqlite_project.run("status").stdout) is False


def test_protected_environment_refuses_down_without_yes(sqlite_project):
    one_migration(sqlite_project)
    (sqlite_project.root / "migrate.yaml").write_text(
        f"default_environment: production\nenvironments:\n  production:\n    url: {sqlite_project.url}\n"
        "    protected: true\n")
    assert sqlite_project.run("up", url=False).code == 0
    refused = sqlite_project.run("down", url=False)
    assert refused.code == 4
    assert "environment 'production' is protected: rolling back needs --yes" in refused.stderr
    assert sqlite_project.run("down", "--dry-run", url=False).code == 0
    confirmed = sqlite_project.run("down", "--yes", url=False)
    assert confirmed.code == 0, confirmed.stderr
    assert "rolled back" in confirmed.stdout


def test_help_and_version_exit_0(sqlite_project):
    assert sqlite_project.run("--version").code == 0
    result = sqlite_project.run("up", "--help")
    assert result.code == 0
    assert "--dry-run" in result.stdout and "--lock-wait" in result.stdout


def test_launcher_runs_the_same_cli_and_reports_exit_codes(sqlite_project):
    one_migration(sqlite_project)
    result = sqlite_project.launch("up", "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json["migrations"][0]["result"] == "applied"
    assert result.stderr == ""
    bad = sqlite_project.launch("status", "--url", "nope://")
    assert bad.code == 2
    assert bad.stderr.startswith("error: unsupported database URL")


def test_a_sqlite_file_in_a_missing_folder_is_exit_3_and_creates_nothing(tmp_path):
    missing = tmp_path / "nonexistent" / "dir"
    project = Project(tmp_path / "project", f"sqlite:{missing / 'x.db'}")
    one_migration(project)
    for args in (["up"], ["up", "--format", "json"]):
        result = project.run(*args)
        assert result.code == 3, result.stderr
        assert f"the folder {missing} does not exist" in result.stderr
    assert not (tmp_path / "nonexistent").exists()


@pytest.mark.parametrize("args, message", [
    (["up", "--step", "2"], "unrecognized arguments: --step 2 (did you mean --steps?)"),
    (["down", "--dry"], "unrecognized arguments: --dry (did you mean --dry-run?)"),
    (["statsu"], "unknown command 'statsu' (did you mean status?)"),
    (["--evn", "production", "status"], "unrecognized arguments: --evn (did you mean --env?)"),
    (["status", "--evn", "production"], "unrecognized arguments: --evn production (did you mean --env?)"),
    (["--form", "json", "status"], "unrecognized arguments: --form (did you mean --format?)"),
    (["up", "--to"], "argument --to: expected one argument"),
])
def test_options_and_commands_are_never_abbreviated_and_typos_get_a_suggestion(sqlite_project, args, message):
    one_migration(sqlite_project)
    result = sqlite_project.run(*args)
    assert result.code == 2, result.stdout
    assert message in result.stderr
    assert "invalid choice: 'production'" not in result.stderr and len(result.stderr.strip().splitlines()) <= 2
    assert sqlite_project.run("status", "--format", "json").json["summary"]["applied"] == 0


@pytest.mark.parametrize("command", [["lint", "--rules"], ["--help"], ["status"], ["plan", "add a column"],
                                     ["up", "--dry-run"]])
def test_a_reader_that_stops_early_ends_the_command_quietly(sqlite_project, command):
    """`migrate lint --rules | head -1`: the pipe closes, the command stops without a traceback."""
    import subprocess

    for index in range(3):
        sqlite_project.migration(str(index + 1), f"m{index}", f"CREATE TABLE t{index} (id integer);", "")
    launcher = [str(LAUNCHER), "-C", str(sqlite_project.root), "--url", sqlite_project.url, *command]
    pipeline = subprocess.run(["bash", "-c", 'set -o pipefail; "$@" | head -c 1 >/dev/null; echo "${PIPESTATUS[0]}"',
                               "bash", *launcher], capture_output=True, text=True, timeout=60)
    assert "Error" not in pipeline.stderr and "internal error" not in pipeline.stderr, pipeline.stderr
    assert pipeline.stderr == ""
    assert pipeline.stdout.strip() in ("0", "141")


def test_init_ignores_the_sqlite_database_and_the_lock_file_it_will_create(tmp_path):
    project = Project(tmp_path / "app", url="unused")
    (project.root / ".gitignore").write_text("node_modules/\n")
    result = project.run("init", url=False)
    assert result.code == 0, result.stderr
    assert "Updated .gitignore" in result.stdout
    ignored = (project.root / ".gitignore").read_text().splitlines()
    assert ignored[0] == "node_modules/"
    assert "/db/development.sqlite3*" in ignored
    import subprocess

    subprocess.run(["git", "init", "-q", str(project.root)], check=True)
    one_migration(project)
    assert project.run("up", url=False).code == 0
    untracked = subprocess.run(["git", "-C", str(project.root), "status", "--porcelain", "--untracked-files=all"],
                               capture_output=True, text=True, check=True).stdout
    assert "sqlite3" not in untracked and "db/migrations/1_one.sql" in untracked


@pytest.mark.parametrize("value", [
    {"findings": [{"rule": "r", "line": 3, "lock": None, "rewrites": False, "scans": True,
                   "text": "é \"q\"\n\t\u2028"}],
     "summary": {"safe": 0}, "empty": {}, "none": [], "nested": [[1, [2.5, -0.0]], ({"a": ()},)]},
    {1: "an integer key", "b": float("nan")}, [], {}, "text", 7, 1.0e300, None, True,
])
def test_json_documents_are_written_as_json_writes_them_indented(value):
    out = io.StringIO()
    Output(out, io.StringIO(), json_mode=True, environ={}).document(value)
    assert out.getvalue() == json.dumps(value, indent=2) + "\n"
