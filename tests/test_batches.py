"""Batched statements (`-- migrate:batch size=N pause=D`): a big UPDATE or DELETE runs in key-ordered batches, one
transaction each with its position in the tracking table, so it holds no lock longer than one batch and a run
killed at any point resumes where it stopped, neither missing a row nor changing one twice.

Every engine: SQLite files, the PostgreSQL and the MariaDB of the test machine. The 200,000-row tests run while
another connection keeps inserting and updating, kill the run with SIGKILL half-way, resume it, and print the
longest time the other connection waited for a lock and the rows per second (pytest -s shows them)."""

import json
import random
import signal
import sqlite3
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import pytest

from conftest import Project
from dkmigrate.backfill import replica_throttle
from dkmigrate.errors import StatementFailed

ROWS = 200_000
ENGINE_NAMES = ["sqlite", "postgres", "mysql"]


@dataclass
class Database:
    name: str
    url: str

    def connect(self):
        """A new autocommit DB-API connection."""
        if self.name == "sqlite":
            return sqlite3.connect(self.url.removeprefix("sqlite://"), timeout=60, isolation_level=None,
                                   check_same_thread=False)
        if self.name == "mysql":
            import pymysql

            parts = urlsplit(self.url)
            return pymysql.connect(host=parts.hostname, port=parts.port or 3306, user=unquote(parts.username),
                                   password=unquote(parts.password or ""), database=parts.path.lstrip("/"),
                                   autocommit=True)
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def query(self, sql: str) -> list[tuple]:
        connection = self.connect()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            return list(cursor.fetchall()) if cursor.description else []
        finally:
            connection.close()

    def fill(self, rows: int) -> None:
        """items(id, price, hits, touched) with ids 1..rows, in one bulk statement."""
        key = {"sqlite": "integer PRIMARY KEY", "postgres": "bigint PRIMARY KEY", "mysql": "bigint PRIMARY KEY"}[self.name]
        self.query(f"CREATE TABLE items (id {key}, price integer NOT NULL, hits integer NOT NULL DEFAULT 0, "
                   "touched integer NOT NULL DEFAULT 0)")
        self.query({
            "sqlite": f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
                      "INSERT INTO items (id, price) SELECT i, i % 1000 FROM n",
            "postgres": f"INSERT INTO items (id, price) SELECT g, g % 1000 FROM generate_series(1, {rows}) g",
            "mysql": f"INSERT INTO items (id, price) SELECT seq, seq % 1000 FROM seq_1_to_{rows}",
        }[self.name])
        if self.name == "postgres":
            self.query("ANALYZE items")  # the estimate the progress and the dry run's plan read


