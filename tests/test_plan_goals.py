"""`migrate plan "GOAL"`: the goal's kind and pattern, the names it gives, the seed's examples, both formats,
and names that can never become SQL of their own."""

import pytest

from conftest import Project
from dkmigrate.lint.parser import parse
from dkmigrate.plan.identifiers import Name, TableName, parse_column_ref, parse_names, parse_table, parse_type, quote
from dkmigrate.errors import UsageError

# Planned against a SQLite file that does not exist: no live facts, so the plan rests on the goal's words.
GOALS = [
    ("rename users.email to email_address", "rename-column"),
    ("rename column email in users to email_address", "rename-column"),
    ("rename table users to accounts", "rename-table"),
    ("rename the users table to accounts", "rename-table"),
    ("change orders.total to numeric(12,2)", "change-column-type"),
    ("change the type of orders.total to bigint", "change-column-type"),
    ("split users table into user_profiles moving bio, avatar", "split-table"),
    ("split users table", "split-table"),
    ("move users.phone to contacts", "move-columns"),
    ("move column phone from users to contacts", "move-columns"),
    ("merge user_profiles into users", "merge-tables"),
    ("add not null column orders.status text default 'new'", "add-not-null-column"),
    ("add a not null column to a large table", "add-not-null-column"),
    ("add foreign key orders.customer_id references customers.id", "add-foreign-key"),
    ("add unique constraint on users.email", "add-unique-constraint"),
    ("make users.email unique", "add-unique-constraint"),
    ("drop column users.legacy_flag", "drop-column"),
    ("drop legacy_flag from users", "drop-column"),
    ("drop table audit_old", "drop-table"),
]


@pytest.fixture
def offline(tmp_path) -> Project:
    return Project(tmp_path / "project", f"sqlite://{tmp_path / 'absent.sqlite3'}")


@pytest.fixture
def offline_postgres(tmp_path) -> Project:
    """PostgreSQL SQL without a server: the URL's port has nothing listening."""
    return Project(tmp_path / "project", "postgres://app:s3cret-pass@127.0.0.1:9/shop?connect_timeout=1")


@pytest.mark.parametrize("goal, pattern", GOALS)
def test_each_database_pattern_is_recognised_from_the_goals_words(offline, goal, pattern):
    result = offline.run("plan", goal, "--format", "json")
    assert result.code == 0, result.stderr
    plan = result.json
    assert (plan["kind"], plan["pattern"], plan["goal"]) == ("database", pattern, goal)
    names = [phase["name"] for phase in plan["phases"]]
    assert "deploy" in names and ("expand" in names or "migrate" in names)
    assert all(phase["steps"] and phase["rollback"] for phase in plan["phases"])


def test_a_rename_plan_has_the_seeds_phases_with_sql_verification_and_rollback(offline_postgres):
    plan = offline_postgres.run("plan", "rename users.email to email_address", "--type", "text", "--format", "json").json
    assert [p["name"] for p in plan["phases"]] == ["expand", "migrate", "deploy", "contract"]
    expand, migrate, deploy, contract = plan["phases"]
    assert "SET LOCAL lock_timeout = '5s'" in expand["sql"]
    assert "ALTER TABLE users ADD COLUMN email_address text" in expand["sql"]
    assert any("CREATE TRIGGER users_email_address_sync BEFORE INSERT OR UPDATE ON users" in s for s in expand["sql"])
    assert "ALTER TABLE users DROP COLUMN email_address" in expand["rollback"]
    assert migrate["transaction"] is False and migrate["sql"][:2] == [  # the runner batches it, resumable
        "-- migrate:batch size=5000",
        "UPDATE users SET email_address = email WHERE email_address IS NULL AND email IS NOT NULL"]
    assert migrate["verify"][0] == ("SELECT email, email_address FROM users WHERE email_address IS DISTINCT FROM email "
                                    "LIMIT 10")
    assert deploy["sql"] == [] and "email_address" in deploy["steps"][0]
    assert "ALTER TABLE users DROP COLUMN email" in contract["sql"]
    assert [m["name"] for m in plan["migrations"]] == [f"rename_users_email_to_email_address_{n}" for n in
                                                       ("1_expand", "2_migrate", "3_contract")]
    assert plan["migrations"][0]["down"].endswith("ALTER TABLE users DROP COLUMN email_address;")
    assert plan["live"]["available"] is False and "could not be read" in plan["live"]["reason"]
    assert "s3cret-pass" not in offline_postgres.run("plan", "rename users.email to x", "--type", "text").stdout


