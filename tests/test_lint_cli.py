"""`migrate lint` on the command line: what it reads, its four output formats, exit codes, configuration."""

import gc
import io
import json
import textwrap

import pytest

from conftest import Project
from dkmigrate.cli import main

RENAME = "ALTER TABLE users RENAME COLUMN email TO mail;\n"


def run(project: Project, *args: str, stdin: str = "", url: bool = True):
    stdout, stderr = io.StringIO(), io.StringIO()
    argv = ["-C", str(project.root), *(["--url", project.url] if url else []), *args]
    code = main(argv, stdout=stdout, stderr=stderr, environ=project.environ, stdin=io.StringIO(stdin))
    return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture
def project(tmp_path, sqlite_url):
    return Project(tmp_path / "project", sqlite_url)


def write(project: Project, name: str, text: str):
    path = project.root / name
    path.write_text(textwrap.dedent(text).lstrip("\n"))
    return path


def test_text_output_names_file_line_rule_severity_message_and_alternative(project):
    write(project, "change.sql", "SELECT 1;\n" + RENAME)
    code, out, err = run(project, "lint", "--dialect", "postgres", "change.sql")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0] == ("change.sql:2: risky rename-column: RENAME COLUMN users.email TO mail breaks every running "
                        "instance of the application that still uses email, until all are redeployed")
    assert lines[1] == "    statement: ALTER TABLE users RENAME COLUMN email TO mail"
    assert lines[2] == "    lock: ACCESS EXCLUSIVE"
    assert lines[3] == "    safe alternative: expand-contract, one step per deploy instead of renaming email:"
    assert lines[4].startswith("      1. expand: ALTER TABLE users ADD COLUMN mail")
    assert lines[-1] == "2 findings (1 risky, 1 caution) in 2 statements of 1 migration."


def test_no_finding_exits_zero(project):
    write(project, "safe.sql", "ALTER TABLE users ADD COLUMN nickname text;\n")
    code, out, _ = run(project, "lint", "--dialect", "postgres", "safe.sql")
    assert code == 1 and "caution missing-lock-timeout" in out
    write(project, "safe.sql", "SET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;\n")
    code, out, _ = run(project, "lint", "--dialect", "postgres", "safe.sql")
    assert code == 0
    assert out == "No findings: 2 statements of 1 migration checked.\n"


@pytest.mark.parametrize("threshold, code", [("caution", 1), ("risky", 1), ("error", 0)])
def test_severity_sets_the_exit_threshold(project, threshold, code):
    write(project, "change.sql", RENAME)
    assert run(project, "lint", "--dialect", "postgres", "--severity", threshold, "change.sql")[0] == code


def test_json_is_one_document_with_findings_and_a_summary(project):
    write(project, "change.sql", "SET lock_timeout = '5s';\nSELECT 1;\n" + RENAME)
    code, out, _ = run(project, "lint", "--dialect", "postgres", "--format", "json", "change.sql")
    document = json.loads(out)
    assert code == 1
    assert document["findings"] == [{
        "rule": "rename-column", "severity": "risky", "file": "change.sql", "line": 3,
        "statement": "ALTER TABLE users RENAME COLUMN email TO mail",
        "message": document["findings"][0]["message"], "safe_alternative": document["findings"][0]["safe_alternative"],
        "lock": "ACCESS EXCLUSIVE", "rewrites": False, "scans": False,
    }]
    assert document["summary"] == {"safe": 2, "caution": 0, "risky": 1, "error": 0}
    assert (document["dialect"], document["pg_version"], document["statements"]) == ("postgres", 15, 3)


def test_github_annotations(project):
    write(project, "db,changes.sql", "SELECT 1;\n" + RENAME)
    code, out, _ = run(project, "lint", "--dialect", "postgres", "--format", "github", "db,changes.sql")
    rename, lock = out.splitlines()
    assert code == 1
    assert rename.startswith("::error file=db%2Cchanges.sql,line=2,title=rename-column (risky)::RENAME COLUMN")
    assert "%0ASafe alternative: expand-contract" in rename
    assert lock.startswith("::warning file=db%2Cchanges.sql,line=2,title=missing-lock-timeout (caution)::takes")