@pytest.fixture(params=ENGINE_NAMES)
def database(request, tmp_path):
    if request.param == "mysql":
        url, _ = request.getfixturevalue("mysql_database")
        return Database("mysql", url)
    return Database(request.param, request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def batch_project(tmp_path, database):
    return Project(tmp_path / "project", database.url)


BACKFILL = """
    -- migrate:up
    -- migrate:batch size=5000 pause=20ms
    UPDATE items SET hits = hits + 1 WHERE id > 0;

    -- migrate:down
    -- migrate:batch size=5000
    UPDATE items SET hits = hits - 1 WHERE hits > 0;
"""


class Writer(threading.Thread):
    """Another application: updates random rows and inserts new ones until stopped, timing each statement."""

    def __init__(self, database: Database, rows: int):
        super().__init__(daemon=True)
        self.database, self.rows = database, rows
        self.stopped = threading.Event()
        self.touched: dict[int, int] = {}
        self.inserted = 0
        self.longest_wait = 0.0
        self.statements = 0
        self.error: Exception | None = None

    def run(self) -> None:
        connection = self.database.connect()
        cursor = connection.cursor()
        chance = random.Random(14)
        try:
            while not self.stopped.is_set():
                if self.statements % 5 == 4:
                    self.inserted += 1
                    sql = f"INSERT INTO items (id, price) VALUES ({self.rows + self.inserted}, 7)"
                else:
                    row = chance.randint(1, self.rows)
                    self.touched[row] = self.touched.get(row, 0) + 1
                    sql = f"UPDATE items SET touched = touched + 1 WHERE id = {row}"
                started = time.perf_counter()
                cursor.execute(sql)
                self.longest_wait = max(self.longest_wait, time.perf_counter() - started)
                self.statements += 1
                time.sleep(0.002)
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            connection.close()


def batch_position(database: Database, version: str) -> dict | None:
    rows = database.query(f"SELECT batch_position FROM schema_migrations WHERE version = '{version}'")
    return json.loads(rows[0][0]) if rows and rows[0][0] else None


def test_200k_rows_backfilled_under_concurrent_writes_killed_and_resumed_change_each_row_once(
        database, batch_project, record_property):
    database.fill(ROWS)
    batch_project.migration("002", "count_hits", *_sections(BACKFILL))
    writer = Writer(database, ROWS)
    writer.start()
    started = time.monotonic()
    process = batch_project.launch("up", wait=False)
    position = None
    while time.monotonic() - started < 40:
        assert process.poll() is None, f"the run ended before it was killed: {process.communicate()}"
        try:
            position = batch_position(database, "002")
        except Exception:  # the tracking table or its column does not exist yet
            position = None
        if position and position["rows"] >= ROWS * 0.3:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    killed_at = batch_position(database, "002")
    assert killed_at is not None and 0 < killed_at["rows"] < ROWS, killed_at

    status = batch_project.run("status", "--format", "json").json
    [entry] = [migration for migration in status["migrations"] if migration["version"] == "002"]
    assert entry["state"] == "dirty" and entry["batch_position"]["rows"] == killed_at["rows"]
    assert entry["batch_position"]["rows"] == killed_at["batches"] * 5000

    resumed = batch_project.run("up", "--format", "json")
    finished = time.monotonic()
    writer.stopped.set()
    writer.join(timeout=30)
    assert writer.error is None, writer.error
    assert resumed.code == 0, resumed.stderr
    [result] = resumed.json["migrations"]
    [outcome] = result["batches"]
    assert result["result"] == "applied" and outcome["resumed_after_rows"] == killed_at["rows"]
    assert outcome["rows"] >= ROWS and outcome["key"] == ["id"]
    assert "stopped while being applied in batches: continuing after 0 statement(s); statement 1 stopped after" \
        in resumed.stderr

    # Every row that existed is changed exactly once; rows the writer added during the run at most once; none of
    # the writer's updates is lost.
    assert database.query(f"SELECT count(*) FROM items WHERE id <= {ROWS} AND hits = 1")[0][0] == ROWS
    assert database.query("SELECT count(*) FROM items WHERE hits NOT IN (0, 1)")[0][0] == 0
    touched = dict(database.query("SELECT id, touched FROM items WHERE touched > 0"))
    assert touched == writer.touched
    assert database.query(f"SELECT count(*) FROM items WHERE id > {ROWS}")[0][0] == writer.inserted > 0
    assert batch_project.run("status", "--format", "json").json["summary"]["dirty"] == 0

    total = finished - started
    # One transaction for the whole UPDATE would hold its locks for the whole run; a batch holds them briefly.
    assert writer.longest_wait < total / 4, (writer.longest_wait, total)
    report = (f"{database.name}: {ROWS:,} rows in {outcome['batches']} batches, killed after {killed_at['rows']:,} "
              f"rows and resumed; {outcome['rows_per_second']:,.0f} rows/s when resumed; the concurrent writer ran "
              f"{writer.statements:,} statements and waited at most {writer.longest_wait * 1000:.0f} ms for a lock "
              f"(whole run {total:.1f} s)")
    print(report)
    record_property("batches", report)


def test_sigterm_stops_between_batches_and_up_continues(database, batch_project):
    database.fill(20_000)
    batch_project.migration("002", "count_hits", "-- migrate:batch size=1000 pause=100ms\n"
                                                 "UPDATE items SET hits = hits + 1 WHERE id > 0;")
    process = batch_project.launch("up", "--format", "json", wait=False)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            position = batch_position(database, "002")
        except Exception:  # the tracking table or its column does not exist yet
            position = None
        if position and position["rows"] >= 3000:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "interrupted by SIGTERM while applying 002_count_hits" in stderr
    assert "hint: `migrate up` continues it where it stopped, once the cause is fixed" in stderr
    assert json.loads(stdout)["error"]["signal"] == "SIGTERM"
    stopped = batch_position(database, "002")
    assert database.query("SELECT count(*) FROM items WHERE hits = 1")[0][0] == stopped["rows"] < 20_000
    resumed = batch_project.run("up")
    assert resumed.code == 0, resumed.stderr
    assert f"resumed after {stopped['rows']:,} rows" in resumed.stdout
    assert database.query("SELECT count(*) FROM items WHERE hits = 1")[0][0] == 20_000


def test_down_runs_its_batched_statement_the_same_way(database, batch_project):
    database.fill(12_345)
    batch_project.migration("002", "count_hits", *_sections(BACKFILL))
    assert batch_project.run("up").code == 0
    down = batch_project.run("down", "--format", "json")
    assert down.code == 0, down.stderr
    [outcome] = down.json["migrations"][0]["batches"]
    assert (outcome["rows"], outcome["changed"], outcome["batches"]) == (12_345, 12_345, 3)
    assert database.query("SELECT count(*) FROM items WHERE hits <> 0")[0][0] == 0
    assert batch_project.run("status", "--format", "json").json["summary"]["pending"] == 1


def test_a_composite_key_is_walked_in_order_each_row_once(database, batch_project):
    database.query("CREATE TABLE pairs (a integer NOT NULL, b varchar(10) NOT NULL, hits integer NOT NULL DEFAULT 0, "
                   "PRIMARY KEY (a, b))")
    values = ", ".join(f"({a}, '{b}')" for a in range(1, 21) for b in ("x", "y", "z", "it''s"))
    database.query(f"INSERT INTO pairs (a, b) VALUES {values}")
    batch_project.migration("001", "count", "-- migrate:batch size=7\nUPDATE pairs SET hits = hits + 1 WHERE a > 0;",
                            "-- migrate:batch size=7\nDELETE FROM pairs WHERE a % 2 = 0;")
    up = batch_project.run("up", "--format", "json")
    assert up.code == 0, up.stderr
    [outcome] = up.json["migrations"][0]["batches"]
    assert (outcome["rows"], outcome["changed"], outcome["batches"], outcome["key"]) == (80, 80, 12, ["a", "b"])
    assert database.query("SELECT count(*) FROM pairs WHERE hits = 1")[0][0] == 80
    down = batch_project.run("down", "--format", "json")
    assert down.code == 0, down.stderr
    assert database.query("SELECT count(*), min(a % 2) FROM pairs")[0] == (40, 1)


def test_a_unique_not_null_key_serves_when_there_is_no_primary_key(database, batch_project):
    database.query("CREATE TABLE codes (code varchar(20) NOT NULL, used integer NOT NULL DEFAULT 0)")
    database.query("CREATE UNIQUE INDEX codes_code ON codes (code)")
    database.query("INSERT INTO codes (code) VALUES " + ", ".join(f"('c{n:03d}')" for n in range(50)))
    batch_project.migration("001", "use", "-- migrate:batch size=20\nUPDATE codes SET used = used + 1 WHERE code <> '';")
    up = batch_project.run("up", "--format", "json")
    assert up.code == 0, up.stderr
    [outcome] = up.json["migrations"][0]["batches"]
    assert (outcome["key"], outcome["batches"], outcome["changed"]) == (["code"], 3, 50)
    assert database.query("SELECT count(*) FROM codes WHERE used = 1")[0][0] == 50


@pytest.mark.parametrize("table, index", [
    ("CREATE TABLE notes (body varchar(20), n integer)", None),
    ("CREATE TABLE notes (body varchar(20), n integer)", "CREATE UNIQUE INDEX notes_body ON notes (body)"),
])
def test_a_table_without_a_key_is_refused_before_anything_runs(database, batch_project, table, index):
    database.query(table)
    if index:
        database.query(index)  # unique, but its column may be NULL
    database.query("INSERT INTO notes VALUES ('a', 1)")
    batch_project.migration("001", "first", "CREATE TABLE marker (id integer PRIMARY KEY);")
    batch_project.migration("002", "fill", "-- migrate:batch size=10\nUPDATE notes SET n = n + 1 WHERE n > 0;")
    result = batch_project.run("up")
    assert result.code == 2
    assert ("002_fill.sql:3: a batched UPDATE walks its table by a key, and notes has no primary key and no unique "
            "key of NOT NULL columns") in result.stderr
    assert "Traceback" not in result.stderr
    assert "marker" not in {row[0].lower() for row in database.query(_TABLES[database.name])}
    assert database.query("SELECT n FROM notes") == [(1,)]


def test_an_update_of_the_key_it_walks_is_refused(database, batch_project):
    database.fill(10)
    batch_project.migration("001", "shift", "-- migrate:batch size=3\nUPDATE items SET id = id + 100 WHERE id > 0;")
    result = batch_project.run("up")
    assert result.code == 2
    assert "001_shift.sql:3: a batched UPDATE cannot change id, the primary key it walks items by" in result.stderr
    assert database.query("SELECT max(id) FROM items") == [(10,)]


def test_dry_run_shows_the_keyset_statements_and_the_plan_of_batches(database, batch_project):
    database.fill(12_000)
    batch_project.migration("002", "count_hits", *_sections(BACKFILL))
    result = batch_project.run("up", "--dry-run")
    assert result.code == 0, result.stderr
    script = result.stdout
    quote = "`" if database.name == "mysql" else '"'
    key = f"items.{quote}id{quote}"
    assert ("-- batched (002_count_hits.sql:2): UPDATE items in batches of 5000 rows, 20 ms apart, walked by its "
            "primary key (id), each batch one transaction with its position in the tracking table") in script
    assert "-- about 12000 rows in the table: 3 batches" in script
    assert f"-- SELECT {key} FROM items WHERE {key} > :last_id ORDER BY {key} LIMIT 5000;" in script
    assert (f"-- UPDATE items SET hits = hits + 1\n-- WHERE (id > 0)\n--   AND {key} > :last_id AND {key} <= :bound_id;"
            in script)
    assert database.query("SELECT count(*) FROM items WHERE hits <> 0") == [(0,)]
    planned = batch_project.run("up", "--dry-run", "--format", "json").json["migrations"][0]["batches"]
    assert planned == [{"line": 3, "table": "items", "key": ["id"], "size": 5000, "estimated_rows": 12000,
                        "estimated_batches": 3}]


def test_a_composite_key_range_is_written_as_the_engine_reads_it_best(database, batch_project):
    database.query("CREATE TABLE pairs (a integer NOT NULL, b integer NOT NULL, PRIMARY KEY (a, b))")
    batch_project.migration("001", "drop_some", "-- migrate:batch size=100\nDELETE FROM pairs WHERE b > 5;")
    script = batch_project.run("up", "--dry-run").stdout
    q = "`" if database.name == "mysql" else '"'
    a, b = f"pairs.{q}a{q}", f"pairs.{q}b{q}"
    if database.name == "mysql":  # MariaDB does not walk an index by a row comparison: spelled out, led by a range
        expected = f"{a} >= :last_a AND ({a} > :last_a OR ({a} = :last_a AND {b} > :last_b))"
    else:
        expected = f"({a}, {b}) > (:last_a, :last_b)"
    assert f"-- SELECT {a}, {b} FROM pairs WHERE {expected} ORDER BY {a}, {b} LIMIT 100;" in script


_TABLES = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table'",
           "postgres": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
           "mysql": "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"}


