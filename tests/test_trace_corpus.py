"""migrate trace on real migrations: the authelia corpus of ../shared/corpora (PostgreSQL and MySQL) and the shop
example of examples/, on every engine. Every statement runs and is observed, nothing is left behind, and where the
linter and the server disagree on PostgreSQL it is for the reason named here."""

import re
import shutil

from conftest import ROOT, Engine, Project

SHOP = ROOT / "examples" / "shop" / "db" / "migrations"
ABSENT_DROP = re.compile(r"^DROP (TABLE|INDEX) IF EXISTS ", re.IGNORECASE)


def traced(project: Project, *args: str) -> dict:
    result = project.run(*args, "trace", "--format", "json")
    assert result.code == 0, result.stdout[-2000:] + result.stderr
    assert result.json["summary"]["failed"] == 0 and not result.json["not_traced"]
    return result.json


def test_authelia_postgres_is_traced_whole_and_disagrees_only_on_drops_of_objects_that_are_not_there(
        tmp_path, postgres_url, authelia):
    engine = Engine("postgres", postgres_url)
    project = Project(tmp_path / "project", postgres_url)
    corpus = str(authelia / "postgres")

    whole = traced(project, "--dir", corpus)

    assert whole["rolled_back"] is True and engine.tables() == set()  # not even the tracking table
    assert whole["summary"]["migrations"] == 26 and whole["summary"]["rewrites"] == 0
    disagreeing = [s for m in whole["migrations"] for s in m["statements"] if s["disagreements"]]
    # DROP ... IF EXISTS of a table or index no earlier migration created: the linter predicts its ACCESS
    # EXCLUSIVE, the server takes no lock at all
    assert disagreeing and all(ABSENT_DROP.match(s["sql"]) for s in disagreeing)
    assert {line for s in disagreeing for line in s["disagreements"]} == {
        "the linter predicts ACCESS EXCLUSIVE; trace saw no lock taken on an existing table"}

    assert project.run("--dir", corpus, "up", "--steps", "8").code == 0
    rest = traced(project, "--dir", corpus)
    assert rest["summary"]["migrations"] == 18 and rest["summary"]["disagreements"] == 0
    exclusive = {hold["table"] for m in rest["migrations"] for hold in m["access_exclusive"]}
    assert "oauth2_access_token_session" in exclusive  # V0010, V0011: ALTER COLUMN on an existing table


def test_authelia_mysql_is_traced_on_a_scratch_database_and_its_table_copies_are_seen(tmp_path, mysql_database,
                                                                                       authelia):
    url, _ = mysql_database
    engine = Engine("mysql", url)
    project = Project(tmp_path / "project", url)

    document = traced(project, "--dir", str(authelia / "mysql"))

    created = re.match(r"on the scratch database \S+/(\w+), copied from ", document["where"]).group(1)
    assert engine.query(f"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{created}'") == []
    assert engine.tables() == set()
    statements = [s for m in document["migrations"] for s in m["statements"]]
    copied = [s for s in statements if s["rewrote"]]
    assert all(s["sql"].upper().startswith("ALTER TABLE") for s in copied)
    conversions = [s for s in statements if "CONVERT TO CHARACTER SET" in s["sql"].upper()]
    assert len(conversions) == 17 and all(s["rewrote"] for s in conversions)  # a character set change copies
    assert document["summary"]["rewrites"] == len(copied) >= len(conversions)


def test_the_shop_example_is_traced_on_every_engine(tmp_path, sqlite_url, postgres_url, mysql_database):
    for name, url in (("sqlite", sqlite_url), ("postgres", postgres_url), ("mysql", mysql_database[0])):
        project = Project(tmp_path / name, url)
        shutil.copytree(SHOP / name, project.migrations, dirs_exist_ok=True)
        document = traced(project)
        assert document["summary"]["migrations"] == len(list((SHOP / name).glob("*.sql")))
        assert Engine(name, url).tables() <= {"schema_migrations"}
