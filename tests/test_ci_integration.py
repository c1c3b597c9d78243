"""The CI integration the repository ships, run as a user's CI would run it: the pre-commit hook through
`pre-commit try-repo`, and the README's GitHub Actions workflow step by step. Also the README's examples
of detect and of linting a framework's SQL, against the program's real output."""

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import ROOT, main
from test_detect import build
from test_lint_other_tools import DJANGO_SQLMIGRATE, git, with_migrate_on_path

README = (ROOT / "README.md").read_text()
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())

RISKY = "-- migrate:up\nSET lock_timeout = '5s';\nALTER TABLE users RENAME COLUMN email TO email_address;\n" \
        "-- migrate:down\nSET lock_timeout = '5s';\nALTER TABLE users RENAME COLUMN email_address TO email;\n"
SAFE = "-- migrate:up\nSET lock_timeout = '5s';\nALTER TABLE users ADD COLUMN nickname text;\n" \
       "-- migrate:down\nSET lock_timeout = '5s';\nALTER TABLE users DROP COLUMN nickname;\n"
PROJECT = {
    "migrate.yaml": "environments:\n  development:\n    url: postgres://app@127.0.0.1:9/app\n",
    "db/migrations/20260101000000_users.sql":
        "-- migrate:up\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n-- migrate:down\nDROP TABLE users;\n",
}


def console_block(after: str) -> str:
    """The text of the README's console block that follows the line `after` (without it)."""
    start = README.index(after + "\n") + len(after) + 1
    return README[start: README.index("```", start)]


def fenced(language: str, first_line: str) -> str:
    blocks = re.findall(rf"^```{language}\n(.*?)^```", README, re.MULTILINE | re.DOTALL)
    return next(block for block in blocks if block.startswith(first_line))


def user_repository(root: Path) -> Path:
    """A project on a branch that adds a risky and a safe migration to what main has."""
    build(root, PROJECT)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "main")
    git(root, "update-ref", "refs/remotes/origin/main", "main")
    git(root, "checkout", "-qb", "feature")
    build(root, {"db/migrations/20260201000000_rename_email.sql": RISKY,
                 "db/migrations/20260202000000_add_nickname.sql": SAFE})
    git(root, "add", "-A")
    git(root, "commit", "-qm", "feature")
    return root


# The pre-commit hook

def test_the_hook_lints_sql_files_with_the_packaged_program():
    assert [hook["id"] for hook in HOOKS] == ["migrate-lint"]
    hook = HOOKS[0]
    assert hook["entry"] == "migrate lint" and hook["language"] == "python" and hook["files"] == r"\.sql$"
    assert "migrate = \"dkmigrate.cli:main\"" in (ROOT / "pyproject.toml").read_text(), \
        "the entry is the console script the package installs"


