"""migrate trace: the pending migrations run where they cannot hurt, and each statement's real locks, rewrites,
scans and duration are reported beside the linter's prediction - on PostgreSQL in a transaction rolled back at
the end (or on a scratch database for what cannot run in one), on MariaDB on a scratch database it creates and
drops, on SQLite on a copy of the file. The real database is left exactly as it was."""

import hashlib
import re
from pathlib import Path

import pytest

from conftest import Engine, Project, new_database

ROWS = 2000


def pg_catalogue(engine: Engine) -> list:
    """What a user could see changed on PostgreSQL: every relation with its file, columns and definition, every
    constraint, every row count and the tracking table's rows."""
    objects = engine.query(
        "SELECT c.relkind::text, c.relname, pg_relation_filenode(c.oid), coalesce(pg_get_indexdef(c.oid), ''),"
        " (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull"
        "   || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), ''), ', ' ORDER BY a.attnum)"
        "   FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
        "   WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)"
        " FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace ORDER BY 2")
    objects += engine.query("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                            " WHERE connamespace = 'public'::regnamespace ORDER BY 1")
    objects += engine.query("SELECT version, state FROM schema_migrations ORDER BY 1")
    tables = [row[1] for row in objects if row[0] == "r"]
    return objects + [(table, engine.query(f'SELECT count(*) FROM "{table}"')) for table in tables]


def statements_by_line(result) -> dict[int, dict]:
    return {statement["line"]: statement for migration in result.json["migrations"]
            for statement in migration["statements"]}


@pytest.fixture
def pg(tmp_path, postgres_url):
    engine = Engine("postgres", postgres_url)
    project = Project(tmp_path / "project", postgres_url)
    tables = ", ".join(["t_type", "t_volatile", "t_constant", "t_not_null", "t_index"])
    project.migration("20260101000001", "tables", "\n".join(
        f"CREATE TABLE {table} (id bigint PRIMARY KEY, n integer, email varchar(100));\n"
        f"INSERT INTO {table} SELECT g, g, 'user' || g FROM generate_series(1, {ROWS}) g;"
        for table in tables.split(", ")), "\n".join(f"DROP TABLE {table};" for table in tables.split(", ")))
    assert project.run("up").code == 0
    return engine, project


def test_postgres_statements_show_their_real_locks_rewrites_and_scans_and_nothing_is_left_changed(pg):
    engine, project = pg
    project.migration("20260101000002", "risky", """
        ALTER TABLE t_type ALTER COLUMN n TYPE bigint;
        ALTER TABLE t_volatile ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();
        ALTER TABLE t_constant ADD COLUMN visits integer DEFAULT 0;
        ALTER TABLE t_not_null ALTER COLUMN email SET NOT NULL;
        CREATE INDEX t_index_email ON t_index (email);
        """, "SELECT 1;")
    before = pg_catalogue(engine)

    result = project.run("trace", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert pg_catalogue(engine) == before  # rolled back: same files, columns, indexes, rows, tracking rows
    assert result.json["rolled_back"] is True
    assert "in a transaction rolled back at the end" in result.json["where"]
    [migration] = result.json["migrations"]
    assert migration["version"] == "20260101000002" and migration["transaction"] is True
    seen = {s["line"]: (s["locks"], s["rewrote"], s["scanned"]) for s in migration["statements"]}
    assert seen == {
        2: ([{"table": "t_type", "mode": "ACCESS EXCLUSIVE"}], ["t_type"], ["t_type"]),
        3: ([{"table": "t_volatile", "mode": "ACCESS EXCLUSIVE"}], ["t_volatile"], ["t_volatile"]),
        4: ([{"table": "t_constant", "mode": "ACCESS EXCLUSIVE"}], [], []),
        5: ([{"table": "t_not_null", "mode": "ACCESS EXCLUSIVE"}], [], ["t_not_null"]),
        6: ([{"table": "t_index", "mode": "SHARE"}], [], ["t_index"]),
    }
    assert all(s["duration_ms"] > 0 and not s["disagreements"] for s in migration["statements"])
    assert statements_by_line(result)[2]["predicted"] == {"lock": "ACCESS EXCLUSIVE", "rewrites": True, "scans": True}
    # ACCESS EXCLUSIVE lasts from the statement that took it to the end of the migration's transaction
    holds = {hold["table"]: hold for hold in migration["access_exclusive"]}
    assert set(holds) == {"t_type", "t_volatile", "t_constant", "t_not_null"}
    durations = [s["duration_ms"] for s in migration["statements"]]
    assert holds["t_type"]["line"] == 2 and holds["t_type"]["held_ms"] == pytest.approx(sum(durations), abs=0.01)
    assert holds["t_not_null"]["held_ms"] == pytest.approx(sum(durations[3:]), abs=0.01)
    assert result.json["summary"] == {"migrations": 1, "statements": 5, "rewrites": 2, "access_exclusive": 4,
                                      "disagreements": 0, "failed": 0}

    text = project.run("trace")
    assert text.code == 0
    assert "line 2: ALTER TABLE t_type ALTER COLUMN n TYPE bigint" in text.stdout
    assert "locks ACCESS EXCLUSIVE on t_type · rewrote t_type · scanned t_type" in text.stdout
    assert "ACCESS EXCLUSIVE on t_type held" in text.stdout
    assert "5 statements: 2 rewrote a table, 4 ran under ACCESS EXCLUSIVE, 0 disagreements with the linter." in text.stdout
    assert pg_catalogue(engine) == before


def test_a_statement_runs_under_the_locks_its_transaction_already_holds(pg):
    engine, project = pg
    project.migration("20260101000002", "two", """
        ALTER TABLE t_index ADD COLUMN note text;
        CREATE INDEX t_index_email ON t_index (email);
        """, "SELECT 1;")

    result = project.run("trace", "--format", "json")

    statement = statements_by_line(result)[3]
    assert statement["locks"] == [{"table": "t_index", "mode": "SHARE"}] and statement["disagreements"] == []
    assert statement["held_before"] == [{"table": "t_index", "mode": "ACCESS EXCLUSIVE"}]
    assert statement["runs_under"] == "ACCESS EXCLUSIVE"  # the index build blocks reads too, in this migration


def test_create_index_and_create_index_concurrently_are_traced_on_a_scratch_database_dropped_at_the_end(pg):
    engine, project = pg
    project.migration("20260101000002", "plain_index", "CREATE INDEX t_index_n ON t_index (n);", "SELECT 1;")
    project.migration("20260101000003", "concurrent_index",
                      "CREATE INDEX CONCURRENTLY t_index_email ON t_index (email);", "SELECT 1;")
    before = pg_catalogue(engine)

    result = project.run("trace", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert pg_catalogue(engine) == before  # no index on the real database
    assert result.json["rolled_back"] is False
    scratch = re.match(r"on the scratch database (\S+), built from ", result.json["where"]).group(1)
    assert engine.query(f"SELECT datname FROM pg_database WHERE datname = '{scratch.rsplit('/', 1)[1]}'") == []
    assert "CREATE INDEX CONCURRENTLY cannot run in one" in result.json["where"]
    plain, concurrent = result.json["migrations"]
    assert plain["transaction"] is True and concurrent["transaction"] is False
    assert plain["statements"][0]["locks"] == [{"table": "t_index", "mode": "SHARE"}]
    assert concurrent["statements"][0]["locks"] == [{"table": "t_index", "mode": "SHARE UPDATE EXCLUSIVE"}]
    assert concurrent["statements"][0]["scanned"] == ["t_index"]
    assert concurrent["statements"][0]["disagreements"] == []
    assert "the applied migrations do not rebuild" not in " ".join(result.json["notes"])


def test_where_the_linter_cannot_know_the_old_type_the_trace_says_it_disagrees(pg):
    engine, project = pg
    project.migration("20260101000002", "copied", "CREATE TABLE notes AS SELECT email AS body FROM t_index;",
                      "DROP TABLE notes;")
    assert project.run("up").code == 0
    project.migration("20260101000003", "widen", "ALTER TABLE notes ALTER COLUMN body TYPE varchar(200);",
                      "SELECT 1;")

    result = project.run("trace", "--format", "json")

    [statement] = result.json["migrations"][0]["statements"]
    assert statement["predicted"]["rewrites"] is True  # the linter never saw notes.body's type
    assert statement["rewrote"] == []  # varchar widening: PostgreSQL keeps the file
    assert statement["disagreements"] == ["the linter predicts a table rewrite; none happened",
                                          "the linter predicts a full scan; trace saw none"]
    assert result.json["summary"]["disagreements"] == 2
    assert "differs from the linter: the linter predicts a table rewrite; none happened" in project.run("trace").stdout


def test_trace_on_a_named_scratch_database_and_of_named_files(pg, postgres_admin_url):
    engine, project = pg
    project.migration("20260101000002", "first", "ALTER TABLE t_type ADD COLUMN a integer;", "SELECT 1;")
    second = project.migration("20260101000003", "second", "ALTER TABLE t_type ALTER COLUMN a TYPE bigint;",
                               "SELECT 1;")
    before = pg_catalogue(engine)
    with new_database(postgres_admin_url) as scratch:
        result = project.run("trace", str(second.relative_to(project.root)), "--scratch-url", scratch, "--format",
                             "json")
        assert result.code == 0, result.stdout + result.stderr
        assert result.json["where"] == f"on the scratch database {scratch}"
        assert [m["version"] for m in result.json["migrations"]] == ["20260101000003"]  # the first ran, untraced
        assert Engine("postgres", scratch).query("SELECT count(*) FROM t_type") == [(ROWS,)]
        again = project.run("trace", "--scratch-url", scratch)
        assert again.code == 2 and "is not empty" in again.stderr
    assert pg_catalogue(engine) == before
    applied = project.run("trace", "db/migrations/20260101000001_tables.sql")
    assert applied.code == 2 and "is applied, not pending" in applied.stderr
    unknown = project.run("trace", "nowhere.sql")
    assert unknown.code == 2 and "is not a migration of db/migrations" in unknown.stderr


def test_a_failing_statement_is_reported_the_rest_not_traced_and_nothing_changed(pg):
    engine, project = pg
    project.migration("20260101000002", "broken", "ALTER TABLE t_type ADD COLUMN z integer;\n"
                                                  "ALTER TABLE missing ADD COLUMN z integer;", "SELECT 1;")
    project.migration("20260101000003", "after", "ALTER TABLE t_type ADD COLUMN y integer;", "SELECT 1;")
    before = pg_catalogue(engine)

    result = project.run("trace", "--format", "json")

    assert result.code == 1
    assert pg_catalogue(engine) == before
    [migration] = result.json["migrations"]
    assert 'relation "missing" does not exist' in migration["error"]
    assert [s["error"] is None for s in migration["statements"]] == [True, False]
    assert result.json["not_traced"] == ["20260101000003"]


def test_a_failure_in_an_untraced_earlier_migration_is_an_error_not_a_clean_trace(tmp_path, engine):
    project = Project(tmp_path / "project", engine.url)
    project.migration("20260101000001", "broken", "INSERT INTO missing VALUES (1);", "SELECT 1;")
    later = project.migration("20260101000002", "users", "CREATE TABLE users (id integer PRIMARY KEY);",
                              "DROP TABLE users;")

    result = project.run("trace", str(later), "--format", "json")

    assert result.code == 1
    assert result.json["error"]["message"].startswith(
        "20260101000001_broken, pending before the files to trace, failed at line 2: ")
    assert engine.tables() == set()


def test_trace_never_runs_on_a_protected_environment(tmp_path, engine):
    project = Project(tmp_path / "project", engine.url)
    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    project.migration("20260101000001", "users", "CREATE TABLE users (id integer PRIMARY KEY);", "DROP TABLE users;")

    result = project.run("trace", "--env", "production", "--format", "json", url=False)

    assert result.code == 4
    assert result.json["error"]["code"] == 4 and "protected" in result.json["error"]["message"]
    assert engine.tables() == set()


def test_nothing_pending_is_said_in_words(project):
    assert project.run("trace").stdout.strip() == "Nothing to trace: no migration is pending."


def test_sqlite_traces_on_a_copy_and_sees_the_rebuild(tmp_path, sqlite_url):
    project = Project(tmp_path / "project", sqlite_url)
    project.migration("20260101000001", "accounts", """
        CREATE TABLE accounts (id integer PRIMARY KEY, n integer, email text);
        INSERT INTO accounts (id, n, email) VALUES (1, 1, 'a'), (2, 2, 'b');
        """, "DROP TABLE accounts;")
    assert project.run("up").code == 0
    project.migration("20260101000002", "rebuild", """
        CREATE TABLE accounts_new (id integer PRIMARY KEY, n integer NOT NULL, email text);
        INSERT INTO accounts_new (id, n, email) SELECT id, n, email FROM accounts;
        DROP TABLE accounts;
        ALTER TABLE accounts_new RENAME TO accounts;
        ALTER TABLE accounts ADD COLUMN note text;
        """, "ALTER TABLE accounts DROP COLUMN note;")
    database = Path(sqlite_url.removeprefix("sqlite://"))
    before = hashlib.sha256(database.read_bytes()).hexdigest()

    result = project.run("trace", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before
    assert result.json["where"] == f"on a copy of {sqlite_url}"
    seen = {s["line"]: (s["rewrote"], s["rows"]) for s in result.json["migrations"][0]["statements"]}
    assert seen == {2: ([], None), 3: ([], 2), 4: ([], None), 5: (["accounts"], None), 6: ([], None)}
    assert any("SQLite locks the whole database file" in note for note in result.json["notes"])


@pytest.fixture
def maria(tmp_path, mysql_database):
    url, connection = mysql_database
    project = Project(tmp_path / "project", url)
    project.migration("20260101000001", "accounts", """
        CREATE TABLE accounts (id bigint PRIMARY KEY, n integer, email varchar(100));
        INSERT INTO accounts VALUES (1, 1, 'a'), (2, 2, 'b'), (3, 3, 'c');
        """, "DROP TABLE accounts;")
    assert project.run("up").code == 0
    return Engine("mysql", url), project


def test_mariadb_traces_on_a_scratch_database_it_creates_and_drops_and_tells_copy_from_inplace(maria):
    engine, project = maria
    project.migration("20260101000002", "alter", """
        ALTER TABLE accounts MODIFY n bigint, ALGORITHM=COPY;
        ALTER TABLE accounts ADD INDEX accounts_email (email), ALGORITHM=INPLACE, LOCK=NONE;
        ALTER TABLE accounts ADD COLUMN note text, ALGORITHM=INSTANT;
        """, "ALTER TABLE accounts DROP COLUMN note;")
    columns = "SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = DATABASE()"
    columns_before = engine.query(columns)

    result = project.run("trace", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    created = re.match(r"on the scratch database \S+/(\w+), copied from ", result.json["where"]).group(1)
    assert engine.query(f"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{created}'") == []
    assert engine.query(columns) == columns_before
    assert engine.query("SELECT index_name FROM information_schema.statistics WHERE table_schema = DATABASE()"
                        " AND index_name = 'accounts_email'") == []
    seen = {s["line"]: s["rewrote"] for s in result.json["migrations"][0]["statements"]}
    assert seen == {2: ["accounts"], 3: [], 4: []}
    assert result.json["migrations"][0]["statements"][0]["rows"] == 3  # the rows ALGORITHM=COPY copied
    performance_schema = engine.query("SELECT @@performance_schema")[0][0]
    notes = " ".join(result.json["notes"])
    if performance_schema:
        assert "releases its metadata locks as it ends" in notes
    else:
        assert "performance_schema is off on this server, so the metadata locks" in notes
    text = project.run("trace").stdout
    assert "rewrote accounts" in text
    assert f"note: {result.json['notes'][-1]}" in text


def test_plan_with_trace_url_shows_observed_locks_instead_of_predicted_ones(pg, postgres_admin_url):
    engine, project = pg
    project.migration("20260101000002", "two", """
        ALTER TABLE t_index ADD COLUMN note text;
        CREATE INDEX t_index_email ON t_index (email);
        """, "SELECT 1;")
    predicted = project.run("plan", "--format", "json")
    assert [s["lock_source"] for s in predicted.json["migrations"][0]["statements"]] == ["predicted", "predicted"]
    assert predicted.json["migrations"][0]["statements"][1]["lock"] == "SHARE"
    before = pg_catalogue(engine)
    with new_database(postgres_admin_url) as scratch:
        observed = project.run("plan", "--trace-url", scratch, "--format", "json")
        assert observed.code == 0, observed.stdout + observed.stderr
        statements = observed.json["migrations"][0]["statements"]
        assert [s["lock_source"] for s in statements] == ["observed", "observed"]
        # the index build runs under the ACCESS EXCLUSIVE the ADD COLUMN took in the same transaction
        assert [s["lock"] for s in statements] == ["ACCESS EXCLUSIVE", "ACCESS EXCLUSIVE"]
        assert statements[1]["impact"].startswith("scans 2.0k rows of `t_index` under ACCESS EXCLUSIVE")
        assert observed.json["traced"] == f"on the scratch database {scratch}"
    with new_database(postgres_admin_url) as scratch:
        markdown = project.run("plan", "--trace-url", scratch).stdout
    assert f"Locks, rewrites and scans are **observed**: `migrate trace` ran the migrations on the scratch database " \
           f"{scratch}." in markdown
    assert "under ACCESS EXCLUSIVE: writes and reads blocked until done (observed)" in markdown
    assert pg_catalogue(engine) == before
    goal = project.run("plan", "rename t_index.note to remark", "--trace-url", "postgresql://x/y")
    assert goal.code == 2 and "--trace-url traces the pending migrations" in goal.stderr
