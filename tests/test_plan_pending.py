"""`migrate plan` without a goal: the pending migrations with each statement's lint findings, risk, lock and
consequence on the live table, their transaction mode, the rollback plan in the order `down` would run it,
and the checklist."""

from conftest import Engine, Project


def shop(project: Project) -> None:
    project.migration("1", "create_orders", "CREATE TABLE orders (id integer PRIMARY KEY, total integer);",
                      "DROP TABLE orders;")
    project.migration("2", "add_note", "ALTER TABLE orders ADD COLUMN note text;",
                      "ALTER TABLE orders DROP COLUMN note;")
    project.migration("3", "drop_total", "ALTER TABLE orders DROP COLUMN total;", None)
    project.migration("4", "index_note", "CREATE INDEX orders_note_idx ON orders (note);",
                      "DROP INDEX orders_note_idx;")


def test_pending_migrations_in_order_with_sizes_and_transaction_mode(project, engine):
    shop(project)
    assert project.run("up", "--steps", "1").code == 0
    values = ", ".join(f"({i}, {i})" for i in range(1, 301))
    engine.query(f"INSERT INTO orders (id, total) VALUES {values}")
    result = project.run("plan", "--format", "json")
    assert result.code == 0, result.stderr
    plan = result.json
    assert (plan["kind"], plan["goal"], plan["pattern"], plan["phases"]) == ("database", None, None, [])
    assert [(m["version"], m["name"], m["transaction"], m["has_down"]) for m in plan["migrations"]] == [
        ("2", "add_note", True, True), ("3", "drop_total", True, False), ("4", "index_note", True, True)]
    note = plan["migrations"][0]["statements"][0]
    assert (note["line"], note["sql"], note["tables"]) == (2, "ALTER TABLE orders ADD COLUMN note text", ["orders"])
    drop = plan["migrations"][1]
    assert drop["risk"] == "caution" and [f["rule"] for f in drop["findings"]] == ["missing-down"]
    assert "drop-column" in [f["rule"] for f in drop["statements"][0]["findings"]]
    if engine.name == "postgres":
        assert (note["risk"], note["lock"], note["rewrites"]) == ("caution", "ACCESS EXCLUSIVE", False)
        assert note["impact"] == ("takes ACCESS EXCLUSIVE on `orders` (300 rows) for a moment, no rewrite or scan; "
                                  "while it waits for running queries, every new query on the table queues behind it")
        index = plan["migrations"][2]["statements"][0]
        assert (index["risk"], index["lock"], index["scans"]) == ("caution", "SHARE", True)
        assert [f["rule"] for f in index["findings"]] == ["add-index-not-concurrently"]
        assert index["impact"] == "scans 300 rows of `orders` under SHARE: writes blocked until done, reads go on"
    else:
        assert note["impact"].startswith("touches `orders` (300 rows) under SQLite's database-wide write lock")
    (orders,) = plan["live"]["tables"]
    assert (orders["table"], orders["rows"]) == ("orders", 300)
    text = project.run("plan").stdout
    assert text.startswith("# Migration plan: 3 pending migrations\n")
    assert ("## 2. 3_drop_total - Caution\n\n`db/migrations/3_drop_total.sql` · runs in one transaction · "
            "**no down section**") in text
    assert "- **Caution** `missing-down`: this migration has no down section" in text
    assert "- `orders`: 300 rows" in text


def test_the_rollback_plan_runs_the_downs_last_applied_first_and_names_the_point_of_no_return(project, engine):
    shop(project)
    assert project.run("up", "--steps", "1").code == 0
    rollback = project.run("plan", "--rollback-plan", "--format", "json").json["rollback_plan"]
    assert [(s["label"], s["has_down"]) for s in rollback["steps"]] == [
        ("4_index_note", True), ("3_drop_total", False), ("2_add_note", True)]
    assert rollback["steps"][0]["sql"] == ["DROP INDEX orders_note_idx"]
    assert rollback["steps"][1]["loses_data"] == ("no down section: the tool cannot roll it back; "
                                                  "the up removes the values of orders.total")
    assert rollback["steps"][2]["loses_data"] == "the down drops note: what was written to it since is lost"
    assert rollback["point_of_no_return"].startswith("3_drop_total: once it is applied")
    assert rollback["command"] == "migrate down --to 1"
    assert "`down` refuses to start" in rollback["notes"][0]