def test_the_seeds_three_examples(offline):
    split = offline.run("plan", "split users table", "--rollback-plan", "--format", "json")
    assert split.code == 0, split.stderr
    assert split.json["pattern"] == "split-table" and split.json["rollback_plan"]["steps"]
    assert any("columns to move" in item for item in split.json["fill_in"])
    expand_sql = "\n".join(split.json["phases"][0]["sql"])
    assert "CREATE TABLE <new table> (" in expand_sql
    # A name made from an unknown one stays visibly unknown; none is quoted as if it were a real name.
    assert "CREATE TRIGGER users_<new table>_sync_insert AFTER INSERT ON users" in expand_sql
    assert "PRIMARY KEY (user_<primary key of users>)" in expand_sql
    assert '"' not in expand_sql
    assert "<type of users.<primary key of users>>" in expand_sql

    api = offline.run("plan", "deprecate v1 endpoints", "--rollback-plan", "--format", "json")
    assert api.code == 0, api.stderr
    plan = api.json
    assert (plan["kind"], plan["pattern"]) == ("api", "api-deprecation")
    assert [p["name"] for p in plan["phases"]] == ["inventory", "announce", "dual-run", "monitor", "brownout", "removal"]
    assert any("Deprecation:" in step and "Sunset:" in step for step in plan["phases"][1]["steps"])
    assert all(p["verify"] and p["rollback"] for p in plan["phases"]) and plan["fill_in"]
    assert [s["label"].split(":")[0] for s in plan["rollback_plan"]["steps"]][0] == "removal"

    infra = offline.run("plan", "move to kubernetes", "--dry-run")
    assert infra.code == 0, infra.stderr
    text = infra.stdout
    assert text.startswith("# Migration plan: move to kubernetes\n")
    for phase in ("INVENTORY", "PREPARATION", "DATA-SYNC", "PARALLEL-RUN", "CANARY", "CUTOVER", "DECOMMISSION"):
        assert f": {phase} - " in text
    assert "## To fill in from the project" in text and "## Pre-migration checklist" in text


def test_the_kind_comes_from_the_words_or_from_kind(offline):
    assert offline.run("plan", "move the billing api to aws", "--format", "json").json["kind"] == "infrastructure"
    assert offline.run("plan", "retire the v2 webhooks", "--format", "json").json["kind"] == "api"
    forced = offline.run("plan", "rename users.email to x", "--kind", "api", "--format", "json").json
    assert (forced["kind"], forced["pattern"]) == ("api", "api-deprecation")


def test_an_unrecognised_goal_gets_the_general_plan_and_says_so(offline):
    database = offline.run("plan", "shard the orders table", "--format", "json").json
    assert (database["kind"], database["pattern"]) == ("database", None)
    assert "did not recognise" in database["summary"]
    assert all(phase["sql"] == [] for phase in database["phases"])
    assert "rename users.email to email_address" in database["notes"][0]
    unknown = offline.run("plan", "make the coffee stronger")
    assert unknown.code == 0 and "**Kind:** not recognised" in unknown.stdout


def test_options_name_what_the_goal_does_not(offline):
    plan = offline.run("plan", "rename column", "--table", "users", "--column", "email", "--to", "email_address",
                       "--type", "text", "--format", "json").json
    assert "ALTER TABLE users ADD COLUMN email_address text" in plan["phases"][0]["sql"]
    assert len(plan["migrations"]) == 3  # every name known: the plan can be written
    assert plan["fill_in"] == ["what users.email carries besides its values (NOT NULL, default, indexes, CHECK "
                               "constraints, foreign keys): without the live database the plan cannot see them; give "
                               "email_address the same in the MIGRATE migration"]


