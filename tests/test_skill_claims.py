"""What the skill tells the agent about the program's behaviour is what the program does.

Each claim is read out of the markdown (skills/migration/SKILL.md, its reference pages, commands/migrate.md)
and checked against the real program, run in this process: the phases of a plan and their order, the
checklist's item names, the engines and URL schemes and what each may do, the operations, the values
of the options, the exit codes, the JSON fields. A change on either side that the other does not follow
fails here.
"""

import re
import uuid
from contextlib import contextmanager

import pytest

from conftest import Engine, Project, new_database, with_database
from dkmigrate import errors
from dkmigrate.urls import SCHEMES
from test_plugin_docs import COMMAND_TEXT, OPERATIONS, PARSER, REFERENCES, SKILL, SKILL_TEXT, code, frontmatter_and_body
from test_verify import catalogue

DOCS = {"SKILL.md": SKILL_TEXT, "migrate.md": COMMAND_TEXT, **{page.name: page.read_text() for page in REFERENCES}}
UNREACHABLE = {"postgres": "postgres://nobody@127.0.0.1:9/none?connect_timeout=2",
               "mysql": "mysql://nobody@127.0.0.1:9/none"}


def section(markdown: str, heading: str) -> str:
    return markdown.split(f"{heading}\n", 1)[1].split("\n#", 1)[0]