def test_with_nothing_applied_the_command_counts_steps_and_a_missing_database_is_not_created(tmp_path):
    project = Project(tmp_path / "project", f"sqlite://{tmp_path / 'new.sqlite3'}")
    project.migration("1", "create_orders", "CREATE TABLE orders (id integer PRIMARY KEY);", "DROP TABLE orders;")
    result = project.run("plan", "--rollback-plan", "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json["rollback_plan"]["command"] == "migrate down --steps 1"
    assert result.json["live"]["available"] is False and "does not exist yet" in result.json["live"]["reason"]
    assert not (tmp_path / "new.sqlite3").exists()
    text = project.run("plan").stdout
    assert "Nothing is pending" not in text and "> No live facts:" in text


def test_lock_timeout_is_checked_for_statements_locking_existing_tables(postgres_url, tmp_path):
    project = Project(tmp_path / "project", postgres_url)
    Engine("postgres", postgres_url).query("CREATE TABLE orders (id integer PRIMARY KEY, total integer)")
    project.migration("1", "guarded", "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN a text;", "")
    assert _lock_timeout(project)["status"] == "ok"
    project.migration("2", "unguarded", "ALTER TABLE orders ADD COLUMN b text;", "")
    item = _lock_timeout(project)
    assert item["status"] == "fail" and "2_unguarded line 2" in item["detail"]
    assert "1_guarded" not in item["detail"] and "the server's default lock_timeout is 0" in item["detail"]
    (project.root / "migrate.yaml").write_text("lint:\n  disable: [missing-lock-timeout]\n")
    assert _lock_timeout(project)["status"] == "manual"


def _lock_timeout(project: Project) -> dict:
    plan = project.run("plan", "--format", "json").json
    return next(item for item in plan["checklist"] if item["item"] == "lock_timeout set for risky statements")


def test_nothing_pending_and_goal_options_without_a_goal(sqlite_project):
    sqlite_project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    sqlite_project.run("up")
    assert "Nothing is pending: the database is up to date." in sqlite_project.run("plan").stdout
    refused = sqlite_project.run("plan", "--table", "users")
    assert refused.code == 2 and "--table needs a goal" in refused.stderr


def test_a_table_rewrite_is_said_in_plain_words_with_the_live_size(postgres_url, tmp_path):
    engine = Engine("postgres", postgres_url)
    engine.query("CREATE TABLE orders (id integer PRIMARY KEY, total integer)")
    engine.query("INSERT INTO orders SELECT i, i FROM generate_series(1, 12000) i")
    engine.query("ANALYZE orders")
    project = Project(tmp_path / "project", postgres_url)
    project.migration("1", "widen_total", "SET lock_timeout = '5s';\nALTER TABLE orders ALTER COLUMN total TYPE bigint;",
                      "ALTER TABLE orders ALTER COLUMN total TYPE integer;")
    plan = project.run("plan", "--format", "json").json
    (migration,) = plan["migrations"]
    statement = migration["statements"][1]
    assert (migration["risk"], statement["risk"], statement["rewrites"]) == ("risky", "risky", True)
    assert statement["impact"] == "rewrites ~12k rows of `orders` under ACCESS EXCLUSIVE: writes and reads blocked until done"
    assert "change-column-type" in [finding["rule"] for finding in statement["findings"]]
    text = project.run("plan").stdout
    assert "## 1. 1_widen_total - Risky" in text
    assert "- **Risky**: rewrites ~12k rows of `orders` under ACCESS EXCLUSIVE: writes and reads blocked until done" in text


def test_a_down_that_refills_what_the_up_dropped_is_no_point_of_no_return_and_a_round_trip_proves_it(project, engine):
    project.migration("1", "create_orders", "CREATE TABLE orders (id integer PRIMARY KEY, note text, code text);",
                      "DROP TABLE orders;")
    project.migration("2", "archive_note", "CREATE TABLE orders_note_archive AS SELECT id, note FROM orders;",
                      "DROP TABLE orders_note_archive;")
    project.migration("3", "drop_note", "ALTER TABLE orders DROP COLUMN note;",
                      "ALTER TABLE orders ADD COLUMN note text;\n"
                      "UPDATE orders SET note = a.note FROM orders_note_archive AS a WHERE a.id = orders.id;")
    project.migration("4", "drop_code", "ALTER TABLE orders DROP COLUMN code;", "ALTER TABLE orders ADD COLUMN code text;")
    assert project.run("up", "--steps", "1").code == 0
    engine.query("INSERT INTO orders (id, note, code) VALUES (1, 'gift', 'A'), (2, NULL, 'B')")
    rollback = project.run("plan", "--rollback-plan", "--format", "json").json["rollback_plan"]
    assert [(step["label"], step["loses_data"]) for step in rollback["steps"]] == [
        ("4_drop_code", "the up removes the values of orders.code, which the down does not bring back"),
        ("3_drop_note", None), ("2_archive_note", None)]
    assert rollback["point_of_no_return"].startswith("4_drop_code: once it is applied")

    assert project.run("up", "--steps", "2").code == 0 and project.run("down", "--steps", "2").code == 0
    assert engine.query("SELECT id, note FROM orders ORDER BY id") == [(1, "gift"), (2, None)]
    assert project.run("up").code == 0 and project.run("down").code == 0
    assert engine.query("SELECT id, code FROM orders ORDER BY id") == [(1, None), (2, None)]  # as the plan said


def test_notes_name_a_statement_by_its_kind_never_by_a_cut_of_its_text(tmp_path, postgres_url):
    project = Project(tmp_path / "project", postgres_url)
    project.migration("1", "create_orders", "CREATE TABLE orders (id integer PRIMARY KEY, total integer);",
                      "DROP TABLE orders;")
    project.migration("2", "backfill", """
        DO $$
        DECLARE
            updated integer;
        BEGIN
            LOOP
                UPDATE orders SET total = 0 WHERE id IN (SELECT id FROM orders WHERE total IS NULL LIMIT 100);
                GET DIAGNOSTICS updated = ROW_COUNT;
                EXIT WHEN updated = 0;
                COMMIT;
            END LOOP;
        END
        $$;""", "SELECT 1;")
    project.migration("3", "index_total", "CREATE INDEX CONCURRENTLY orders_total_idx ON orders (total);",
                      "DROP INDEX CONCURRENTLY orders_total_idx;")
    plan = project.run("plan", "--format", "json").json
    assert [m["transaction_reason"] for m in plan["migrations"]] == [
        None, "a DO block that commits cannot run in one", "CREATE INDEX CONCURRENTLY cannot run in one"]
    text = project.run("plan").stdout
    assert "runs outside a transaction (a DO block that commits cannot run in one)" in text


def test_names_are_read_once_so_any_quoting_the_engine_accepts_plans(sqlite_project):
    """The plan takes each table from the linter's parse: SQLite's [brackets] and `back ticks` plan like any name."""
    project = sqlite_project
    project.migration("1", "create_users", "CREATE TABLE [users] (id integer PRIMARY KEY, email text);",
                      "DROP TABLE [users];")
    project.migration("2", "add_note", "ALTER TABLE [users] ADD COLUMN note text;", "ALTER TABLE users DROP COLUMN note;")
    assert project.run("up", "--steps", "1").code == 0
    result = project.run("plan", "--format", "json")
    assert result.code == 0, result.stderr
    [statement] = result.json["migrations"][0]["statements"]
    assert statement["tables"] == ["[users]"]
    assert statement["impact"].startswith("touches `[users]` (0 rows)")  # the live table was found
