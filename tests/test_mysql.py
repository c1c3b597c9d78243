"""MySQL and MariaDB through every command, on the machine's MariaDB ($MIGRATE_TEST_MYSQL_URL).

DDL commits implicitly there: a migration holding DDL runs statement by statement with its progress in the
tracking table, so a failure leaves it `dirty`, naming the failing statement; a migration of data changes
only runs in one transaction."""

import time

import pytest

from conftest import Engine, Project


@pytest.fixture
def mysql(tmp_path, mysql_database):
    url, _ = mysql_database
    return Project(tmp_path / "project", url), Engine("mysql", url)


def test_up_status_down_through_the_commands(mysql):
    project, engine = mysql
    project.migration("1", "create_users", "CREATE TABLE users (id int PRIMARY KEY, email varchar(100));\n"
                                           "INSERT INTO users VALUES (1, 'a@example.com');", "DROP TABLE users;")
    project.migration("2", "add_name", "ALTER TABLE users ADD COLUMN name varchar(50);",
                      "ALTER TABLE users DROP COLUMN name;")
    up = project.run("up")
    assert up.code == 0, up.stderr
    assert "1_create_users  applied" in up.stdout and "outside a transaction: MySQL commits CREATE TABLE implicitly" in up.stdout
    assert engine.query("SELECT id, email, name FROM users") == [(1, "a@example.com", None)]
    status = project.run("status", "--format", "json").json
    assert status["summary"]["applied"] == 2
    down = project.run("down")
    assert down.code == 0, down.stderr
    assert [row[0] for row in engine.query("SELECT column_name FROM information_schema.columns WHERE "
                                           "table_schema = DATABASE() AND table_name = 'users' ORDER BY ordinal_position")] \
        == ["id", "email"]
    assert engine.tracked_versions() == ["1"]


def test_a_failing_ddl_statement_leaves_the_migration_dirty_naming_it_until_repair(mysql):
    project, engine = mysql
    project.migration("1", "two_tables", "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE a (id int PRIMARY KEY);\n"
                                         "CREATE TABLE b (id int PRIMARY KEY);", "DROP TABLE b;\nDROP TABLE a;")
    up = project.run("up")
    assert up.code == 1
    assert "1_two_tables failed (up) at 1_two_tables.sql:3" in up.stderr
    assert "Table 'a' already exists (MySQL error 1050)" in up.stderr
    assert "is now dirty: 1 of 3 statements ran outside a transaction" in up.stderr
    assert "migrate repair 1 --applied" in up.stderr
    assert engine.tables() == {"a", "schema_migrations"}
    assert engine.query("SELECT state, progress FROM schema_migrations") == [("applying", 1)]
    status = project.run("status", "--format", "json").json
    assert [m["state"] for m in status["migrations"]] == ["dirty"]
    refused = project.run("up")
    assert refused.code != 0 and "is dirty" in refused.stderr
    # The user fixes the database by hand (drops what ran), tells the tool, fixes the file, runs again.
    engine.query("DROP TABLE a")
    assert project.run("repair", "1", "--rolled-back").code == 0
    project.migration("1", "two_tables", "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY);",
                      "DROP TABLE b;\nDROP TABLE a;")
    again = project.run("up")
    assert again.code == 0, again.stderr
    assert engine.tables() == {"a", "b", "schema_migrations"}
    assert engine.query("SELECT state, progress FROM schema_migrations") == [("applied", None)]