@pytest.mark.parametrize("args, message", [
    (["rename users.email to x; DROP TABLE users"], "new column name 'x; DROP TABLE users' is not a valid name"),
    (["rename users.email; DROP TABLE users -- to x"], "is not a valid name"),
    (["rename users.email to email_address", "--table", "users; --"], "table 'users; --' is not a valid name"),
    (["change orders.total to numeric(12,2); DROP TABLE orders"], "is not a column type this planner accepts"),
    (["add not null column orders.status text", "--default", "x"], None),
    (["deprecate v1 endpoints", "--table", "users"], "--table names a database object"),
    (["rename users.email to x", "--write"], "--write needs every name and type"),
    (["   "], "the goal is empty"),
])
def test_bad_names_and_options_are_one_clear_line_with_exit_2(offline, args, message):
    result = offline.run("plan", *args)
    if message is None:
        assert result.code == 0, result.stderr
        assert "DEFAULT 'x'" in result.stdout
        return
    assert result.code == 2, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.splitlines()) <= 2


def test_names_are_quoted_for_the_dialect_so_a_goal_cannot_inject_sql(offline_postgres):
    plan = offline_postgres.run("plan", 'rename "App"."User Accounts"."E-mail" to "x; DROP TABLE users"', "--type",
                                "text", "--format", "json").json
    expand = "\n".join(plan["phases"][0]["sql"])
    assert 'ALTER TABLE "App"."User Accounts" ADD COLUMN "x; DROP TABLE users" text' in expand
    assert 'NEW."E-mail" := NEW."x; DROP TABLE users";' in expand
    mixed = offline_postgres.run("plan", "rename Users.Email to EmailAddress", "--type", "text", "--format", "json").json
    assert "ALTER TABLE users ADD COLUMN emailaddress text" in mixed["phases"][0]["sql"]  # folded, as PostgreSQL does
    reserved = offline_postgres.run("plan", "rename app.order.user to buyer", "--type", "text", "--format", "json").json
    assert 'ALTER TABLE app."order" ADD COLUMN buyer text' in reserved["phases"][0]["sql"]


def test_identifier_parsing_and_quoting():
    assert parse_column_ref('"My ""Quoted"" Table".col', "postgres")[0].name.text == 'My "Quoted" Table'
    assert quote('My "Quoted" Table', "postgres") == '"My ""Quoted"" Table"'
    assert quote("weird`name", "mysql") == "`weird``name`"
    assert quote("Users", "mysql") == "Users" and quote("Users", "postgres") == '"Users"'
    assert parse_table("Users", "mysql").name.text == "Users" and parse_table("Users", "postgres").name.text == "users"
    assert parse_type("timestamp   with time zone") == "timestamp with time zone"
    assert parse_type("varchar(255)[]") == "varchar(255)[]"
    for bad in ("text; DROP TABLE x", "int) DEFAULT (1", "numeric(12,2) --", "'text'"):
        with pytest.raises(UsageError):
            parse_type(bad)
    with pytest.raises(UsageError, match="SQLite has no schemas"):
        parse_table("other.users", "sqlite")
    with pytest.raises(UsageError, match="longer than 63 bytes"):
        parse_table("t" * 64, "postgres")


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_a_goal_names_in_double_quotes_or_back_ticks_on_every_engine_and_nothing_else_passes(dialect):
    stored = "users" if dialect == "postgres" else "Users"  # a bare name folds as the engine folds it
    assert parse_names('Users."E-mail"."a""b".`c``d`', dialect, "column") == [
        Name(stored), Name("E-mail"), Name('a"b'), Name("c`d")]
    refused = {"users -- a comment": "not a valid name", "users/**/.email": "not a valid name",
               "users .email": "not a valid name", "users.": "not a valid name", "usérs": "not a valid name",
               "'users'": "not a valid name", '"abc""': 'unclosed "', "`abc": "unclosed `",
               '"a\x01b"': "control character U\\+0001"}
    for text, error in refused.items():
        with pytest.raises(UsageError, match=error):
            parse_names(text, dialect, "column")


