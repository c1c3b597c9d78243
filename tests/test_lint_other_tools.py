"""`migrate lint` in projects that migrate with another tool: their SQL migrations found through `detect`,
the framework's own safe form named in findings, and `--changed-since` for what a branch adds."""

import io
import os
import json
import subprocess
from pathlib import Path

import pytest

from conftest import LAUNCHER, main
from test_detect import build

RISKY_INDEX = 'CREATE INDEX "users_email_idx" ON "users" ("email");\n'
CREATE_USERS = 'CREATE TABLE "users" ("id" bigint PRIMARY KEY, "email" text);\n'


def lint(root: Path, *args: str, stdin: str = "", environ=None):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "lint", "--format", "json", *args], stdout=stdout, stderr=stderr,
                environ=environ or {}, stdin=io.StringIO(stdin))
    return code, json.loads(stdout.getvalue()), stderr.getvalue()


def found(document) -> list[tuple[str, int, str]]:
    return [(finding["file"], finding["line"], finding["rule"]) for finding in document["findings"]]


# (tool, files: the first migration creates users, the second indexes it without CONCURRENTLY; the file of
# the second, where the finding must be)
SQL_TOOLS = [
    ("Prisma", {
        "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        "prisma/migrations/20260101000000_init/migration.sql": CREATE_USERS,
        "prisma/migrations/20260102000000_email_index/migration.sql": RISKY_INDEX,
    }, "prisma/migrations/20260102000000_email_index/migration.sql"),
    ("Drizzle", {
        "drizzle.config.ts": 'export default defineConfig({ dialect: "postgresql", out: "./drizzle" });\n',
        "drizzle/0000_init.sql": CREATE_USERS,
        "drizzle/0001_email_index.sql": RISKY_INDEX,
    }, "drizzle/0001_email_index.sql"),
    ("Flyway", {
        "flyway.conf": "flyway.url=jdbc:postgresql://localhost/app\nflyway.locations=filesystem:sql\n",
        "sql/V1__init.sql": CREATE_USERS,
        "sql/U1__init.sql": 'DROP TABLE "users";\n',
        "sql/V2__email_index.sql": RISKY_INDEX,
        "sql/U2__email_index.sql": 'DROP INDEX CONCURRENTLY "users_email_idx";\n',
    }, "sql/V2__email_index.sql"),
    ("golang-migrate", {
        "migrations/000001_init.up.sql": CREATE_USERS,
        "migrations/000001_init.down.sql": 'DROP TABLE "users";\n',
        "migrations/000002_email_index.up.sql": RISKY_INDEX,
        "migrations/000002_email_index.down.sql": 'DROP INDEX CONCURRENTLY "users_email_idx";\n',
    }, "migrations/000002_email_index.up.sql"),
    ("goose", {
        "migrations/00001_init.sql": f"-- +goose Up\n{CREATE_USERS}-- +goose Down\nDROP TABLE \"users\";\n",
        "migrations/00002_email_index.sql": f"-- +goose Up\n{RISKY_INDEX}-- +goose Down\n"
                                            "DROP INDEX CONCURRENTLY \"users_email_idx\";\n",
    }, "migrations/00002_email_index.sql"),
    ("sqitch", {
        "sqitch.conf": "[core]\n\tengine = pg\n",
        "sqitch.plan": "%project=app\n\ninit 2026-01-01T00:00:00Z A <a@example.com>\n"
                       "email_index 2026-01-02T00:00:00Z A <a@example.com>\n",
        "deploy/init.sql": CREATE_USERS,
        "revert/init.sql": 'DROP TABLE "users";\n',
        "deploy/email_index.sql": RISKY_INDEX,
        "revert/email_index.sql": 'DROP INDEX CONCURRENTLY "users_email_idx";\n',
    }, "deploy/email_index.sql"),
    ("Liquibase", {
        "liquibase.properties": "changeLogFile=changelog/master.sql\nurl=jdbc:postgresql://localhost/app\n",
        "changelog/master.sql": f"--liquibase formatted sql\n--changeset a:1\n{CREATE_USERS}"
                                "--rollback DROP TABLE users;\n",
        "changelog/002-email-index.sql": f"--liquibase formatted sql\n--changeset a:2\n{RISKY_INDEX}",
    }, "changelog/002-email-index.sql"),
    ("Diesel", {
        "diesel.toml": "[migrations_directory]\ndir = \"migrations\"\n",
        "migrations/2026-01-01-000000_init/up.sql": CREATE_USERS,
        "migrations/2026-01-01-000000_init/down.sql": 'DROP TABLE "users";\n',
        "migrations/2026-01-02-000000_email_index/up.sql": RISKY_INDEX,
        "migrations/2026-01-02-000000_email_index/down.sql": 'DROP INDEX CONCURRENTLY "users_email_idx";\n',
    }, "migrations/2026-01-02-000000_email_index/up.sql"),
]