def test_a_migration_of_data_changes_only_runs_in_one_transaction(mysql):
    project, engine = mysql
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;")
    project.migration("2", "rows", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (1);", "DELETE FROM t;")
    up = project.run("up", "--format", "json")
    assert up.code == 1
    assert "rolled back: the database is as it was before 2_rows" in up.stderr
    assert engine.query("SELECT count(*) FROM t") == [(0,)]
    assert engine.tracked_versions() == ["1"]
    project.migration("2", "rows", "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);", "DELETE FROM t;")
    done = project.run("up", "--format", "json")
    assert done.code == 0, done.stderr
    assert [m["transaction"] for m in done.json["migrations"]] == [True]


def test_delimiter_blocks_define_procedures_and_triggers(mysql):
    project, engine = mysql
    project.migration("1", "routines", """CREATE TABLE t (id int PRIMARY KEY, n int);
DELIMITER //
CREATE PROCEDURE fill(IN k int)
BEGIN
  DECLARE i int DEFAULT 0;
  WHILE i < k DO
    SET i = i + 1;
    IF i > 0 THEN
      INSERT INTO t VALUES (i, i);
    END IF;
  END WHILE;
END//
CREATE TRIGGER t_double BEFORE INSERT ON t FOR EACH ROW
BEGIN
  SET NEW.n = NEW.n * 2;
END//
DELIMITER ;
CALL fill(3);""", "DROP TRIGGER t_double;\nDROP PROCEDURE fill;\nDROP TABLE t;")
    up = project.run("up")
    assert up.code == 0, up.stderr
    assert engine.query("SELECT id, n FROM t ORDER BY id") == [(1, 2), (2, 4), (3, 6)]
    assert project.run("down").code == 0
    assert engine.tables() == {"schema_migrations"}


def test_dry_run_prints_the_exact_script_and_changes_nothing(mysql):
    project, engine = mysql
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;")
    assert project.run("up").code == 0
    project.migration("2", "rows", "INSERT INTO t VALUES (1);", "DELETE FROM t;")
    project.migration("3", "column", "ALTER TABLE t ADD COLUMN n int;", "ALTER TABLE t DROP COLUMN n;")
    dry = project.run("up", "--dry-run")
    assert dry.code == 0, dry.stderr
    script, tracking = dry.stdout, f"`{project.url.rsplit('/', 1)[1]}`.`schema_migrations`"  # resolved once, qualified
    assert f"-- 2_rows (up, in a transaction)\nBEGIN;\nINSERT INTO t VALUES (1);\nINSERT INTO {tracking}" in script
    assert "-- 3_column (up, without a transaction: MySQL commits ALTER TABLE implicitly)" in script
    assert f"ALTER TABLE t ADD COLUMN n int;\nUPDATE {tracking} SET state = 'applied'" in script
    assert engine.tracked_versions() == ["1"] and engine.query("SELECT count(*) FROM t") == [(0,)]


def test_the_lock_holder_is_named_and_a_waiting_migrator_gives_up(mysql, mysql_server):
    import pymysql

    project, engine = mysql
    project.migration("1", "table", "CREATE TABLE t (id int PRIMARY KEY);", "DROP TABLE t;")
    database = project.url.rsplit("/", 1)[1]
    holder = pymysql.connect(**mysql_server)
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"SELECT GET_LOCK('dk-migrate:{database}.schema_migrations', 0), CONNECTION_ID()")
            taken, connection_id = cursor.fetchone()
        assert taken == 1
        waited = project.run("up", "--lock-wait", "0.5")
        assert waited.code == 3
        assert "gave up after waiting 0.5 s for the migration lock" in waited.stderr
        assert f"migration lock held by connection {connection_id} (" in waited.stderr
    finally:
        holder.close()  # a dropped connection frees the lock
    deadline = time.monotonic() + 5
    while (result := project.run("up", "--lock-wait", "1")).code != 0:
        assert time.monotonic() < deadline, result.stderr
    assert engine.tracked_versions() == ["1"]


def test_eight_concurrent_migrators_apply_each_migration_once(mysql):
    project, engine = mysql
    project.migration("1", "slow", "CREATE TABLE counter (n int);\nSELECT SLEEP(1);\nINSERT INTO counter VALUES (1);",
                      "DROP TABLE counter;")
    project.migration("2", "more", "INSERT INTO counter VALUES (2);", "DELETE FROM counter WHERE n = 2;")
    processes = [project.launch("up", "--lock-wait", "60", wait=False) for _ in range(8)]
    results = [process.communicate(timeout=120) + (process.returncode,) for process in processes]
    assert [code for _, _, code in results] == [0] * 8, results
    outputs = "".join(stdout for stdout, _, _ in results)
    assert outputs.count("1_slow  applied") == 1 and outputs.count("2_more  applied") == 1
    assert engine.query("SELECT n FROM counter ORDER BY n") == [(1,), (2,)]
    assert engine.tracked_versions() == ["1", "2"]


