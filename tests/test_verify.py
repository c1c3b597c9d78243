"""migrate verify: up, down, up again where it cannot hurt; what a down forgets is named; the real database is
left exactly as it was."""

import pytest


def catalogue(engine) -> list:
    """Everything a user could see changed: every schema object's definition, and every row of every table."""
    if engine.name == "sqlite":
        objects = engine.query("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
    else:
        objects = engine.query(
            "SELECT c.relkind::text, c.relname, coalesce(pg_get_indexdef(c.oid), ''),"
            " (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull"
            "   || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)"
            "   FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
            " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 2")
        objects += engine.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                                " WHERE connamespace = 'public'::regnamespace ORDER BY 1")
        objects += engine.query("SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace ORDER BY 1")
        objects += engine.query("SELECT datname FROM pg_database WHERE datname LIKE 'dkmigrate_verify_%' ORDER BY 1")
    tables = [row[1] for row in objects if row[0] in ("table", "r")]
    return objects + [(table, sorted(map(repr, engine.query(f'SELECT * FROM "{table}"')))) for table in tables]


def users_table(project):
    project.migration("20260101000001", "create_users", """
        CREATE TABLE users (id integer PRIMARY KEY, email text NOT NULL, nickname text DEFAULT 'anon');
        INSERT INTO users (id, email, nickname) VALUES (1, 'a@example.com', 'ann'), (2, 'b@example.com', 'bob');
        """, "DROP TABLE users;")


def test_reversible_migrations_are_reported_and_the_database_is_unchanged(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_index", "CREATE INDEX users_email ON users (email);",
                      "DROP INDEX users_email;")
    project.migration("20260101000003", "add_column", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert [(m["version"], m["reversible"], m["difference"]) for m in result.json["migrations"]] == [
        ("20260101000002", True, []), ("20260101000003", True, [])]
    assert result.json["summary"] == {"reversible": 2, "irreversible": 0, "not_verified": 0}
    assert result.json["migrations"][0]["data_compared"] is True
    assert catalogue(engine) == before
    text = project.run("verify")
    assert "20260101000002_add_index  reversible" in text.stdout
    assert "2 reversible, 0 not reversible." in text.stdout
    assert catalogue(engine) == before


@pytest.mark.parametrize("up, down, named", [
    ("CREATE INDEX users_email ON users (email);", "SELECT 1;", "index {schema}users_email"),
    ("ALTER TABLE users ADD COLUMN age integer;", "SELECT 1;", "column {schema}users.age (integer): left behind by down"),
    ("ALTER TABLE users DROP COLUMN nickname;", "ALTER TABLE users ADD COLUMN nickname text;",
     "column {schema}users.nickname: default"),
    ("CREATE TABLE tags (id integer PRIMARY KEY, label text CHECK (label <> ''));", "SELECT 1;",
     "table {schema}tags: left behind by down"),
])
def test_a_down_that_forgets_something_is_caught_by_name(project, engine, up, down, named):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "change", up, down)
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1, result.stdout + result.stderr
    [verdict] = result.json["migrations"]
    assert verdict["reversible"] is False
    expected = named.format(schema="public." if engine.name == "postgres" else "")
    assert any(expected.lower() in line.lower() for line in verdict["difference"]), verdict["difference"]
    assert not any(line.startswith("table") and "definition" in line for line in verdict["difference"])
    assert result.json["summary"]["irreversible"] == 1
    assert catalogue(engine) == before


