"""The SQL that Django, Rails and Prisma generate, linted in order as a project would apply it: every
statement read, and each migration's verdict and rules as a reviewer would judge them. Django's SQL comes
from Django itself (installed once into .cache/, `sqlmigrate` forwards and backwards against the test
server); Rails' and Prisma's from fixtures (tests/fixtures/orm) written from their documented output."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, unavailable
from dkmigrate.lint import LintOptions, Linter, SEVERITIES
from lintcase import migration

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "orm"
DJANGO = "django>=5.2,<5.3"  # the LTS release that still runs on Python 3.10

# file: (verdict, the rules found, each once). missing-lock-timeout: none of the frameworks sets lock_timeout.
EXPECTED = {
    "rails/20260101000001_create_users.sql": ("caution", {"prefer-timestamptz"}),
    "rails/20260101000002_add_admin_to_users.sql": ("caution", {"missing-lock-timeout"}),
    "rails/20260101000003_change_users_name_limit.sql": ("risky", {"missing-lock-timeout", "change-column-type"}),
    "rails/20260101000004_widen_users_email.sql": ("caution", {"missing-lock-timeout"}),
    "rails/20260101000005_add_index_to_users_name.sql": ("safe", set()),
    "rails/20260101000006_create_posts.sql": ("caution", {"prefer-timestamptz"}),
    "rails/20260101000007_add_reference_to_posts.sql": ("caution", {
        "missing-lock-timeout", "add-index-not-concurrently", "add-foreign-key-validating",
        "exclusive-lock-held-during-scan"}),
    "rails/20260101000008_rename_posts_body.sql": ("risky", {"missing-lock-timeout", "rename-column"}),
    "prisma/20260101000001_init.sql": ("caution", {"integer-primary-key", "prefer-timestamptz"}),
    "prisma/20260101000002_add_role.sql": ("error", {"missing-lock-timeout", "add-column-required"}),
    "prisma/20260101000003_add_views.sql": ("caution", {"missing-lock-timeout"}),
    "prisma/20260101000004_email_varchar.sql": ("risky", {"missing-lock-timeout", "change-column-type"}),
    "prisma/20260101000005_rename_name.sql": ("caution", {"missing-lock-timeout", "drop-column", "irreversible-down"}),
    "prisma/20260101000006_post_title_index.sql": ("caution", {"add-index-not-concurrently"}),
}


# Django migration: (verdict, rules), linting `sqlmigrate`'s forwards SQL as the up and its backwards SQL as
# the down.
DJANGO_EXPECTED = {
    "0001_initial": ("safe", set()),
    "0002_book_pages": ("caution", {"missing-lock-timeout"}),
    # a longer varchar: no rewrite; but the down shortens it again, which rewrites the table
    "0003_alter_book_title": ("risky", {"missing-lock-timeout", "change-column-type"}),
    "0004_book_editor": ("caution", {"missing-lock-timeout", "add-index-not-concurrently",
                                     "exclusive-lock-held-during-scan"}),
    "0005_rename_title_book_name": ("risky", {"missing-lock-timeout", "rename-column"}),
    "0006_remove_book_pages": ("caution", {"missing-lock-timeout", "drop-column", "irreversible-down"}),
    "0007_book_name_idx": ("caution", {"add-index-not-concurrently", "drop-index-not-concurrently",
                                       "missing-lock-timeout"}),
    # varchar to text USING "isbn"::text: no rewrite (Django drops and rebuilds the _like index around it); the
    # down's text to varchar(13) rewrites
    "0008_alter_book_isbn": ("risky", {"missing-lock-timeout", "drop-index-not-concurrently", "change-column-type",
                                       "add-index-not-concurrently", "exclusive-lock-held-during-scan"}),
    "0009_book_isbn_check": ("caution", {"missing-lock-timeout", "add-check-validating"}),
    "0010_book_unique_name": ("caution", {"missing-lock-timeout", "add-unique-constraint"}),
    "0011_alter_book_editor": ("caution", {"missing-lock-timeout", "set-not-null"}),
}


def lint_in_order(framework: str) -> dict[str, list]:
    linter = Linter(LintOptions())
    results = {}
    for path in sorted((FIXTURES / framework).glob("*.sql")):
        results[f"{framework}/{path.name}"] = linter.lint(migration(path.read_text(), "", file=path.name))
    return results


def verdict(found) -> tuple[str, set[str]]:
    assert "unparsed-statement" not in {finding.rule for finding in found}
    return (max((finding.severity for finding in found), key=SEVERITIES.index, default="safe"),
            {finding.rule for finding in found})


@pytest.fixture(scope="session")
def django_path() -> Path:
    """Django, installed once into .cache/ (git-ignored) with pip."""
    target = ROOT / ".cache" / "django-5.2"
    if not (target / "django").is_dir():
        try:
            subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                            "--retries", "1", "--timeout", "20", "--target", str(target), DJANGO], check=True, capture_output=True, text=True,
                           timeout=600)
        except subprocess.CalledProcessError as error:
            unavailable(f"pip could not install {DJANGO}: {error.stderr.strip()[-500:]}")
    return target


def test_django_sqlmigrate_output_gets_the_verdict_a_reviewer_would_give(django_path, postgres_url, tmp_path):
    generated = subprocess.run(
        [sys.executable, str(Path(__file__).parent / "django_sqlmigrate.py"), str(tmp_path), postgres_url],
        env={"PYTHONPATH": str(django_path), "PATH": "/usr/bin:/bin"}, check=True, capture_output=True, text=True,
        timeout=300)
    migrations = json.loads(generated.stdout)
    linter = Linter(LintOptions())
    analyses = {name: linter.analyze(migration(sql["up"], sql["down"], file=f"{name}.sql"))
                for name, sql in migrations.items()}
    assert {name: verdict(analysis.findings) for name, analysis in analyses.items()} == DJANGO_EXPECTED
    for widening in ("0003_alter_book_title", "0008_alter_book_isbn"):  # the type change is the down's only
        assert "change-column-type" not in {finding.rule for finding in analyses[widening].up_findings}


@pytest.mark.parametrize("framework", ["rails", "prisma"])
def test_orm_generated_sql_gets_the_verdict_a_reviewer_would_give(framework):
    results = lint_in_order(framework)
    assert {name: verdict(found) for name, found in results.items()} == {
        name: expected for name, expected in EXPECTED.items() if name.startswith(f"{framework}/")}