def test_authelia_mysql_applies_every_up_and_its_down_stops_at_v0007(tmp_path, mysql_database, authelia):
    """../shared/corpora/README.md: V0007's own down fails on MariaDB (a duplicate key name)."""
    url, _ = mysql_database
    corpus = str(authelia / "mysql")
    project = Project(tmp_path / "p", url)
    engine = Engine("mysql", url)
    up = project.run("--dir", corpus, "up")
    assert up.code == 0, up.stderr
    assert "Applied 26 migrations" in up.stdout
    down = project.run("--dir", corpus, "down", "--steps", "26")
    assert down.code == 1
    assert ("V0007.ConsistencyFixes failed (down) at V0007.ConsistencyFixes.down.sql:32: Duplicate key name 'kid' "
            "(MySQL error 1061); V0007.ConsistencyFixes is now dirty: 29 of 42 statements ran") in down.stderr
    assert "statement: CREATE UNIQUE INDEX kid ON webauthn_devices (kid)" in down.stderr
    assert "[19/26] V0008.OpenIDConnectPAR  rolled back" in down.stdout
    status = project.run("--dir", corpus, "status", "--format", "json").json
    states = {m["version"]: m["state"] for m in status["migrations"]}
    assert states.pop("0007") == "dirty"
    assert {version for version, state in states.items() if state == "pending"} == {f"{n:04d}" for n in range(8, 27)}
    assert {version for version, state in states.items() if state == "applied"} == {f"{n:04d}" for n in range(1, 7)}
    assert engine.query("SELECT state, progress FROM schema_migrations WHERE version = '0007'") == [("rolling_back", 29)]


def test_plan_reads_live_mysql_facts_and_says_what_it_could_not_read(mysql):
    project, engine = mysql
    engine.query("CREATE TABLE users (id int PRIMARY KEY, email varchar(255) NOT NULL, KEY users_email (email))")
    engine.query("INSERT INTO users VALUES " + ", ".join(f"({i}, 'u{i}@example.com')" for i in range(1, 51)))
    plan = project.run("plan", "rename users.email to email_address", "--format", "json")
    assert plan.code == 0, plan.stderr
    live = plan.json["live"]
    assert live["available"] is True, live
    sql = "\n".join(s for p in plan.json["phases"] for s in p["sql"])
    assert "ALTER TABLE users ADD COLUMN email_address varchar(255)" in sql  # the live column's type
    checks = {item["item"]: item for item in plan.json["checklist"]}
    assert checks["No long-running transactions"]["status"] == "ok"
    locks = [item for name, item in checks.items() if "lock" in name.lower() and item["status"] == "manual"]
    assert any("performance_schema is off" in item["detail"] for item in locks) or \
        engine.query("SELECT @@performance_schema") == [(1,)]


def test_plans_written_as_migrations_lint_clean_and_run_up_and_down(mysql):
    project, engine = mysql
    engine.query("CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY, email varchar(255) NOT NULL, legacy int)")
    engine.query("INSERT INTO users (email, legacy) VALUES ('a@example.com', 1), ('b@example.com', 2)")
    for goal in ("rename users.email to email_address", "drop column users.legacy"):
        written = project.run("plan", goal, "--write")
        assert written.code == 0, (goal, written.stderr)
    lint = project.run("lint", "--format", "json")
    assert lint.json["findings"] == [], lint.json["findings"]
    up = project.run("up")
    assert up.code == 0, up.stderr
    assert engine.query("SELECT id, email_address FROM users ORDER BY id") == [(1, "a@example.com"), (2, "b@example.com")]
    down = project.run("down", "--steps", "6")
    assert down.code == 0, down.stderr
    assert engine.query("SELECT id, email, legacy FROM users ORDER BY id") == [(1, "a@example.com", 1), (2, "b@example.com", 2)]