def spans(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    """A SQLite project with one applied and one pending migration."""
    root = tmp_path_factory.mktemp("claims")
    project = Project(root / "project", f"sqlite://{root / 'project.sqlite3'}")
    project.migration("20260101000000", "create_users", "CREATE TABLE users (id integer PRIMARY KEY, email text);",
                      "DROP TABLE users;")
    assert project.run("up").code == 0
    project.migration("20260101000001", "rename_email", "ALTER TABLE users RENAME COLUMN email TO mail;",
                      "ALTER TABLE users RENAME COLUMN mail TO email;")
    return project


def plan(project: Project, *words: str) -> dict:
    result = project.run("plan", *words, "--rollback-plan", "--format", "json")
    assert result.code == 0, result.stderr
    return result.json


def phases(document: dict) -> list[str]:
    return [phase["name"] for phase in document["phases"]]


def test_the_phases_and_their_order_are_the_ones_plan_emits(project):
    presenting = section(SKILL_TEXT, "### plan")
    rename = re.search(r"\(for a column rename: ([^)]+)\)", presenting).group(1)
    assert spans(rename) == phases(plan(project, "rename users.email to email_address"))
    api = re.search(r"an API deprecation: ([^;]+);", presenting).group(1)
    assert spans(api) == phases(plan(project, "deprecate v1 endpoints"))
    infrastructure = re.search(r"a move to new infrastructure: ([^)]+)\)", presenting).group(1)
    assert spans(infrastructure) == phases(plan(project, "move to kubernetes"))


def test_the_checklist_items_are_named_as_plan_names_them(project):
    listed = re.findall(r"^- \[ \] ([^:]+):", section(SKILL_TEXT, "## Pre-Migration Checklist"), re.MULTILINE)
    database_plan = [item["item"] for item in plan(project, "rename users.email to email_address")["checklist"]]
    pending_plan = [item["item"] for item in plan(project)["checklist"]]
    assert listed == database_plan == pending_plan
    statuses = {item["status"] for item in plan(project)["checklist"]}
    assert statuses <= {"ok", "fail", "manual"}
    for status in ("`ok`", "`fail`", "`manual`"):
        assert status in section(SKILL_TEXT, "## Pre-Migration Checklist")


def engines_claim() -> list[str]:
    """The schemes the skill says migrations run on."""
    claim = re.search(r"^- Engines: migrations run on (.+?)\.\n", SKILL_TEXT, re.MULTILINE | re.DOTALL)
    return re.findall(r"`([a-z0-9]+):", claim.group(1))


def test_the_engines_the_skill_names_are_the_ones_that_run(project, tmp_path):
    running = engines_claim()
    assert running == ["sqlite", "postgres", "postgresql", "mysql", "mariadb"]
    assert set(running) <= set(SCHEMES), "every scheme named is one the program parses"
    assert {SCHEMES[scheme] for scheme in running} == set(SCHEMES.values()), "every engine is named"
    for scheme in running:
        if SCHEMES[scheme] == "sqlite":
            url = f"sqlite:{tmp_path / 'x.db'}"
        else:
            url = UNREACHABLE[SCHEMES[scheme]].replace(f"{SCHEMES[scheme]}:", f"{scheme}:", 1)
        for operation in (["up"], ["down"], ["status"], ["repair", "1", "--applied"]):
            result = project.run("--url", url, *operation, url=False)
            assert "not supported" not in result.stderr and result.code in (0, 2, 3), (scheme, operation, result.stderr)
        assert project.run("--url", url, "plan", "rename users.email to email_address", url=False).code == 0


def test_the_description_names_the_engines_as_the_skill_does():
    description = frontmatter_and_body(SKILL)[0]["description"]
    claim = re.search(r"\) on ([\w ,]+?)\. ", description)
    names = {"PostgreSQL": "postgres", "SQLite": "sqlite", "MySQL": "mysql", "MariaDB": "mysql"}
    named = {names[name] for name in re.findall(r"\w+", claim.group(1)) if name in names}
    assert named == {SCHEMES[scheme] for scheme in engines_claim()} == set(SCHEMES.values())


@pytest.mark.parametrize("name", DOCS)
def test_every_url_scheme_written_is_one_the_program_reads(name):
    found = {scheme for snippet in code(DOCS[name]) for scheme in re.findall(r"\b([a-z][a-z0-9]*)://", snippet)}
    assert found - {"http", "https"} <= set(SCHEMES), name


def test_every_operation_the_skill_names_exists():
    operations = SKILL_TEXT.split("## Operations\n", 1)[1].split("\n## ", 1)[0]
    headings = [word for heading in re.findall(r"^### (.+)$", operations, re.MULTILINE)
                for word in re.findall(r"\b[a-z]+\b", heading)]
    named = headings + [word for text in DOCS.values() for word in re.findall(r"`(\w+)` (?:operation|command)", text)]
    assert "status" in named and "repair" in named
    for word in named:
        assert word in OPERATIONS, f"the docs name a `{word}` operation that `migrate` does not have"


def test_every_listed_option_value_is_accepted():
    """`--dialect postgres|mysql|sqlite`, `--format text|json`, ...: each value is a choice of that option."""
    choices = {option: set(action.choices) for sub in [PARSER, *OPERATIONS.values()] for action in sub._actions
               if action.choices for option in action.option_strings}
    found = [(option, values.split("|")) for text in DOCS.values() for snippet in spans(text)
             for option, values in re.findall(r"(--[a-z-]+) ([a-z]+(?:\|[a-z]+)+)", snippet)]
    assert {option for option, _ in found} >= {"--dialect", "--severity", "--kind"}
    for option, values in found:
        assert set(values) <= choices[option], option


def test_the_exit_codes_are_the_program_s():
    table = re.findall(r"^\| (\d) \| ([^|]+) \|", SKILL_TEXT, re.MULTILINE)
    program = {0, 1} | {error.exit_code for error in vars(errors).values()
                        if isinstance(error, type) and issubclass(error, errors.MigrateError)}
    assert {int(code) for code, _ in table} == program
    meaning = {int(code): text for code, text in table}
    assert "reached" in meaning[errors.ConnectionFailed.exit_code] and "locked" in meaning[errors.LockTimeout.exit_code]
    assert "safety gate" in meaning[errors.SafetyRefusal.exit_code]
    assert "dirty" in meaning[errors.StateError.exit_code] and "configuration" in meaning[errors.ConfigError.exit_code]


def keys_and_values(document) -> set[str]:
    found = set()
    if isinstance(document, dict):
        for key, value in document.items():
            found |= {key} | keys_and_values(value)
    elif isinstance(document, list):
        for value in document:
            found |= keys_and_values(value)
    elif isinstance(document, str):
        found.add(document)
    return found


def traced_on_postgres(url: str, admin_url: str, root) -> list[dict]:
    """trace on PostgreSQL (locks, ACCESS EXCLUSIVE held) and plan --trace-url (observed locks)."""
    traced = Project(root / "traced", url)
    traced.migration("20260101000000", "create_users", "CREATE TABLE users (id integer PRIMARY KEY, email text);",
                     "DROP TABLE users;")
    assert traced.run("up").code == 0
    traced.migration("20260101000001", "email_type", "ALTER TABLE users ALTER COLUMN email TYPE varchar(320);",
                     "ALTER TABLE users ALTER COLUMN email TYPE text;")
    with new_database(admin_url) as empty:
        return [traced.run("trace", "--format", "json").json,
                traced.run("plan", "--trace-url", empty, "--format", "json").json]


def test_the_json_fields_the_skill_names_are_in_the_program_s_json(project, tmp_path, postgres_url, postgres_admin_url):
    documents = [project.run("status", "--format", "json").json, plan(project),
                 plan(project, "rename users.email to email_address"),
                 project.run("lint", "--all", "--format", "json").json,
                 project.run("up", "--dry-run", "--format", "json").json,
                 project.run("trace", "--format", "json").json, *traced_on_postgres(postgres_url, postgres_admin_url, tmp_path)]
    scratch = Project(tmp_path / "scratch", f"sqlite://{tmp_path / 'scratch.sqlite3'}")
    documents.append(scratch.run("create", "add_users", "--sql", "CREATE TABLE users (id integer);",
                                 "--format", "json").json)
    documents.append(scratch.run("up", "--format", "json").json)
    scratch.migration("20990101000000", "broken", "INSERT INTO missing_table VALUES (1);", "")
    documents.append(scratch.run("up", "--format", "json").json)
    emitted = set().union(*map(keys_and_values, documents))
    paragraphs = [paragraph for paragraph in SKILL_TEXT.split("\n\n")
                  if re.search(r"The JSON has|holds `|The result lists|returns `", paragraph)]
    assert len(paragraphs) >= 4
    named = {word for paragraph in paragraphs for word in spans(paragraph) if re.fullmatch(r"[a-z]+(_[a-z]+)*", word)}
    assert {"out_of_order", "statements_done", "safe_alternative", "duration_ms", "rollback_plan"} <= named
    assert named - emitted == set(), "fields or values the skill names that the program does not emit"


def test_other_tools_tracking_tables_are_read_by_status_as_the_tooling_page_says(tmp_path):
    page = " ".join((SKILL.parent / "references" / "tooling.md").read_text().split())
    assert "`status` reads their tracking tables" in page
    assert "a golang-migrate `dirty` flag or a failed Flyway row as `dirty`, a goose rollback as `pending`" in page
    assert "A history whose versions are not the directory's files is refused with exit 2 naming the tool" in page
    import sqlite3

    goose = Project(tmp_path / "goose", f"sqlite://{tmp_path / 'goose.sqlite3'}")
    for version in ("00001", "00002"):
        (goose.migrations / f"{version}_t{version}.sql").write_text(
            f"-- +goose Up\nCREATE TABLE t{version} (id integer);\n-- +goose Down\nDROP TABLE t{version};\n")
    with sqlite3.connect(tmp_path / "goose.sqlite3") as connection:
        connection.execute("CREATE TABLE goose_db_version (id integer PRIMARY KEY, version_id integer, is_applied "
                           "integer, tstamp text)")
        connection.execute("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, 1), (1, 1), (2, 1), (2, 0)")
        connection.execute("CREATE TABLE t00001 (id integer)")
    status = goose.run("status", "--format", "json")
    assert [migration["state"] for migration in status.json["migrations"]] == ["applied", "pending"]

    golang = Project(tmp_path / "golang", f"sqlite://{tmp_path / 'golang.sqlite3'}")
    (golang.migrations / "1_users.up.sql").write_text("CREATE TABLE users (id integer);\n")
    (golang.migrations / "1_users.down.sql").write_text("DROP TABLE users;\n")
    with sqlite3.connect(tmp_path / "golang.sqlite3") as connection:
        connection.execute("CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)")
        connection.execute("INSERT INTO schema_migrations VALUES (1, 1)")
    assert [migration["state"] for migration in golang.run("status", "--format", "json").json["migrations"]] == ["dirty"]
    with sqlite3.connect(tmp_path / "golang.sqlite3") as connection:
        connection.execute("UPDATE schema_migrations SET version = 9, dirty = 0")
    refused = golang.run("status")
    assert refused.code == 2 and "belongs to golang-migrate" in refused.stderr


def test_lint_in_another_tools_project_lints_what_its_history_leaves_pending_as_the_tooling_page_says(tmp_path):
    page = " ".join((SKILL.parent / "references" / "tooling.md").read_text().split())
    assert ("it lints only what that tool's own history table leaves pending (golang-migrate, goose, Flyway, dbmate, "
            "Prisma, Drizzle), and its note on stderr names the database and the table") in page
    assert "a named database that cannot be reached is exit 3, and `--offline` (or `--all`) lints every migration" in page
    import io
    import json
    import sqlite3

    from conftest import main

    root = tmp_path / "flyway"
    (root / "sql").mkdir(parents=True)
    (root / "flyway.conf").write_text(f"flyway.url=jdbc:sqlite:{tmp_path / 'app.db'}\nflyway.locations=filesystem:sql\n")
    (root / "sql" / "V1__users.sql").write_text("CREATE TABLE users (id integer PRIMARY KEY, email text);\n")
    (root / "sql" / "V2__rename.sql").write_text("ALTER TABLE users RENAME COLUMN email TO mail;\n")
    with sqlite3.connect(tmp_path / "app.db") as connection:
        connection.execute("CREATE TABLE flyway_schema_history (installed_rank INT PRIMARY KEY, version VARCHAR(50), "
                           "description VARCHAR(200), type VARCHAR(20), script VARCHAR(1000), checksum INT, "
                           "installed_by VARCHAR(100), installed_on TEXT, execution_time INT, success BOOLEAN)")
        connection.execute("INSERT INTO flyway_schema_history VALUES (1, '1', 'users', 'SQL', 'V1__users.sql', 0, "
                           "'me', '2026-01-01', 1, 1)")

    def lint(*args):
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(["-C", str(root), "lint", "--format", "json", *args], stdout=stdout, stderr=stderr, environ={})
        return code, json.loads(stdout.getvalue()), stderr.getvalue()

    code, document, stderr = lint()
    assert {finding["file"] for finding in document["findings"]} == {"sql/V2__rename.sql"}
    assert document["statements"] == 1 and "main.flyway_schema_history" in stderr and "app.db" in stderr
    assert lint("--offline")[1]["statements"] == 2


def test_the_data_check_the_skill_describes_is_the_one_plan_makes(tmp_path):
    claim = section(SKILL_TEXT, "## Pre-Migration Checklist")
    item = re.search(r'`plan` adds the item "([^"]+)"', claim).group(1)
    project = Project(tmp_path / "project", f"sqlite://{tmp_path / 'data.sqlite3'}")
    project.migration("1", "users", "CREATE TABLE users (id bigint PRIMARY KEY, email text);", "DROP TABLE users;")
    assert project.run("up").code == 0
    project.migration("2", "unique_email", "CREATE UNIQUE INDEX users_email ON users (email);", "DROP INDEX users_email;")
    import sqlite3

    with sqlite3.connect(tmp_path / "data.sqlite3") as connection:
        connection.execute("INSERT INTO users VALUES (1, 'a@x'), (2, 'a@x')")
    document = project.run("plan", "--data-check-timeout", "5", "--format", "json").json
    (found,) = [entry for entry in document["checklist"] if entry["item"] == item]
    assert found["status"] == "fail" and "1 duplicate groups" in found["detail"]
    assert "data_checks" in spans(claim) and document["data_checks"][0]["count"] == 1
    assert re.search(r"`--data-check-timeout` \(default (\d+) s\)", claim).group(1) == "5"


def test_the_lock_settings_the_skill_proposes_are_migrate_yaml_s():
    from dkmigrate.config import ENVIRONMENT_KEYS, PROTECTED_LOCK_TIMEOUT

    busy = SKILL_TEXT.split("Busy tables:", 1)[1].split("\n\n", 1)[0]
    proposed = re.findall(r"`(\w+): [^`]+`", busy)
    assert proposed == ["lock_timeout", "lock_retries", "lock_retry_delay"]
    assert set(proposed) <= set(ENVIRONMENT_KEYS)
    assert f"waits at most {PROTECTED_LOCK_TIMEOUT:g} s" in " ".join(busy.split())


def test_verify_on_mysql_runs_where_the_skill_says(tmp_path, mysql_url):
    claim = " ".join(section(SKILL_TEXT, "### verify").split())
    assert ("On MySQL/MariaDB it runs only on a scratch database: one it copies from the current database (schema "
            "and rows) and drops") in claim
    assert "it exits 2 asking for `--scratch-url URL`" in claim
    project = Project(tmp_path / "project", mysql_url)
    project.migration("1", "users", "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(100));\n"
                                    "INSERT INTO users VALUES (1, 'a@x');", "DROP TABLE users;")
    assert project.run("up").code == 0
    project.migration("2", "email_index", "CREATE INDEX users_email ON users (email);", "DROP INDEX users_email ON users;")

    result = project.run("verify", "--format", "json")

    assert result.code == 0, result.stdout + result.stderr
    assert re.match(r"on the scratch database \S+/dkmigrate_scratch_\w+, copied from " + re.escape(mysql_url)
                    + r" \(its schema and up to ", result.json["where"]), result.json["where"]
    assert result.json["migrations"][0]["data_compared"] is True
    refused = project.run("verify", "--scratch-url", mysql_url)  # the real database is not empty: never used so
    assert refused.code == 2 and "is not empty" in refused.stderr


def test_the_batch_directive_the_skill_proposes_runs_in_batches_and_reports_what_it_names(tmp_path):
    from dkmigrate.config import ENVIRONMENT_KEYS

    big = " ".join(SKILL_TEXT.split("Big data changes:", 1)[1].split("\n\n", 1)[0].split())
    directive = re.search(r"`(-- migrate:batch [^`]+)`", big).group(1)
    project = Project(tmp_path / "project", f"sqlite://{tmp_path / 'batch.sqlite3'}")
    project.migration("001", "items", "CREATE TABLE items (id integer PRIMARY KEY, n integer);\n"
                      "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 12000)\n"
                      "INSERT INTO items (id) SELECT i FROM k;")
    assert project.run("up").code == 0
    project.migration("002", "fill", f"{directive}\nUPDATE items SET n = 1 WHERE n IS NULL;")
    dry = project.run("up", "--dry-run", "--format", "json").json
    assert "-- about 12000 rows in the table: 3 batches" in dry["script"]  # size=5000: "the number of batches"
    result = project.run("up", "--format", "json")
    assert result.code == 0, result.stderr
    [batched] = result.json["migrations"][0]["batches"]
    assert (batched["rows"], batched["batches"]) == (12000, 3)
    fields = spans(re.search(r"a `batches` list \(([^)]+)\)", big).group(1))
    assert set(fields) == {"rows", "changed", "rows_per_second", "resumed_after_rows"} and set(fields) <= set(batched)
    # A run stopped midway: dirty, with its position in status (the recorded state SIGKILL leaves; the runner's
    # tests kill real runs), and `up` continues it.
    project.run("down")
    project.run("up")
    import sqlite3

    with sqlite3.connect(tmp_path / "batch.sqlite3") as connection:
        connection.execute("UPDATE items SET n = NULL WHERE id > 5000")
        connection.execute("UPDATE schema_migrations SET state = 'applying', progress = 0, batch_position = "
                           "'{\"statement\":1,\"after\":[\"5000\"],\"rows\":5000,\"changed\":5000,\"batches\":1,"
                           "\"seconds\":0.1}' WHERE version = '002'")
    [entry] = [m for m in project.run("status", "--format", "json").json["migrations"] if m["version"] == "002"]
    assert "`dirty` with a `batch_position` in `status`" in big and entry["state"] == "dirty"
    assert entry["batch_position"]["rows"] == 5000
    continued = project.run("up", "--format", "json")
    assert continued.json["migrations"][0]["batches"][0]["resumed_after_rows"] == 5000
    assert "`max_replica_lag: 10s`" in big and "max_replica_lag" in ENVIRONMENT_KEYS


def test_the_number_of_pending_migrations_plan_verifies_is_the_program_s():
    from conftest import ROOT
    from dkmigrate.plan.rollback_check import PLAN_VERIFY_LIMIT

    skill = re.search(r"verified only the first (\d+) of more pending migrations", " ".join(SKILL_TEXT.split()))
    readme = re.search(r"`plan` verifies the first (\d+) pending migrations at most",
                       " ".join((ROOT / "README.md").read_text().split()))
    assert skill and readme
    assert int(skill[1]) == int(readme[1]) == PLAN_VERIFY_LIMIT


@contextmanager
def empty_database(request, name: str, tmp_path):
    """A new, empty database of this engine (its URL), dropped afterwards."""
    if name == "sqlite":
        yield f"sqlite://{tmp_path / 'scratch.sqlite3'}"
    elif name == "postgres":
        with new_database(request.getfixturevalue("postgres_admin_url")) as url:
            yield url
    else:
        import pymysql

        server = request.getfixturevalue("mysql_server")
        database = f"dkm_{uuid.uuid4().hex[:12]}"
        with pymysql.connect(**server) as admin:
            admin.cursor().execute(f"CREATE DATABASE {database}")
        try:
            yield with_database(request.getfixturevalue("mysql_url"), database)
        finally:
            with pymysql.connect(**server) as admin:
                admin.cursor().execute(f"DROP DATABASE IF EXISTS {database}")


@pytest.mark.parametrize("name", ["sqlite", "postgres", "mysql"])
def test_what_verify_and_trace_run_without_asking_leaves_the_database_as_the_skill_says(request, tmp_path, name):
    """Why the allowed-tools pre-approve verify and trace, and why the hook asks for them with --scratch-url."""
    claim = " ".join(section(SKILL_TEXT, "## How to run it").split())
    assert ("`verify` and `trace` run the pending migrations, but never on a protected environment (exit 4), and leave "
            "the schema and rows as they found them") in claim
    assert ("`verify` or `trace` with `--scratch-url`, which build the schema in the database it names and leave it "
            "built") in claim
    engine = Engine(name, request.getfixturevalue(f"{name}_url"))
    project = Project(tmp_path / "project", engine.url)
    project.migration("1", "users", "CREATE TABLE users (id integer PRIMARY KEY, email varchar(100));\n"
                                    "INSERT INTO users VALUES (1, 'a@x');", "DROP TABLE users;")
    assert project.run("up").code == 0
    project.migration("2", "age", "ALTER TABLE users ADD COLUMN age integer;", "ALTER TABLE users DROP COLUMN age;")
    before = catalogue(engine)

    for command in ("verify", "trace"):
        ran = project.run(command, "--format", "json")
        assert ran.code == 0 and [m["name"] for m in ran.json["migrations"]] == ["age"], ran.stdout + ran.stderr
        assert catalogue(engine) == before, f"{command} changed the database"

    with empty_database(request, name, tmp_path) as scratch:
        traced = project.run("trace", "--scratch-url", scratch, "--format", "json")
        assert traced.code == 0, traced.stdout + traced.stderr
        assert "users" in Engine(name, scratch).tables(), "the scratch database is left built"
        again = project.run("verify", "--scratch-url", scratch)
        assert again.code == 2 and "is not empty" in again.stderr

    (project.root / "migrate.yaml").write_text(f"environments:\n  production:\n    url: {engine.url}\n    protected: true\n")
    for command in ("verify", "trace"):
        refused = project.run(command, "--env", "production", url=False)
        assert refused.code == 4 and "protected" in refused.stderr
    assert catalogue(engine) == before