def _sections(text: str) -> tuple[str, str]:
    import textwrap

    up, down = textwrap.dedent(text).split("-- migrate:down")
    return up.replace("-- migrate:up", "").strip(), down.strip()


# --- what is refused before anything runs (no database needed beyond SQLite) ------------------------------------

@pytest.mark.parametrize("section, message", [
    ("-- migrate:batch size=0\nUPDATE t SET a = 1 WHERE a = 0;",
     "001_bad.sql:2: `-- migrate:batch`: size must be a number of rows from 1 to 1,000,000, not '0'"),
    ("-- migrate:batch size=10 every=2s\nUPDATE t SET a = 1 WHERE a = 0;",
     "001_bad.sql:2: `-- migrate:batch` knows size= and pause=, not 'every=2s'"),
    ("-- migrate:batch pause=soon\nUPDATE t SET a = 1 WHERE a = 0;",
     "001_bad.sql:2: `-- migrate:batch`: pause must be a duration such as 100ms, 2s or 0, not 'soon'"),
    ("-- migrate:batch size=10\nCREATE INDEX t_a ON t (a);",
     "001_bad.sql:2: `-- migrate:batch` batches an UPDATE ... WHERE or a DELETE ... WHERE, not CREATE INDEX (line 3)"),
    ("-- migrate:batch size=10\nUPDATE t SET a = 1;",
     "001_bad.sql:3: a batched UPDATE needs a WHERE (write WHERE true to change every row)"),
    ("BEGIN;\n-- migrate:batch size=10\nUPDATE t SET a = 1 WHERE a = 0;\nCOMMIT;",
     "001_bad.sql:3: a batched statement commits each batch, so it cannot run inside the transaction opened on line 2"),
    ("UPDATE t SET a = 2 WHERE a = 1;\n-- migrate:batch size=10",
     "001_bad.sql:3: `-- migrate:batch` must be on the line before the UPDATE ... WHERE or DELETE ... WHERE it batches"),
    ("-- migrate:batch size=10\nDELETE FROM t USING u WHERE t.a = u.a;",
     "001_bad.sql:3: a batched DELETE changes one table: DELETE FROM table WHERE ... (no join, no second table)"),
    ("-- migrate:batch size=10\nUPDATE t SET a = 1 FROM u WHERE t.a = u.a;",
     "001_bad.sql:3: a batched UPDATE cannot have an UPDATE ... FROM (a join): the batches walk one table by its key"),
])
def test_a_bad_directive_is_refused_with_its_line_before_anything_runs(sqlite_project, section, message):
    sqlite_project.migration("000", "first", "CREATE TABLE t (a integer PRIMARY KEY);")
    sqlite_project.migration("001", "bad", section)
    for command in (("up",), ("lint",), ("up", "--dry-run")):
        result = sqlite_project.run(*command)
        assert result.code == 2, (command, result.stderr)
        assert result.stderr.splitlines()[0] == f"error: {message}", command
    assert sqlite_project.run("status", "--format", "json").json["summary"]["applied"] == 0