def run_hook(repository: Path, files: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """`pre-commit try-repo` on this checkout (its committed hook manifest, its working tree's code), with a
    fresh pre-commit home: pre-commit installs the package from the checkout as it would for a user."""
    environment = os.environ | {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    environment.pop("DKMIGRATE_VENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "migrate-lint",
                           "--verbose", "--files", *files], cwd=repository, capture_output=True, text=True,
                          env=environment, timeout=900)


def test_the_pre_commit_hook_fails_a_commit_that_adds_a_risky_migration_and_passes_a_safe_one(tmp_path):
    repository = user_repository(tmp_path / "repo")
    risky = run_hook(repository, ["db/migrations/20260201000000_rename_email.sql", "migrate.yaml"], tmp_path)
    assert risky.returncode == 1, risky.stdout + risky.stderr
    assert "db/migrations/20260201000000_rename_email.sql:3: risky rename-column" in risky.stdout
    assert "1 finding (1 risky) in 4 statements of 1 migration." in risky.stdout

    safe = run_hook(repository, ["db/migrations/20260202000000_add_nickname.sql"], tmp_path)
    assert safe.returncode == 0, safe.stdout + safe.stderr
    assert "No findings: 4 statements of 1 migration checked." in safe.stdout


# The GitHub Actions workflow of the README

WORKFLOW = yaml.safe_load(fenced("yaml", "# .github/workflows/migrations.yml"))


def test_the_workflow_uploads_sarif_and_may_write_security_events():
    assert WORKFLOW[True] == "pull_request"  # YAML 1.1 reads the key `on` as true
    assert WORKFLOW["permissions"]["security-events"] == "write"
    steps = WORKFLOW["jobs"]["lint"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    upload = steps[-1]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@") and upload["if"] == "always()"
    assert upload["with"]["sarif_file"] in steps[-2]["run"]


def test_the_workflows_commands_annotate_the_pull_request_and_write_sarif(tmp_path):
    """Each `run:` step after the install runs as GitHub runs it (bash -e -o pipefail), with `migrate` the
    program the install step puts on PATH and GITHUB_BASE_REF set as on a pull request to main."""
    repository = user_repository(tmp_path / "repo")
    environment = with_migrate_on_path(tmp_path, GITHUB_BASE_REF="main")
    steps = [step for step in WORKFLOW["jobs"]["lint"]["steps"] if "run" in step]
    assert steps[0]["run"].startswith("pip install ") and "dk-migrate" in steps[0]["run"]
    results = [subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                              cwd=repository, capture_output=True, text=True, env=environment, timeout=120)
               for step in steps[1:]]

    annotate, sarif = results
    assert annotate.returncode == 1, annotate.stderr  # the check fails on a finding
    assert annotate.stdout.startswith(
        "::error file=db/migrations/20260201000000_rename_email.sql,line=3,title=rename-column (risky)::")
    assert "nickname" not in annotate.stdout and "users.sql" not in annotate.stdout
    assert sarif.returncode == 0, sarif.stderr  # findings are exit 1, which the step lets through
    document = yaml.safe_load((repository / "migrate-lint.sarif").read_text())
    results_ = document["runs"][0]["results"]
    assert [(result["ruleId"], result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
            for result in results_] == [("rename-column", "db/migrations/20260201000000_rename_email.sql")]


def test_the_sarif_step_still_fails_on_an_error_that_is_not_a_finding(tmp_path):
    repository = user_repository(tmp_path / "repo")
    step = next(step for step in WORKFLOW["jobs"]["lint"]["steps"] if "sarif" in step.get("run", ""))
    environment = with_migrate_on_path(tmp_path, GITHUB_BASE_REF="gone")
    failed = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]], cwd=repository,
                            capture_output=True, text=True, env=environment, timeout=120)
    assert failed.returncode != 0 and "error: --changed-since origin/gone: git knows no commit" in failed.stderr


# The README's examples

def test_the_readmes_detect_example_is_the_programs_output(tmp_path):
    build(tmp_path, {
        "apps/web/package.json": '{\n  "dependencies": {\n    "@prisma/client": "^5.22.0"\n  }\n}\n',
        "apps/web/prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n',
        "apps/web/prisma/migrations/20261124093000_init/migration.sql": 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY);\n',
        "services/billing/alembic.ini": "[alembic]\nscript_location = migrations\n"
                                        "sqlalchemy.url = postgresql://billing@db/billing\n",
        "services/billing/migrations/versions/3f2a_invoices.py": "",
        "services/billing/migrations/versions/8c1d_refunds.py": "",
    })
    stdout, stderr = io.StringIO(), io.StringIO()
    assert main(["-C", str(tmp_path), "detect"], stdout=stdout, stderr=stderr, environ={}) == 0
    assert stdout.getvalue() == console_block("$ migrate detect")


def test_the_readmes_framework_example_is_the_programs_output(tmp_path):
    stdout = io.StringIO()
    main(["lint", "-", "--tool", "django"], stdout=stdout, stderr=io.StringIO(), environ={},
         stdin=io.StringIO(DJANGO_SQLMIGRATE.lstrip("\n")))
    shown = [line for line in console_block("$ python manage.py sqlmigrate shop 0042 | migrate lint - --tool django")
             .splitlines() if line.strip() != "..."]
    output = stdout.getvalue().splitlines()
    assert shown and all(line in output for line in shown), shown