def test_a_forgotten_constraint_is_named_on_postgres(tmp_path, postgres_url):
    from conftest import Project

    project = Project(tmp_path / "project", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "check_email", "ALTER TABLE users ADD CONSTRAINT email_has_at CHECK (email LIKE '%@%');",
                      "SELECT 1;")
    project.migration("20260101000003", "status_enum", "CREATE TYPE mood AS ENUM ('happy', 'sad');",
                      "DROP TYPE mood;")

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [first] = result.json["migrations"]
    assert first["difference"] == [
        "constraint public.users.email_has_at (CHECK ((email ~~ '%@%'::text))): left behind by down",
        'up again failed at 20260101000002_check_email.sql:2: constraint "email_has_at" for relation "users" '
        "already exists (SQLSTATE 42710)"]
    assert result.json["not_verified"] == ["20260101000003"]
    assert "20260101000003_status_enum  not verified (an earlier migration failed)" in project.run("verify").stdout

    (project.migrations / "20260101000002_check_email.sql").unlink()
    project.migration("20260101000003", "status_enum", "CREATE TYPE mood AS ENUM ('happy');", "DROP TYPE mood;")
    assert project.run("up").code == 0
    project.migration("20260101000004", "sad_mood", "ALTER TYPE mood ADD VALUE 'sad';", "SELECT 1;")
    result = project.run("verify", "--format", "json")
    assert result.json["migrations"][0]["difference"][0] == (
        "enum public.mood: values `happy` before, `happy, sad` after")


def test_a_down_that_loses_moved_data_is_named(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "move_nickname", """
        ALTER TABLE users ADD COLUMN display_name text;
        UPDATE users SET display_name = nickname;
        ALTER TABLE users DROP COLUMN nickname;
        """, """
        ALTER TABLE users ADD COLUMN nickname text DEFAULT 'anon';
        ALTER TABLE users DROP COLUMN display_name;
        """)
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [verdict] = result.json["migrations"]
    assert verdict["difference"] == [
        f"data of {'public.' if engine.name == 'postgres' else ''}users.nickname: values of 2 of 2 rows not restored by down",
        f"data of {'public.' if engine.name == 'postgres' else ''}users.display_name: values of 2 of 2 rows differ after up, down, up",
    ]
    assert catalogue(engine) == before


def test_a_backfill_whose_down_keeps_the_data_is_reversible(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "copy_nickname", """
        ALTER TABLE users ADD COLUMN display_name text;
        UPDATE users SET display_name = upper(nickname);
        """, "ALTER TABLE users DROP COLUMN display_name;")

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.json
    assert result.json["migrations"][0]["data_compared"] is True


def test_a_migration_outside_a_transaction_is_verified_on_a_scratch_database(tmp_path, postgres_url):
    from conftest import Engine, Project

    project = Project(tmp_path / "project", postgres_url)
    engine = Engine("postgres", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "concurrent_index", "CREATE INDEX CONCURRENTLY users_email ON users (email);",
                      "SELECT 1;")
    before = catalogue(engine)

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    assert "scratch database" in result.json["where"] and "CREATE INDEX CONCURRENTLY" in result.json["where"]
    assert result.json["migrations"][0]["difference"][0].startswith("index public.users_email (")
    assert catalogue(engine) == before  # pg_database included: the scratch database was dropped


def test_scratch_url_is_used_and_must_be_empty(tmp_path, postgres_url, postgres_admin_url):
    from conftest import Project, new_database

    project = Project(tmp_path / "project", postgres_url)
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_age", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    with new_database(postgres_admin_url) as scratch:
        result = project.run("verify", "--scratch-url", scratch, "--format", "json")
        assert result.code == 0, result.stdout + result.stderr
        assert result.json["where"].startswith("on the scratch database")
        again = project.run("verify", "--scratch-url", scratch)
        assert again.code == 2
        assert "is not empty" in again.stderr