def test_brackets_name_a_table_only_where_the_engine_reads_them():
    assert parse_table("main.[Order Lines]", "sqlite") == TableName(None, Name("Order Lines"))
    for dialect in ("postgres", "mysql"):
        with pytest.raises(UsageError, match="not a valid name"):
            parse_table("[users]", dialect)


@pytest.mark.parametrize("dialect, sql, table", [
    ("sqlite", "ALTER TABLE main.[users] ADD COLUMN note text", TableName(None, Name("users"))),
    ("postgres", 'ALTER TABLE "App"."Users" ADD COLUMN note text', TableName(Name("App"), Name("Users"))),
    ("postgres", "ALTER TABLE App.Users ADD COLUMN note text", TableName(Name("app"), Name("users"))),
    ("mysql", "ALTER TABLE `shop`.`Order Lines` ADD COLUMN note text", TableName(Name("shop"), Name("Order Lines"))),
])
def test_a_table_the_linter_parsed_is_the_planner_s_as_the_engine_stores_it(dialect, sql, table):
    assert TableName.of(parse(sql, dialect).name, dialect) == table


def test_mysql_plans_without_a_reachable_server_are_sql_text_and_say_why(tmp_path):
    project = Project(tmp_path / "project", "mysql://root:pw@127.0.0.1:3306/shop")
    plan = project.run("plan", "rename users.email to email_address", "--type", "varchar(255)", "--format", "json").json
    sql = "\n".join(s for p in plan["phases"] for s in p["sql"])
    assert "ALTER TABLE users ADD COLUMN email_address varchar(255), ALGORITHM=INSTANT" in sql
    assert "BEFORE INSERT ON users" in sql and "ALGORITHM=INPLACE, LOCK=NONE" in sql
    assert "pt-online-schema-change" in " ".join(plan["phases"][0]["steps"])
    assert plan["live"]["reason"].startswith("the database could not be read (cannot connect to mysql://root:***@")
    checks = {item["item"]: item for item in plan["checklist"]}
    assert checks["No long-running transactions"]["status"] == "manual"
    assert "information_schema.innodb_trx" in checks["No long-running transactions"]["detail"]
    quoted = project.run("plan", "rename `Order Lines`.qty to quantity", "--type", "int", "--format", "json").json
    assert "ALTER TABLE `Order Lines` ADD COLUMN quantity int, ALGORITHM=INSTANT" in quoted["phases"][0]["sql"]


def test_text_output_is_markdown_with_every_phase_checklist_and_rollback_plan(offline_postgres):
    # Offline, --type gives the column's current type, which the database would tell.
    result = offline_postgres.run("plan", "change orders.total to numeric(12,2)", "--type", "integer", "--rollback-plan")
    assert result.code == 0, result.stderr
    text = result.stdout
    assert text.startswith("# Migration plan: change orders.total to numeric(12,2)\n")
    for heading in ("## Phase 1: EXPAND", "## Phase 2: MIGRATE", "## Phase 3: CONTRACT", "## Phase 4: DEPLOY",
                    "## Rollback plan", "**Point of no return:**", "## Pre-migration checklist"):
        assert heading in text
    assert "```sql\nSET LOCAL lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN total_new numeric(12,2);" in text
    assert "cannot bring back: values written after CONTRACT" in text


def test_write_dry_run_lists_files_and_content_and_writes_nothing(offline):
    result = offline.run("plan", "rename users.email to email_address", "--type", "text", "--write", "--dry-run",
                         "--format", "json")
    assert result.code == 0, result.stderr
    files = result.json["files"]
    assert [f["path"].rsplit("_", 1)[1] for f in files] == ["expand.sql", "migrate.sql", "contract.sql"]
    assert all(f["written"] is False and "-- migrate:up" in f["content"] and "-- migrate:down" in f["content"]
               for f in files)
    versions = [int(f["path"].split("/")[-1].split("_")[0]) for f in files]
    assert versions == [versions[0], versions[0] + 1, versions[0] + 2]
    assert not list(offline.migrations.glob("*.sql"))