def test_a_killed_run_left_dirty_is_repaired_like_any_other(sqlite_project, sqlite_url):
    database = Database("sqlite", sqlite_url)
    database.fill(30)
    sqlite_project.migration("001", "count", "-- migrate:batch size=10\nUPDATE items SET hits = hits + 1 WHERE id > 0;")
    # The state a SIGKILL after the second batch leaves (the 200k-row tests kill real runs).
    sqlite_project.run("up")
    database.query("UPDATE schema_migrations SET state = 'applying', progress = 0, batch_position = "
                   "'{\"statement\":1,\"after\":[\"20\"],\"rows\":20,\"changed\":20,\"batches\":2,\"seconds\":0.1}'")
    status = sqlite_project.run("status")
    assert ("stopped while applying, after 0 statement(s); statement 1 stopped after 20 rows in 2 batches "
            "(`migrate up` continues it)") in status.stdout
    assert sqlite_project.run("down").code == 2  # it stopped while being applied: `up` finishes it first
    assert sqlite_project.run("repair", "001", "--applied").code == 0
    assert database.query("SELECT state, progress, batch_position FROM schema_migrations") == [("applied", None, None)]


def test_an_edited_file_is_not_resumed(sqlite_project, sqlite_url):
    database = Database("sqlite", sqlite_url)
    database.fill(30)
    sqlite_project.migration("001", "count", "-- migrate:batch size=10\nUPDATE items SET hits = hits + 1 WHERE id > 0;")
    sqlite_project.run("up")
    database.query("UPDATE schema_migrations SET state = 'applying', progress = 0")
    sqlite_project.migration("001", "count", "-- migrate:batch size=10\nUPDATE items SET hits = hits + 2 WHERE id > 0;")
    result = sqlite_project.run("up")
    assert result.code == 2
    assert "001_count stopped while being applied in batches, and its file was edited since" in result.stderr