@pytest.mark.parametrize("tool, files, risky_file", SQL_TOOLS, ids=[case[0] for case in SQL_TOOLS])
def test_lint_without_migrate_yaml_lints_the_sql_migrations_of_the_tool_detect_finds(tmp_path, tool, files,
                                                                                       risky_file):
    root = build(tmp_path / "project", files)
    # Flyway's configuration names a database, where lint would read what is pending: without it, every migration
    code, document, stderr = lint(root, *(["--offline"] if tool == "Flyway" else []))
    assert code == 1, stderr
    line = {"Liquibase": 3, "goose": 2}.get(tool, 1)
    assert found(document) == [(risky_file, line, "add-index-not-concurrently")], \
        "the index on the table an earlier migration created is flagged; the CREATE TABLE is not"
    assert document["findings"][0]["tool"] == tool
    assert document["statements"] >= 2, "the first migration was linted too, and understood"
    assert document["summary"]["safe"] >= 1
    assert f"note: no migrate.yaml: linting every SQL migration of {tool} (" in stderr


def test_a_prisma_and_a_flyway_project_in_one_repository_are_both_linted_with_their_dialects(tmp_path):
    build(tmp_path, {
        "web/prisma/schema.prisma": 'datasource db {\n  provider = "mysql"\n  url = env("DATABASE_URL")\n}\n',
        "web/prisma/migrations/20260101000000_init/migration.sql":
            "CREATE TABLE `users` (`id` INT NOT NULL, `email` VARCHAR(191) NOT NULL, PRIMARY KEY (`id`));\n"
            "ALTER TABLE `users` ADD COLUMN `name` TEXT;\nALTER TABLE `users` DROP COLUMN `email`;\n",
        "ledger/flyway.conf": "flyway.url=jdbc:postgresql://localhost/ledger\nflyway.locations=filesystem:sql\n",
        "ledger/sql/V1__init.sql": "CREATE TABLE entries (id bigint PRIMARY KEY, amount numeric(12,2));\n",
        "ledger/sql/V2__rename.sql": "ALTER TABLE entries RENAME COLUMN amount TO amount_cents;\n",
    })
    code, document, stderr = lint(tmp_path, "--severity", "risky", "--offline")
    assert code == 1
    rules = {(finding["file"], finding["rule"], finding["tool"]) for finding in document["findings"]}
    assert ("ledger/sql/V2__rename.sql", "rename-column", "Flyway") in rules
    assert ("web/prisma/migrations/20260101000000_init/migration.sql", "mysql-multiple-ddl", "Prisma") in rules, \
        "Prisma's migration was linted as MySQL, the dialect its schema names"
    assert "Prisma (web/prisma/migrations, 1 file), Flyway (ledger/sql, 2 files)" in stderr


def test_a_project_whose_migrations_are_code_gets_the_pipeline_to_lint_them(tmp_path):
    build(tmp_path, {
        "manage.py": "import django\n",
        "mysite/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n",
        "shop/migrations/0001_initial.py": "",
    })
    code, document, stderr = lint(tmp_path)
    assert code == 2
    assert document["error"]["message"] == ("no migrations directory db/migrations and no SQL migrations of "
                                            "another tool (Django found)")
    assert document["error"]["hint"] == ("Django (.): python manage.py sqlmigrate shop MIGRATION | "
                                         "migrate lint - --tool django --dialect postgres")
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 2


def test_a_project_with_no_tool_at_all_is_told_so(tmp_path):
    code, document, _ = lint(tmp_path)
    assert code == 2
    assert "`migrate detect` finds no migration tool here" in document["error"]["message"]