def test_sarif_2_1_0_for_code_scanning(project):
    write(project, "change.sql", "SELECT 1;\n" + RENAME)
    _, out, _ = run(project, "lint", "--dialect", "postgres", "--format", "sarif", "change.sql")
    document = json.loads(out)
    assert document["version"] == "2.1.0" and document["$schema"].endswith("sarif-2.1.0.json")
    [sarif_run] = document["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert sarif_run["tool"]["driver"]["name"] == "dk migrate"
    assert {"rename-column", "missing-lock-timeout", "irreversible-down"} <= {rule["id"] for rule in rules}
    result = next(r for r in sarif_run["results"] if r["ruleId"] == "rename-column")
    assert rules[result["ruleIndex"]]["id"] == "rename-column"
    assert result["level"] == "error"
    assert result["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "change.sql"},
                                                         "region": {"startLine": 2}}}]


def test_sql_from_stdin(project):
    code, out, _ = run(project, "lint", "--dialect", "postgres", "--format", "json", "-",
                       stdin="BEGIN;\nCREATE INDEX CONCURRENTLY i ON users (email);\nCOMMIT;\n")
    [finding] = json.loads(out)["findings"]
    assert (finding["rule"], finding["file"], finding["line"]) == ("concurrently-in-transaction", "-", 2)
    assert code == 1
    code, out, _ = run(project, "lint", "--dialect", "postgres", "-", stdin="TRUNCATE users;")
    assert out.startswith("-:1: risky truncate:")


def test_files_in_a_migration_format_are_linted_as_migrations_with_their_down(project):
    directory = project.root / "migrations"
    directory.mkdir()
    (directory / "0001_drop.up.sql").write_text("SET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN bio;\n")
    (directory / "0001_drop.down.sql").write_text("ALTER TABLE users ADD COLUMN bio text;\n")
    (directory / "V2__add.sql").write_text("CREATE TABLE t (id int);\n")
    code, out, _ = run(project, "lint", "--dialect", "postgres", "--format", "json", "migrations/0001_drop.up.sql",
                       "migrations/0001_drop.down.sql", "migrations/V2__add.sql")
    found = [(f["rule"], f["file"]) for f in json.loads(out)["findings"]]
    assert found == [("drop-column", "migrations/0001_drop.up.sql"), ("irreversible-down", "migrations/0001_drop.up.sql"),
                     ("missing-lock-timeout", "migrations/0001_drop.down.sql"), ("missing-down", "migrations/V2__add.sql")]


def test_without_files_only_the_pending_migrations_are_linted(project):
    project.migration("1", "old", "CREATE TABLE users (id int, email text);", "DROP TABLE users;")
    project.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;",
                      "ALTER TABLE users RENAME COLUMN mail TO email;")
    assert run(project, "up", "--steps", "1")[0] == 0
    project.migration("3", "truncate", "DELETE FROM users;", "")
    code, out, _ = run(project, "lint", "--format", "json")
    document = json.loads(out)
    assert {(f["file"], f["rule"]) for f in document["findings"]} == {
        ("db/migrations/2_rename.sql", "rename-column"), ("db/migrations/3_truncate.sql", "full-table-dml")}
    assert document["dialect"] == "sqlite" and document["pg_version"] is None
    assert document["statements"] == 3
    everything = json.loads(run(project, "lint", "--all", "--format", "json")[1])
    assert everything["findings"] == document["findings"]  # the first migration is clean
    assert everything["statements"] == 5


def test_nothing_pending_says_so(project):
    project.migration("1", "users", "CREATE TABLE users (id int);", "DROP TABLE users;")
    assert run(project, "up")[0] == 0
    assert run(project, "lint") == (0, "Nothing to lint: no migration is pending (`migrate lint --all` lints every "
                                       "migration).\n", "")


def test_an_unreachable_database_fails_lint_unless_offline(project):
    """In CI a broken password must not pass for a clean lint of every file."""
    project.migration("1", "rename", RENAME, "")
    unreachable = "postgres://nobody:secret-pw@127.0.0.1:9/none?connect_timeout=2"
    code, out, err = run(project, "--url", unreachable, "lint", url=False)
    assert (code, out) == (3, "")
    assert err.startswith("error: cannot connect to postgres://nobody:***@127.0.0.1:9/none")
    assert "--offline" in err and "secret-pw" not in err
    assert json.loads(run(project, "--url", unreachable, "lint", "--format", "json", url=False)[1])["error"]["code"] == 3

    code, out, err = run(project, "--url", unreachable, "lint", "--offline", url=False)
    assert code == 1 and err == "note: --offline: linting all 1 migrations without the database\n"
    assert "rename-column" in out


