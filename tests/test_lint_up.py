"""`up` lints what it is about to apply: findings are printed, and a protected environment refuses risky or
error findings (exit 4) unless confirmed with --yes or allowed in the file."""

import pytest

from conftest import Project

PROTECTED = """
environments:
  production:
    url: {url}
    protected: true
    lock_timeout: 5s  # set, so that stderr holds the findings alone (without it, up says which default applies)
"""


@pytest.fixture
def production(tmp_path, sqlite_url):
    project = Project(tmp_path / "project", sqlite_url)
    (project.root / "migrate.yaml").write_text(PROTECTED.format(url=sqlite_url))
    project.migration("1", "users", "CREATE TABLE users (id integer PRIMARY KEY, email text);", "DROP TABLE users;")
    return project


def test_up_prints_the_findings_of_what_it_applies_and_applies_it(sqlite_project):
    sqlite_project.migration("1", "users", "CREATE TABLE users (id integer, email text);", "DROP TABLE users;")
    sqlite_project.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;",
                             "ALTER TABLE users RENAME COLUMN mail TO email;")
    result = sqlite_project.run("up")
    assert result.code == 0, result.stderr
    assert "Applied 2 migrations" in result.stdout
    assert result.stderr.splitlines() == [
        "lint: db/migrations/2_rename.sql:2: risky rename-column: RENAME COLUMN users.email TO mail breaks every "
        "running instance of the application that still uses email, until all are redeployed",
        "hint: `migrate lint` shows each finding's safe alternative",
    ]


def test_a_protected_environment_refuses_risky_findings_and_changes_nothing(production):
    assert production.run("--env", "production", "up", url=False).code == 0
    production.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;",
                         "ALTER TABLE users RENAME COLUMN mail TO email;")
    refused = production.run("--env", "production", "up", url=False)
    assert refused.code == 4
    assert ("error: environment 'production' is protected and the migrations to apply have 1 risky or error finding "
            "(rename-column at db/migrations/2_rename.sql:2)") in refused.stderr
    assert "--yes" in refused.stderr and "migrate:allow" in refused.stderr
    status = production.run("--env", "production", "status", "--format", "json", url=False).json
    assert status["summary"] == {"applied": 1, "pending": 1, "modified": 0, "missing": 0, "dirty": 0}


def test_yes_applies_despite_risky_findings(production):
    production.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;", "")
    confirmed = production.run("--env", "production", "up", "--yes", url=False)
    assert confirmed.code == 0, confirmed.stderr
    assert "Applied 2 migrations" in confirmed.stdout
    assert "risky rename-column" in confirmed.stderr


def test_a_finding_allowed_in_the_file_does_not_refuse(production):
    production.migration("2", "rename", "-- migrate:allow rename-column only the batch job reads users, redeployed "
                                        "first\nALTER TABLE users RENAME COLUMN email TO mail;", "")
    result = production.run("--env", "production", "up", url=False)
    assert result.code == 0, result.stderr
    assert "rename-column" not in result.stderr


def test_caution_findings_do_not_refuse(production):
    production.migration("2", "backfill", "UPDATE users SET email = lower(email);", "")
    result = production.run("--env", "production", "up", url=False)
    assert result.code == 0, result.stderr
    assert "caution full-table-dml" in result.stderr


def test_error_findings_refuse_too(production):
    production.migration("2", "required", "ALTER TABLE users ADD COLUMN tier integer NOT NULL;", "")
    refused = production.run("--env", "production", "up", url=False)
    assert refused.code == 4 and "add-column-required" in refused.stderr


def test_a_dry_run_on_a_protected_environment_shows_the_findings_without_refusing(production):
    production.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;", "")
    result = production.run("--env", "production", "up", "--dry-run", url=False)
    assert result.code == 0
    assert "risky rename-column" in result.stderr
    assert "ALTER TABLE users RENAME COLUMN email TO mail;" in result.stdout


def test_only_the_migrations_being_applied_are_judged(production):
    production.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;", "")
    production.migration("3", "index", "CREATE INDEX users_mail ON users (mail);", "DROP INDEX users_mail;")
    assert production.run("--env", "production", "up", "--to", "1", url=False).code == 0
    assert production.run("--env", "production", "up", "--yes", "--steps", "1", url=False).code == 0
    result = production.run("--env", "production", "up", url=False)
    assert result.code == 0, result.stderr
    assert result.stderr == ""  # the rename is applied; the index migration has no finding on SQLite


def test_down_findings_do_not_count_when_applying(production):
    production.migration("2", "column", "ALTER TABLE users ADD COLUMN bio text;", "UPDATE users SET bio = NULL;\n"
                                                                              "ALTER TABLE users DROP COLUMN bio;")
    result = production.run("--env", "production", "up", url=False)
    assert result.code == 0 and result.stderr == ""


def test_json_up_documents_carry_the_findings_and_a_refusal_names_them(production):
    production.migration("2", "rename", "ALTER TABLE users RENAME COLUMN email TO mail;", "")
    refused = production.run("--env", "production", "up", "--format", "json", url=False)
    assert refused.code == 4
    error = refused.json["error"]
    assert error["code"] == 4 and [finding["rule"] for finding in error["findings"]] == ["rename-column"]
    applied = production.run("--env", "production", "up", "--yes", "--format", "json", url=False)
    assert [finding["rule"] for finding in applied.json["findings"]] == ["rename-column"]
    assert applied.json["migrations"][-1]["result"] == "applied"


def test_applying_judges_the_down_sections_allow_comments_and_batch_directives(sqlite_project):
    """up never reads the down's statements, but what its comments say still counts, as `migrate lint` judges it."""
    sqlite_project.migration("1", "users", "CREATE TABLE users (id integer, email text);",
                             "-- migrate:allow no-such-rule it is fine\nDROP TABLE users;")
    result = sqlite_project.run("up")
    assert result.code == 0, result.stderr
    assert result.stderr.splitlines()[0] == (
        "lint: db/migrations/1_users.sql:5: caution invalid-allow: this migrate:allow comment names an unknown rule "
        "'no-such-rule', so it is ignored")
    sqlite_project.migration("2", "purge", "CREATE TABLE logs (id integer PRIMARY KEY);",
                             "-- migrate:batch size=x\nDELETE FROM logs WHERE id > 0;")
    refused = sqlite_project.run("up")
    assert refused.code == 2
    assert "2_purge.sql:5: `-- migrate:batch`: size must be a number of rows" in refused.stderr
