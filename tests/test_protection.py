"""Protection follows the database, not the name it was reached by (design section 3)."""

import shutil

from conftest import ROOT, Project


def test_init_s_configuration_protects_the_database_of_database_url(tmp_path, engine):
    project = Project(tmp_path / "app", url="unused", environ={"DATABASE_URL": engine.url})
    assert project.run("init", url=False).code == 0
    project.migration("20260101000000", "create_accounts", "CREATE TABLE accounts (id integer PRIMARY KEY);",
                      "DROP TABLE accounts;")
    up = project.run("up", url=False)
    assert up.code == 0, up.stderr
    assert "environment 'production' (protected)" in up.stderr

    refused = project.run("down", url=False)
    assert refused.code == 4, refused.stderr
    assert "environment 'production' is protected: rolling back needs --yes" in refused.stderr
    assert "accounts" in engine.tables()

    dry_run = project.run("down", "--dry-run", url=False)
    assert dry_run.code == 0 and "migration on " in dry_run.stdout.splitlines()[0]
    assert dry_run.stdout.splitlines()[0].endswith("(environment production)")
    status = project.run("status", url=False)
    assert "(environment production)" in status.stdout
    assert project.run("status", "--format", "json", url=False).json["environment"] == "production"
    rolled_back = project.run("down", "--yes", "--format", "json", url=False)
    assert rolled_back.code == 0, rolled_back.stderr
    assert rolled_back.json["environment"] == "production"
    assert "accounts" not in engine.tables()


def test_the_example_s_production_database_gets_its_own_directory_and_protection(tmp_path, postgres_url):
    shop = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", shop, ignore=shutil.ignore_patterns("*.sqlite3*"))
    project = Project(shop, url="unused", environ={"DATABASE_URL": postgres_url})
    up = project.run("up", url=False)
    assert up.code == 0, up.stderr
    assert "outside a transaction: CREATE INDEX CONCURRENTLY" in up.stdout  # the PostgreSQL directory's SQL
    assert "Migrations  db/migrations/postgres" in project.run("status", url=False).stdout
    assert project.run("down", url=False).code == 4


def test_a_url_of_another_engine_than_its_directory_is_refused_before_anything_runs(tmp_path, postgres_url):
    shop = tmp_path / "shop"
    shutil.copytree(ROOT / "examples" / "shop", shop, ignore=shutil.ignore_patterns("*.sqlite3*"))
    project = Project(shop, url=postgres_url)
    refused = project.run("up")
    assert refused.code == 2
    assert "is a PostgreSQL database but db/migrations/sqlite is the directory of environment 'development'" \
           in refused.stderr
    assert project.run("status").code == 2
    from conftest import Engine
    assert Engine("postgres", postgres_url).tables() == set()