def test_without_a_configured_database_lint_reads_the_files_alone(tmp_path):
    project = Project(tmp_path / "project", url="unused")
    project.migration("1", "rename", RENAME, "")
    code, out, err = run(project, "lint", url=False)
    assert code == 1 and "rename-column" in out and "cannot connect" not in err


def test_a_directory_lints_every_migration_file_in_it(tmp_path):
    project = Project(tmp_path / "project", url="unused")
    project.migration("1", "create", "CREATE TABLE users (id integer, email text);", "DROP TABLE users;")
    project.migration("2", "rename", RENAME, "ALTER TABLE users RENAME COLUMN mail TO email;")
    other = project.root / "legacy"
    other.mkdir()
    (other / "V1__truncate.sql").write_text("TRUNCATE users;\n")
    (project.root / "notes.txt").write_text("not SQL")
    code, out, _ = run(project, "lint", "--format", "json", ".", url=False)
    found = {(finding["file"], finding["rule"]) for finding in json.loads(out)["findings"]}
    assert code == 1
    assert {("db/migrations/2_rename.sql", "rename-column"), ("legacy/V1__truncate.sql", "truncate")} <= found
    assert json.loads(out)["statements"] == 5  # both sections of both migrations, and the Flyway file
    code, out, err = run(project, "lint", "db/migrations/", url=False)
    assert code == 1 and "db/migrations/2_rename.sql:2: risky rename-column" in out
    empty = project.root / "empty"
    empty.mkdir()
    code, _, err = run(project, "lint", "empty", url=False)
    assert code == 2 and "empty: no migration files in this folder" in err


@pytest.mark.parametrize("version, code", [("9", 1), ("18", 1), ("8", 2), ("19", 2), ("99", 2)])
def test_the_pg_version_must_be_one_the_rules_know(project, version, code):
    write(project, "change.sql", RENAME)
    result, _, err = run(project, "lint", "--dialect", "postgres", "--pg-version", version, "change.sql")
    assert result == code
    if code == 2:
        assert "PostgreSQL major version from 9 to 18" in err
    (project.root / "migrate.yaml").write_text(f"lint:\n  pg_version: {version}\n")
    result, _, err = run(project, "lint", "--dialect", "postgres", "change.sql")
    assert result == code and ("from 9 to 18" in err) == (code == 2)


def test_the_pg_version_comes_from_the_server(tmp_path, postgres_url):
    import psycopg

    with psycopg.connect(postgres_url) as connection:
        server = connection.info.server_version // 10000
    project = Project(tmp_path / "pg", postgres_url)
    project.migration("1", "add", "ALTER TABLE users ADD COLUMN visits int DEFAULT 0;", "")
    document = json.loads(run(project, "lint", "--format", "json")[1])
    assert document["pg_version"] == server
    assert "add-column-default-rewrite" not in {f["rule"] for f in document["findings"]}
    older = json.loads(run(project, "lint", "--format", "json", "--pg-version", "10")[1])
    assert "add-column-default-rewrite" in {f["rule"] for f in older["findings"]}


def test_the_dialect_defaults_to_postgres_without_a_configured_database(project):
    write(project, "change.sql", "ALTER TABLE users ALTER COLUMN email TYPE bigint;")
    document = json.loads(run(project, "lint", "--format", "json", "change.sql", url=False)[1])
    assert document["dialect"] == "postgres"
    sqlite = json.loads(run(project, "lint", "--format", "json", "change.sql")[1])
    assert sqlite["dialect"] == "sqlite" and [f["rule"] for f in sqlite["findings"]] == ["sqlite-unsupported-alter"]


def test_migrate_yaml_disables_rules_and_sets_the_pg_version(project):
    write(project, "migrate.yaml", """
        lint:
          disable: [missing-lock-timeout]
          pg_version: 10
        """)
    write(project, "change.sql", "ALTER TABLE users ADD COLUMN visits int DEFAULT 0;")
    document = json.loads(run(project, "lint", "--dialect", "postgres", "--format", "json", "change.sql")[1])
    assert [f["rule"] for f in document["findings"]] == ["add-column-default-rewrite"]
    assert document["pg_version"] == 10
    flag = json.loads(run(project, "lint", "--dialect", "postgres", "--format", "json", "--pg-version", "15",
                          "change.sql")[1])
    assert flag["findings"] == []