def test_a_lagging_replica_pauses_the_batches_and_says_so():
    """The pause itself (a replica cannot be made to lag on the test machine): lag readings 30, 12, 3 against a
    limit of 10 wait twice, then go on."""
    readings, waits, sleeps = [30.0, 12.0, 3.0], [], []

    class Stop:
        requested = False

    pause = replica_throttle(lambda: readings.pop(0), 10.0, Stop(), lambda lag, limit: waits.append((lag, limit)),
                             sleep=sleeps.append)
    pause()
    assert waits == [(30.0, 10.0), (12.0, 10.0)] and len(sleeps) == 2 and not readings
    assert replica_throttle(lambda: 99.0, None, Stop(), lambda lag, limit: None)() is None

    def unreadable():
        raise StatementFailed("permission denied for view pg_stat_replication")

    told = []
    pause = replica_throttle(unreadable, 10.0, Stop(), lambda lag, limit: None, told.append, sleep=sleeps.append)
    pause()
    assert told == ["permission denied for view pg_stat_replication"] and len(sleeps) == 2


def test_max_replica_lag_reads_the_servers_replicas_before_each_batch(database, batch_project):
    """Configured, the lag is read from the server (pg_stat_replication, SHOW REPLICA STATUS); with no replica
    lagging, the batches go on."""
    database.fill(100)
    (batch_project.root / "migrate.yaml").write_text(
        f"environments:\n  development:\n    url: {database.url}\n    max_replica_lag: 10s\n", encoding="utf-8")
    batch_project.migration("001", "count", "-- migrate:batch size=30\nUPDATE items SET hits = hits + 1 WHERE id > 0;")
    result = batch_project.run("up", url=False)
    assert result.code == 0, result.stderr
    assert "pausing the batches" not in result.stderr
    assert database.query("SELECT count(*) FROM items WHERE hits = 1") == [(100,)]


def test_progress_is_a_plain_line_without_a_terminal_and_the_result_sums_it_up(sqlite_project, sqlite_url):
    Database("sqlite", sqlite_url).fill(12_345)
    sqlite_project.migration("001", "count", "-- migrate:batch size=5000\nUPDATE items SET hits = hits + 1 WHERE id > 0;")
    result = sqlite_project.run("up")
    assert result.code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("001_count line 3: 5,000 of ~12,345 rows, 5,000 changed, 1 batch  ")
    assert lines[-1].startswith("001_count line 3: 12,345 rows, 12,345 changed, 3 batches  ")
    assert lines[-1].endswith("rows/s  done") and "\r" not in result.stderr
    assert "  batched items (line 3, by id): 12,345 rows in 3 batches, 12,345 changed, " in result.stdout


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)  # the engines verify reads the schema of
def test_verify_runs_a_batched_migration_up_down_and_up(database, batch_project):
    database.fill(2_500)
    batch_project.migration("002", "count_hits", *_sections(BACKFILL))
    result = batch_project.run("verify", "--format", "json")
    assert result.code == 0, result.stderr
    assert [(m["version"], m["reversible"]) for m in result.json["migrations"]] == [("002", True)]