def test_verify_never_runs_on_a_protected_environment(tmp_path, engine):
    from conftest import Project

    project = Project(tmp_path / "project", engine.url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    users_table(project)

    result = project.run("verify", "--env", "production", url=False)

    assert result.code == 4
    assert "protected" in result.stderr
    assert engine.tables() == set()


def test_a_migration_without_down_is_not_reversible_and_nothing_pending_is_success(project, engine):
    assert project.run("verify").stdout.strip() == "Nothing to verify: no migration is pending."
    project.migration("20260101000001", "one_way", "CREATE TABLE one_way (id integer);", down=None)

    result = project.run("verify")

    assert result.code == 1
    assert "20260101000001_one_way  NOT reversible" in result.stdout
    assert "it has no down section" in result.stdout
    assert engine.tables() == set()


def test_a_failing_down_stops_verification_with_the_error(project, engine):
    project.migration("20260101000001", "broken_down", "CREATE TABLE a (id integer);", "DROP TABLE nowhere;")
    project.migration("20260101000002", "later", "CREATE TABLE b (id integer);", "DROP TABLE b;")

    result = project.run("verify", "--format", "json")

    assert result.code == 1
    [verdict] = result.json["migrations"]
    assert verdict["difference"][0].startswith("down failed at 20260101000001_broken_down.sql:")
    assert result.json["not_verified"] == ["20260101000002"]
    assert engine.tables() == set()


def checklist_item(result) -> dict:
    assert result.code == 0, result.stdout + result.stderr
    return next(item for item in result.json["checklist"] if item["item"] == "Rollback verified")


def test_the_plan_checklist_runs_verify_on_a_private_copy_only(project, engine):
    users_table(project)
    assert project.run("up").code == 0
    project.migration("20260101000002", "add_age", "ALTER TABLE users ADD COLUMN age integer;",
                      "ALTER TABLE users DROP COLUMN age;")
    before = catalogue(engine)

    item = checklist_item(project.run("plan", "--format", "json"))

    if engine.name != "sqlite":  # plan is read-only: no migration runs on a server's database, even rolled back
        assert item["status"] == "manual", item
        assert "has no private copy to verify on" in item["detail"] and "migrate verify" in item["detail"]
        assert catalogue(engine) == before
        return
    assert item["status"] == "ok", item
    assert item["detail"].startswith("`migrate verify` ran up, down, up ")
    assert item["detail"].endswith("the migration reversible, schema and data compared")

    project.migration("20260101000003", "forget_index", "CREATE INDEX users_email ON users (email);", "SELECT 1;")
    item = checklist_item(project.run("plan", "--format", "json"))
    assert item["status"] == "fail"
    assert "20260101000003_forget_index: index " in item["detail"] and "users_email" in item["detail"]
    assert catalogue(engine) == before


def test_plan_verifies_the_first_pending_migrations_only_and_says_so(sqlite_project):
    from dkmigrate.plan.rollback_check import PLAN_VERIFY_LIMIT

    count = PLAN_VERIFY_LIMIT + 2
    for n in range(1, count + 1):
        sqlite_project.migration(f"2026010100{n:04d}", f"table_{n}", f"CREATE TABLE t{n} (id integer);",
                                 f"DROP TABLE t{n};" if n != count else "SELECT 1;")  # the last one never rolls back

    item = checklist_item(sqlite_project.run("plan", "--format", "json"))

    assert item["status"] == "manual", item  # not all verified: neither ok nor a failure it did not see
    assert f"the first {PLAN_VERIFY_LIMIT} of {count} pending migrations reversible" in item["detail"]
    assert item["detail"].endswith("run `migrate verify` to verify them all")
    full = sqlite_project.run("verify", "--format", "json")
    assert full.code == 1 and len(full.json["migrations"]) == count  # verify itself has no such limit


def test_the_plan_checklist_says_why_verify_could_not_run(tmp_path, engine):
    from conftest import Project

    project = Project(tmp_path / "project", engine.url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    users_table(project)

    item = checklist_item(project.run("plan", "--env", "production", "--format", "json", url=False))

    assert item["status"] == "manual"
    assert item["detail"].startswith("`migrate verify` could not run: environment 'production' is protected")
    assert engine.tables() == set()


def test_plan_write_verifies_the_migrations_it_wrote(tmp_path, postgres_url):
    from conftest import Engine, Project

    project, engine = Project(tmp_path / "project", postgres_url), Engine("postgres", postgres_url)
    users_table(project)
    assert project.run("up").code == 0

    unwritten = checklist_item(project.run("plan", "rename users.nickname to display_name", "--format", "json"))
    written = checklist_item(project.run("plan", "rename users.nickname to display_name", "--write", "--format", "json"))

    assert unwritten["status"] == "manual" and "`plan --write`" in unwritten["detail"]
    assert written["status"] == "ok", written
    assert "all 3 migrations reversible, schema and data compared" in written["detail"]
    assert engine.tracked_versions() == ["20260101000001"]
