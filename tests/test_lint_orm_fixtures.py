"""The SQL that Django, Rails and Prisma generate (tests/fixtures/orm), linted in order as a project would
apply it: every statement read, and each file's verdict and rules as a reviewer would judge them."""

from pathlib import Path

import pytest

from dkmigrate.lint import LintOptions, Linter, SEVERITIES
from lintcase import migration

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "orm"

# file: (verdict, the rules found, each once). missing-lock-timeout: none of the frameworks sets lock_timeout.
EXPECTED = {
    "django/0001_initial.sql": ("safe", set()),
    "django/0002_book_pages.sql": ("caution", {"missing-lock-timeout"}),
    "django/0003_alter_book_title.sql": ("caution", {"missing-lock-timeout"}),
    "django/0004_book_editor.sql": ("caution", {"missing-lock-timeout", "add-index-not-concurrently",
                                                "exclusive-lock-held-during-scan"}),
    "django/0005_rename_title_book_name.sql": ("risky", {"missing-lock-timeout", "rename-column"}),
    "django/0006_remove_book_pages.sql": ("caution", {"missing-lock-timeout", "drop-column", "irreversible-down"}),
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


def lint_in_order(framework: str) -> dict[str, list]:
    linter = Linter(LintOptions())
    results = {}
    for path in sorted((FIXTURES / framework).glob("*.sql")):
        results[f"{framework}/{path.name}"] = linter.lint(migration(path.read_text(), "", file=path.name))
    return results


@pytest.mark.parametrize("framework", ["django", "rails", "prisma"])
def test_orm_generated_sql_gets_the_verdict_a_reviewer_would_give(framework):
    results = lint_in_order(framework)
    assert set(results) == {name for name in EXPECTED if name.startswith(f"{framework}/")}
    for name, found in results.items():
        assert "unparsed-statement" not in {finding.rule for finding in found}, name
        verdict = max((finding.severity for finding in found), key=SEVERITIES.index, default="safe")
        assert (verdict, {finding.rule for finding in found}) == EXPECTED[name], name