DJANGO_SQLMIGRATE = """
BEGIN;
--
-- Remove field note from order
--
ALTER TABLE "shop_order" DROP COLUMN "note" CASCADE;
--
-- Create index shop_order_customer_idx on field(s) customer of model order
--
CREATE INDEX "shop_order_customer_idx" ON "shop_order" ("customer_id");
COMMIT;
"""


@pytest.mark.parametrize("tool, rule, words", [
    ("django", "drop-column", "migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(...)])"),
    ("django", "add-index-not-concurrently", "`AddIndexConcurrently`"),
    ("rails", "drop-column", 'self.ignored_columns += ["column"]'),
    ("rails", "add-index-not-concurrently", "algorithm: :concurrently"),
    ("alembic", "add-index-not-concurrently", "postgresql_concurrently=True"),
])
def test_findings_on_a_frameworks_sql_name_the_frameworks_safe_form(tmp_path, tool, rule, words):
    code, document, _ = lint(tmp_path, "-", "--tool", tool, stdin=DJANGO_SQLMIGRATE)
    assert code == 1
    finding = next(finding for finding in document["findings"] if finding["rule"] == rule)
    assert words in finding["framework_alternative"]
    assert finding["tool"].lower() == tool
    assert finding["safe_alternative"], "the SQL-level alternative is still there"


def test_without_a_tool_findings_carry_no_framework_alternative(tmp_path):
    _, document, _ = lint(tmp_path, "-", stdin=DJANGO_SQLMIGRATE)
    assert {finding["rule"] for finding in document["findings"]} >= {"drop-column", "add-index-not-concurrently"}
    assert all("framework_alternative" not in finding for finding in document["findings"])


def test_the_framework_alternative_is_in_the_text_and_the_github_annotations(tmp_path):
    for format_, expected in (("text", "    in Django: use `AddIndexConcurrently`"),
                              ("github", "%0AIn Django: use `AddIndexConcurrently`")):
        stdout, stderr = io.StringIO(), io.StringIO()
        main(["-C", str(tmp_path), "lint", "-", "--tool", "Django", "--format", format_], stdout=stdout,
             stderr=stderr, environ={}, stdin=io.StringIO(DJANGO_SQLMIGRATE))
        assert expected in stdout.getvalue()


def test_an_unknown_tool_is_a_usage_error(tmp_path):
    code, document, _ = lint(tmp_path, "-", "--tool", "hibernate", stdin="SELECT 1;")
    assert code == 2 and "--tool: must be one of alembic, dbmate, diesel, django, dk-migrate" in document["error"]["message"]


