"""The linter on real migrations (../shared/corpora): it never breaks, and its judgments hold."""

import pytest

from conftest import CORPORA, Project


@pytest.fixture
def project(tmp_path, sqlite_url):
    return Project(tmp_path / "project", sqlite_url)


def lint(project: Project, *args: str) -> dict:
    result = project.run(*args, "--format", "json", url=False)
    assert result.code in (0, 1), result.stderr
    return result.json


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_every_corpus_file_is_linted_alone_without_breaking(authelia, project, dialect):
    for path in sorted(CORPORA.rglob("*.sql")):
        result = project.run("lint", "--dialect", dialect, "--format", "json", str(path), url=False)
        assert result.code in (0, 1), f"{path}: {result.stderr}"
        assert "summary" in result.json


@pytest.mark.parametrize("dialect", ["postgres", "mysql"])
def test_each_corpus_directory_is_linted_as_a_catalogue(authelia, project, dialect):
    document = lint(project, "--dir", str(authelia / dialect), "lint", "--all", "--dialect", dialect)
    assert document["statements"] > 300
    assert document["summary"]["risky"] > 0


def findings_by_file(document: dict) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for finding in document["findings"]:
        found.setdefault(finding["file"].rsplit("/", 1)[-1], set()).add(finding["rule"])
    return found


def test_authelia_postgres_judgments(authelia, project):
    found = findings_by_file(lint(project, "--dir", str(authelia / "postgres"), "lint", "--all"))
    # VARCHAR(255) -> VARCHAR(768), known from V0004: a widening PostgreSQL makes without a rewrite.
    assert "change-column-type" not in found.get("V0011.JWTProfileAccessToken.up.sql", set())
    assert "rename-column" in found["V0024.WebAuthnAttestationType.up.sql"]
    # ADD COLUMN ... NOT NULL DEFAULT '2000-01-01 00:00:00+00': a constant default, no rewrite on PG 11+.
    assert found["V0022.OAuth2ConsentBinding.up.sql"] == {"missing-lock-timeout"}
    # DROP NOT NULL, then UPDATE in the same transaction: the update runs under the ALTER's lock.
    assert "backfill-in-ddl-transaction" in found["V0009.FixConstraints.up.sql"]
    # The up made subject nullable; the down's SET NOT NULL scans the table.
    assert "set-not-null" in found["V0005.ConsentSubjectNULL.down.sql"]
    assert "drop-table" in found["V0007.ConsistencyFixes.up.sql"]
    assert "add-foreign-key-validating" in found["V0007.ConsistencyFixes.up.sql"]
    # A down that drops the tables its up created is the down doing its job.
    assert "drop-table" not in found.get("V0001.Initial_Schema.down.sql", set())


def test_authelia_mysql_judgments(authelia, project):
    found = findings_by_file(lint(project, "--dir", str(authelia / "mysql"), "lint", "--all", "--dialect", "mysql"))
    assert "change-column-type" in found["V0021.MySQLCachedValueType.up.sql"]  # BLOB -> MEDIUMBLOB: a table copy
    assert "change-column-type" not in found.get("V0011.JWTProfileAccessToken.up.sql", set())  # a longer VARCHAR
    assert "change-column-type" not in found.get("V0016.OAuth2ConsentSubjectNULL.up.sql", set())  # only NULL
    assert "mysql-multiple-ddl" in found["V0001.Initial_Schema.up.sql"]
    assert "mysql-table-copy" in found["V0014.RevokeResetPasswordJWT.up.sql"]