def test_write_uses_the_directorys_format(offline):
    offline.write("0001_init.up.sql", "CREATE TABLE users (id integer, email text);")
    offline.write("0001_init.down.sql", "DROP TABLE users;")
    result = offline.run("plan", "rename users.email to email_address", "--type", "text", "--write")
    assert result.code == 0, result.stderr
    names = sorted(path.name for path in offline.migrations.iterdir())
    assert names[:2] == ["0001_init.down.sql", "0001_init.up.sql"]
    assert names[2:] == ["0002_rename_users_email_to_email_address_1_expand.down.sql",
                         "0002_rename_users_email_to_email_address_1_expand.up.sql",
                         "0003_rename_users_email_to_email_address_2_migrate.down.sql",
                         "0003_rename_users_email_to_email_address_2_migrate.up.sql",
                         "0004_rename_users_email_to_email_address_3_contract.down.sql",
                         "0004_rename_users_email_to_email_address_3_contract.up.sql"]
    assert "Created `db/migrations/0002_rename_users_email_to_email_address_1_expand.up.sql`" in result.stdout


@pytest.mark.parametrize("goal, options", [
    ("rename column email to email_address on users", []),
    ("rename column email to email_address on users", ["--table", "users"]),
    ("rename email to email_address in users", []),
    ("rename column email of the users table to email_address", []),
    ("rename email to email_address", ["--table", "users"]),
    ("rename column email to email_address", ["--table", "users"]),
    ("rename users.email to email_address", ["--table", "users"]),
    ("rename users.email", ["--to", "email_address"]),
    ("rename column email on users", ["--to", "email_address"]),
    ("rename column users.email", ["--to", "email_address"]),
])
def test_a_column_rename_is_understood_the_way_people_write_it(offline_postgres, goal, options):
    result = offline_postgres.run("plan", goal, *options, "--type", "text", "--format", "json")
    assert result.code == 0, result.stderr
    plan = result.json
    assert plan["pattern"] == "rename-column"
    assert "ALTER TABLE users ADD COLUMN email_address text" in plan["phases"][0]["sql"]
    assert not any("RENAME TO" in statement for phase in plan["phases"] for statement in phase["sql"])


def test_a_goal_that_can_be_read_two_ways_is_refused_with_its_readings(offline):
    result = offline.run("plan", "rename email to email_address", "--write")
    assert result.code == 2
    assert ('"rename table email to email_address", or "rename column email to email_address on TABLE"'
            in result.stderr)
    dropped = offline.run("plan", "drop email")
    assert dropped.code == 2 and '"drop table email", or "drop column email on TABLE"' in dropped.stderr
    assert not offline.migrations.exists() or not list(offline.migrations.iterdir())


def test_the_live_database_tells_a_table_rename_from_a_column_rename(sqlite_project):
    import sqlite3

    sqlite3.connect(sqlite_project.url.removeprefix("sqlite://")).executescript(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL)")
    table = sqlite_project.run("plan", "rename users to accounts", "--format", "json")
    assert table.code == 0 and table.json["pattern"] == "rename-table", table.stderr
    column = sqlite_project.run("plan", "rename email to email_address")
    assert column.code == 2
    assert "has no table email, so it names a column: say of which table" in column.stderr
    assert sqlite_project.run("plan", "drop users", "--format", "json").json["pattern"] == "drop-table"
    dropped = sqlite_project.run("plan", "drop email", "--table", "users", "--format", "json").json
    assert dropped["pattern"] == "drop-column" and "email" in str(dropped["phases"])


def test_an_option_that_contradicts_the_goal_is_refused(offline):
    result = offline.run("plan", "rename users.email to email_address", "--table", "orders")
    assert result.code == 2 and "--table orders contradicts the goal, which names users" in result.stderr