@pytest.mark.parametrize("config, message", [
    ("lint:\n  disabel: [truncate]\n", "unknown key 'lint.disabel' (allowed here: disable, pg_version)"),
    ("lint:\n  disable: truncate\n", "'lint.disable' must be a list of rule ids"),
    ("lint:\n  pg_version: fifteen\n", "'lint.pg_version' must be a PostgreSQL major version"),
    ("lint:\n  disable: [truncat]\n", "lint.disable names an unknown rule 'truncat'"),
])
def test_bad_lint_configuration_is_exit_2_naming_the_key(project, config, message):
    write(project, "migrate.yaml", config)
    write(project, "change.sql", "SELECT 1;")
    code, out, err = run(project, "lint", "change.sql")
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) <= 2


@pytest.mark.parametrize("args, message", [
    (["lint", "missing.sql"], "missing.sql: no such file"),
    (["lint", "broken.sql"], "line 2: unterminated string literal"),
    (["lint", "--pg-version", "fifteen", "broken.sql"], "must be a PostgreSQL major version from 9 to 18"),
    (["lint", "--dialect", "oracle", "broken.sql"], "invalid choice: 'oracle'"),
    (["status", "--format", "sarif"], "invalid choice: 'sarif'"),
    (["lint", "--all", "broken.sql"], "--all lints every migration of the directory"),
])
def test_bad_input_is_one_line_and_exit_2(project, args, message):
    write(project, "broken.sql", "SELECT 1;\nSELECT 'unterminated;\n")
    code, out, err = run(project, *args)
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_bad_input_with_json_is_an_error_document(project):
    code, out, _ = run(project, "lint", "--format", "json", "missing.sql")
    assert code == 2 and json.loads(out) == {"error": {"code": 2, "message": "missing.sql: no such file"}}


def test_rules_lists_every_rule(project):
    code, out, _ = run(project, "lint", "--rules")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 43
    assert lines[0].split()[:3] == ["add-index-not-concurrently", "caution", "postgres"]
    document = json.loads(run(project, "lint", "--rules", "--format", "json")[1])
    rename = next(rule for rule in document["rules"] if rule["id"] == "rename-column")
    assert rename["severity"] == "risky" and rename["dialects"] == ["mysql", "postgres", "sqlite"]
    assert "expand-contract" in rename["safe_alternative"].lower()


def test_the_launcher_lints_stdin_in_a_new_process(project):
    import subprocess

    from conftest import LAUNCHER

    completed = subprocess.run([str(LAUNCHER), "-C", str(project.root), "lint", "--dialect", "postgres", "-"],
                               input="ALTER TABLE users DROP COLUMN bio;", capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert completed.stdout.startswith("-:1: caution drop-column: DROP COLUMN users.bio")


def test_a_long_statement_is_quoted_whole_words_only(sqlite_project):
    assignments = ", ".join(f"column_number_{i} = {i}" for i in range(30))
    sqlite_project.migration("1", "wide", f"UPDATE wide SET {assignments};", "SELECT 1;")
    result = sqlite_project.run("lint", "--dialect", "postgres", "db/migrations/1_wide.sql")
    quoted = [line.split("statement: ", 1)[1] for line in result.stdout.splitlines() if "statement: " in line]
    assert quoted, result.stdout + result.stderr
    for statement in quoted:
        assert len(statement) <= 160 and statement.endswith(" …")
        words = statement.removesuffix(" …").split(" ")
        assert words == f"UPDATE wide SET {assignments}".split(" ")[:len(words)]


def test_lint_run_in_process_leaves_the_garbage_collector_on(tmp_path):
    (tmp_path / "m.sql").write_text("ALTER TABLE t ALTER COLUMN c SET NOT NULL;\n")
    out = io.StringIO()
    assert gc.isenabled()
    assert main(["-C", str(tmp_path), "lint", "--format", "json", "m.sql"], stdout=out, stderr=io.StringIO()) == 1
    assert gc.isenabled()
    assert '"rule": "set-not-null"' in out.getvalue()