def with_migrate_on_path(tmp_path: Path, **variables: str) -> dict:
    """The environment of a shell where `migrate` is this checkout's launcher (as a pip install would put it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "migrate").symlink_to(LAUNCHER)
    environment = os.environ | {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"} | variables
    environment.pop("DATABASE_URL", None)
    return environment


# --changed-since

def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                          check=True, capture_output=True, text=True).stdout


def repository(root: Path, files: dict[str, str]) -> Path:
    build(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    return root


DBMATE_PROJECT = {
    "migrate.yaml": "environments:\n  development:\n    url: postgres://app@127.0.0.1:9/app\n",
    "db/migrations/20260101000000_users.sql": f"-- migrate:up\n{CREATE_USERS}-- migrate:down\nDROP TABLE users;\n",
    "db/migrations/20260102000000_old_index.sql":
        f"-- migrate:up\n{RISKY_INDEX}-- migrate:down\nDROP INDEX CONCURRENTLY users_email_idx;\n",
}


def test_changed_since_lints_only_the_migrations_a_branch_adds_or_changes(tmp_path):
    root = repository(tmp_path / "repo", DBMATE_PROJECT)
    git(root, "checkout", "-qb", "feature")
    build(root, {"db/migrations/20260103000000_rename.sql":
                 "-- migrate:up\nALTER TABLE users RENAME COLUMN email TO email_address;\n"
                 "-- migrate:down\nALTER TABLE users RENAME COLUMN email_address TO email;\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "rename")
    build(root, {"db/migrations/20260104000000_untracked.sql":  # not committed yet: a pre-commit run sees it
                 "-- migrate:up\nTRUNCATE users;\n-- migrate:down\n"})
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "feature")

    code, document, stderr = lint(root, "--changed-since", "main")
    assert code == 1
    assert {(finding["file"], finding["rule"]) for finding in document["findings"]} >= {
        ("db/migrations/20260103000000_rename.sql", "rename-column"),
        ("db/migrations/20260104000000_untracked.sql", "truncate")}
    assert all("old_index" not in finding["file"] for finding in document["findings"]), \
        "the migration main already has is not linted again"
    assert "note: 2 of 4 migrations added or changed since main" in stderr


def test_changed_since_counts_from_where_the_branch_left_main(tmp_path):
    """Work merged to main after the branch started is not what the branch adds."""
    root = repository(tmp_path / "repo", DBMATE_PROJECT)
    git(root, "checkout", "-qb", "feature")
    git(root, "checkout", "-q", "main")
    build(root, {"db/migrations/20260105000000_on_main.sql": "-- migrate:up\nTRUNCATE users;\n-- migrate:down\n"})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main moves on")
    git(root, "checkout", "-q", "feature")
    build(root, {"db/migrations/20260102000000_old_index.sql":  # an edited migration counts as changed
                 DBMATE_PROJECT["db/migrations/20260102000000_old_index.sql"] + "\n"})
    code, document, _ = lint(root, "--changed-since", "main")
    assert code == 1
    assert {finding["file"] for finding in document["findings"]} == {"db/migrations/20260102000000_old_index.sql"}


def test_changed_since_with_nothing_changed_lints_nothing_and_says_so(tmp_path):
    root = repository(tmp_path / "repo", DBMATE_PROJECT)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "lint", "--changed-since", "HEAD"], stdout=stdout, stderr=stderr, environ={})
    assert code == 0
    assert stdout.getvalue() == "Nothing to lint: no migration was added or changed since HEAD.\n"


def test_changed_since_works_for_another_tools_migrations(tmp_path):
    root = repository(tmp_path / "repo", SQL_TOOLS[2][1])  # Flyway
    build(root, {"sql/V3__truncate.sql": "TRUNCATE users;\n"})
    code, document, stderr = lint(root, "--changed-since", "HEAD")
    assert code == 1
    assert {finding["file"] for finding in document["findings"]} == {"sql/V3__truncate.sql"}
    assert "linting the SQL migrations added or changed since HEAD of Flyway (sql, 1 file)" in stderr


@pytest.mark.parametrize("ref", ["no-such-branch", "--all"])
def test_a_bad_ref_is_exit_2_with_one_clear_line(tmp_path, ref):
    root = repository(tmp_path / "repo", DBMATE_PROJECT)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "lint", f"--changed-since={ref}"], stdout=stdout, stderr=stderr, environ={})
    assert code == 2
    assert stderr.getvalue().startswith("error: --changed-since")
    assert "Traceback" not in stderr.getvalue() and stdout.getvalue() == ""


def test_changed_since_outside_a_git_repository_is_exit_2(tmp_path):
    build(tmp_path, DBMATE_PROJECT)
    code, document, stderr = lint(tmp_path, "--changed-since", "main")
    assert code == 2
    assert "not a git repository" in document["error"]["message"]


def test_changed_since_does_not_go_with_files(tmp_path):
    root = repository(tmp_path / "repo", DBMATE_PROJECT)
    code, document, _ = lint(root, "--changed-since", "HEAD", "db/migrations/20260101000000_users.sql")
    assert code == 2 and "--changed-since chooses the migrations itself" in document["error"]["message"]


@pytest.mark.parametrize("tool, files, risky_file", SQL_TOOLS, ids=[case[0] for case in SQL_TOOLS])
def test_the_lint_command_detect_gives_runs_as_written_from_the_tools_root(tmp_path, tool, files, risky_file):
    from test_detect import detect

    root = build(tmp_path / "project", files)
    use = next(use for use in detect(root)["tools"] if use["name"] == tool)
    environment = with_migrate_on_path(tmp_path)
    ran = subprocess.run(["bash", "-c", use["lint"]], cwd=root / use["root"], capture_output=True, text=True,
                         env=environment, timeout=120)
    assert ran.returncode == 1, ran.stderr
    assert f"{risky_file}:" in ran.stdout and "add-index-not-concurrently" in ran.stdout