@pytest.mark.parametrize("goal, pattern", [
    ("add unique constraint", "add-unique-constraint"),
    ("drop column", "drop-column"),
    ("drop table", "drop-table"),
    ("add an index", "add-index"),
    ("add an index on orders", "add-index"),
])
def test_a_goal_without_names_never_reads_a_keyword_as_a_name(offline, goal, pattern):
    result = offline.run("plan", goal, "--format", "json")
    assert result.code == 0, result.stderr
    assert result.json["pattern"] == pattern
    assert result.json["fill_in"] and "<" in str(result.json["phases"])


@pytest.mark.parametrize("goal, pattern, sql", [
    ("add an index on orders.customer_id", "add-index",
     "CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id)"),
    ("add index on orders (customer_id, total)", "add-index",
     "CREATE INDEX CONCURRENTLY orders_customer_id_total_idx ON orders (customer_id, total)"),
    ("make users.age not null", "set-not-null",
     "ALTER TABLE users ADD CONSTRAINT users_age_not_null CHECK (age IS NOT NULL) NOT VALID"),
    ("make age in users required", "set-not-null",
     "ALTER TABLE users ADD CONSTRAINT users_age_not_null CHECK (age IS NOT NULL) NOT VALID"),
    ("add not null constraint on users.age", "set-not-null",
     "ALTER TABLE users ADD CONSTRAINT users_age_not_null CHECK (age IS NOT NULL) NOT VALID"),
])
def test_the_most_common_goals_get_their_own_plan(offline_postgres, goal, pattern, sql):
    plan = offline_postgres.run("plan", goal, "--rollback-plan", "--format", "json").json
    assert plan["pattern"] == pattern
    assert sql in plan["phases"][0]["sql"]
    if pattern == "add-index":
        assert plan["phases"][0]["transaction"] is False
        assert plan["rollback_plan"]["steps"][0]["sql"][0].startswith("DROP INDEX CONCURRENTLY IF EXISTS ")
    else:
        assert [phase["name"] for phase in plan["phases"]] == ["expand", "migrate", "contract"]
        assert plan["phases"][1]["sql"] == ["ALTER TABLE users VALIDATE CONSTRAINT users_age_not_null"]
        assert plan["phases"][2]["sql"][1:] == ["ALTER TABLE users ALTER COLUMN age SET NOT NULL",
                                                "ALTER TABLE users DROP CONSTRAINT users_age_not_null"]


def test_dry_run_is_accepted_and_the_plan_says_it_never_changes_anything(offline):
    text = offline.run("plan", "move to kubernetes", "--dry-run")
    assert text.code == 0, text.stderr
    assert "--dry-run: a plan never changes anything" in text.stdout
    notes = offline.run("plan", "move to kubernetes", "--dry-run", "--format", "json").json["notes"]
    assert notes[0].startswith("--dry-run: a plan never changes anything")
    assert "--dry-run" not in str(offline.run("plan", "move to kubernetes", "--format", "json").json["notes"])


@pytest.mark.parametrize("goal", ["move to kubernetes", "deprecate v1 endpoints"])
def test_api_and_infrastructure_plans_carry_no_database_checklist_items(offline, goal):
    plan = offline.run("plan", goal, "--format", "json").json
    items = " ".join(f"{item['item']} {item['detail']}" for item in plan["checklist"])
    assert plan["checklist"] and all(item["status"] == "manual" for item in plan["checklist"])
    for database_word in ("Backup of the database", "DDL", "migrate ", "transactions", "lock_timeout", "Replication"):
        assert database_word not in items, database_word
    assert "Rollback verified" in items and "staging" in items


def test_the_staging_step_names_an_environment_that_exists_or_says_to_create_one(offline):
    def staging_detail() -> str:
        plan = offline.run("plan", "rename users.email to email_address", "--format", "json").json
        return next(item["detail"] for item in plan["checklist"] if item["item"] == "Migration tested in staging")

    assert "no staging environment is configured yet: add one to migrate.yaml" in staging_detail()
    (offline.root / "migrate.yaml").write_text(
        "environments:\n  development:\n    url: sqlite:dev.db\n  qa:\n    url: sqlite:qa.db\n", encoding="utf-8")
    assert "(`migrate --env qa up`)" in staging_detail()
