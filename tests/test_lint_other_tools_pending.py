"""`migrate lint` in a project of another tool lints, by default, only what that tool's own history table leaves
pending, in the database the URL or the tool's configuration names; as `lint` does for dk migrate's own
migrations. On SQLite, PostgreSQL and MariaDB."""

import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import Engine, main
from test_adoption import DBMATE, FLYWAY, GOLANG_MIGRATE, GOOSE, build as build_tables, flyway_row
from test_detect import build

USERS = "CREATE TABLE users (id bigint PRIMARY KEY, email varchar(200));\n"
RENAME = "ALTER TABLE users RENAME COLUMN email TO email_address;\n"  # rename-column on every engine
DROP_USERS = "DROP TABLE users;\n"

PRISMA_TABLE = {
    "postgres": ['CREATE TABLE "_prisma_migrations" ("id" VARCHAR(36) NOT NULL, "checksum" VARCHAR(64) NOT NULL, '
                 '"finished_at" TIMESTAMPTZ, "migration_name" VARCHAR(255) NOT NULL, "logs" TEXT, '
                 '"rolled_back_at" TIMESTAMPTZ, "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(), '
                 '"applied_steps_count" INTEGER NOT NULL DEFAULT 0, '
                 'CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id"))'],
    "mysql": ["CREATE TABLE `_prisma_migrations` (`id` VARCHAR(36) NOT NULL, `checksum` VARCHAR(64) NOT NULL, "
              "`finished_at` DATETIME(3) NULL, `migration_name` VARCHAR(255) NOT NULL, `logs` TEXT NULL, "
              "`rolled_back_at` DATETIME(3) NULL, `started_at` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3), "
              "`applied_steps_count` INTEGER UNSIGNED NOT NULL DEFAULT 0, PRIMARY KEY (`id`)) "
              "DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"],
    "sqlite": ['CREATE TABLE "_prisma_migrations" ("id" TEXT PRIMARY KEY NOT NULL, "checksum" TEXT NOT NULL, '
               '"finished_at" DATETIME, "migration_name" TEXT NOT NULL, "logs" TEXT, "rolled_back_at" DATETIME, '
               '"started_at" DATETIME NOT NULL DEFAULT current_timestamp, '
               '"applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0)'],
}
DRIZZLE_TABLE = {
    "postgres": ['CREATE SCHEMA IF NOT EXISTS "drizzle"',
                 'CREATE TABLE IF NOT EXISTS "drizzle"."__drizzle_migrations" (id SERIAL PRIMARY KEY, '
                 'hash text NOT NULL, created_at bigint)'],
    "mysql": ["create table if not exists `__drizzle_migrations` (id serial primary key, hash text not null, "
              "created_at bigint)"],
    "sqlite": ['CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (id SERIAL PRIMARY KEY, hash text NOT NULL, '
               'created_at numeric)'],
}


@pytest.fixture(params=["sqlite", "postgres", "mysql"])
def engine(request):
    return Engine(request.param, request.getfixturevalue(f"{request.param}_url"))


def lint(root: Path, *args: str, environ=None):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "lint", "--format", "json", *args], stdout=stdout, stderr=stderr,
                environ=environ or {})
    return code, json.loads(stdout.getvalue()), stderr.getvalue()


def assert_only_pending_flagged(document, pending: str) -> None:
    """The pending migration's rename is flagged, and nothing outside the pending migration's files (its down, where
    it has one, may add findings of its own)."""
    assert ("rename-column", pending) in {(finding["rule"], finding["file"]) for finding in document["findings"]}
    pending_files = {pending, pending.replace(".up.sql", ".down.sql")}
    assert {finding["file"] for finding in document["findings"]} <= pending_files


# Each tool: its files (migration 1 creates users and is applied, migration 2 renames a column and is pending),
# what records migration 1 as applied in its own table, and the file of migration 2.
def golang_migrate(engine):
    build_tables(engine, GOLANG_MIGRATE[engine.name])
    engine.query("INSERT INTO schema_migrations VALUES (1, FALSE)")
    return {"migrations/000001_users.up.sql": USERS, "migrations/000001_users.down.sql": DROP_USERS,
            "migrations/000002_rename.up.sql": RENAME,
            "migrations/000002_rename.down.sql": "ALTER TABLE users RENAME COLUMN email_address TO email;\n",
            }, "migrations/000002_rename.up.sql"


def goose(engine):
    build_tables(engine, GOOSE[engine.name])
    engine.query("INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE), (1, TRUE)")
    return {"migrations/00001_users.sql": f"-- +goose Up\n{USERS}-- +goose Down\n{DROP_USERS}",
            "migrations/00002_rename.sql": f"-- +goose Up\n{RENAME}",
            }, "migrations/00002_rename.sql"


def flyway(engine):
    build_tables(engine, FLYWAY[engine.name])
    flyway_row(engine, 1, "1", "users", "SQL", "V1__users.sql", True)
    return {"flyway.conf": "flyway.locations=filesystem:sql\n", "sql/V1__users.sql": USERS,
            "sql/V2__rename.sql": RENAME}, "sql/V2__rename.sql"


def dbmate(engine):
    engine.query(DBMATE[engine.name])
    engine.query("INSERT INTO schema_migrations (version) VALUES ('20260101000000')")
    # not db/migrations, where dk migrate runs a dbmate project as its own
    return {"database/migrations/20260101000000_users.sql": f"-- migrate:up\n{USERS}-- migrate:down\n{DROP_USERS}",
            "database/migrations/20260102000000_rename.sql": f"-- migrate:up\n{RENAME}",
            }, "database/migrations/20260102000000_rename.sql"


def prisma(engine):
    build_tables(engine, PRISMA_TABLE[engine.name])
    engine.query("INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count) "
                 "VALUES ('a', 'x', CURRENT_TIMESTAMP, '20260101000000_users', 1), "
                 "('b', 'y', NULL, '20260102000000_rename', 0)")  # the second failed: still to do
    return {"prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
            "prisma/migrations/20260101000000_users/migration.sql": USERS,
            "prisma/migrations/20260102000000_rename/migration.sql": RENAME,
            }, "prisma/migrations/20260102000000_rename/migration.sql"


def drizzle(engine):
    build_tables(engine, DRIZZLE_TABLE[engine.name])
    table = "drizzle.__drizzle_migrations" if engine.name == "postgres" else "__drizzle_migrations"
    engine.query(f"INSERT INTO {table} (hash, created_at) VALUES ('abc', 1767225600000)")
    journal = {"version": "7", "dialect": "postgresql", "entries": [
        {"idx": 0, "version": "7", "when": 1767225600000, "tag": "0000_users", "breakpoints": True},
        {"idx": 1, "version": "7", "when": 1767312000000, "tag": "0001_rename", "breakpoints": True}]}
    return {"drizzle.config.ts": 'export default defineConfig({ dialect: "postgresql", out: "./drizzle" });\n',
            "drizzle/meta/_journal.json": json.dumps(journal), "drizzle/0000_users.sql": USERS,
            "drizzle/0001_rename.sql": RENAME}, "drizzle/0001_rename.sql"


# statements in the pending migration, and in all of them (downs count)
STATEMENTS = {"golang-migrate": (2, 4), "goose": (1, 3), "dbmate": (1, 3)}
TOOLS = {"golang-migrate": golang_migrate, "goose": goose, "Flyway": flyway, "dbmate": dbmate, "Prisma": prisma,
         "Drizzle": drizzle}


@pytest.mark.parametrize("tool", TOOLS)
def test_lint_with_a_url_lints_only_what_the_tools_history_leaves_pending(tmp_path, engine, tool):
    files, pending = TOOLS[tool](engine)
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root, "--url", engine.url)
    assert code == 1, stderr
    assert_only_pending_flagged(document, pending)
    pending_statements, all_statements = STATEMENTS.get(tool, (1, 2))
    assert document["statements"] == pending_statements, "the applied migration was not linted"
    assert "note: no migrate.yaml: linting the pending SQL migrations of " in stderr
    assert f"pending by {'main.' if engine.name == 'sqlite' else ''}" in stderr and f" in {engine.url.split('://')[0]}" in stderr
    assert document["dialect"] == engine.name

    code, document, _ = lint(root, "--url", engine.url, "--all")
    assert document["statements"] == all_statements, "--all lints every migration, applied or not"
    code, document, stderr = lint(root, "--url", engine.url, "--offline")
    assert document["statements"] == all_statements and "note: no migrate.yaml: linting every SQL migration of" in stderr


@pytest.mark.parametrize("tool", TOOLS)
def test_with_nothing_applied_every_migration_is_pending(tmp_path, engine, tool):
    files, _ = TOOLS[tool](engine)
    for table in ("schema_migrations", "goose_db_version", "flyway_schema_history", "_prisma_migrations"):
        if table in engine.tables():
            engine.query(f"DELETE FROM {table}")
    if tool == "Drizzle":
        engine.query(f"DELETE FROM {'drizzle.' if engine.name == 'postgres' else ''}__drizzle_migrations")
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root, "--url", engine.url)
    assert document["statements"] == STATEMENTS.get(tool, (1, 2))[1], stderr
    assert "files pending by " in stderr, "the tool's table is there, empty"


def test_a_database_without_the_tools_table_has_everything_pending(tmp_path, engine):
    root = build(tmp_path / "project", {"sql/V1__users.sql": USERS, "sql/V2__rename.sql": RENAME,
                                        "flyway.conf": "flyway.locations=filesystem:sql\n"})
    if engine.name == "sqlite":
        code, document, stderr = lint(root, "--url", engine.url)
        assert document["statements"] == 2 and "does not exist yet), named by --url" in stderr
        assert not Path(urlsplit(engine.url).path).exists(), "lint creates no database"
    engine.query("CREATE TABLE other (id integer)")
    code, document, stderr = lint(root, "--url", engine.url)
    assert document["statements"] == 2, stderr
    assert "2 of 2 files pending (no " in stderr and "flyway_schema_history in " in stderr


def tcp_parts(engine):
    """The server's host and port as a tool's own configuration names them (JDBC, goose's key=value)."""
    parts = urlsplit(engine.url)
    if parts.hostname is None:  # pgserver's throwaway server, outside CI: a Unix socket only
        pytest.skip("the tool's configuration names a TCP host and port, and the test PostgreSQL listens on a Unix "
                    "socket only (set MIGRATE_TEST_POSTGRES_URL to a TCP server to run it)")
    return parts


def jdbc(engine, tmp_path) -> str:
    if engine.name == "sqlite":
        return f"jdbc:sqlite:{urlsplit(engine.url).path}"
    parts = tcp_parts(engine)
    scheme = "postgresql" if engine.name == "postgres" else "mariadb"
    return f"jdbc:{scheme}://{parts.hostname}:{parts.port}{parts.path}?user={parts.username}"


def test_flyways_own_configuration_names_the_database(tmp_path, engine):
    files, pending = flyway(engine)
    files["flyway.conf"] = (f"# the team's database\nflyway.url={jdbc(engine, tmp_path)}\n"
                            "flyway.locations=filesystem:sql\n")
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root)
    assert code == 1, stderr
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == 1
    assert "named by flyway.conf: flyway.url" in stderr


def test_flyways_toml_environment_names_the_database(tmp_path, engine):
    files, pending = flyway(engine)
    del files["flyway.conf"]
    files["flyway.toml"] = (f'[environments.default]\nurl = "{jdbc(engine, tmp_path)}"\n\n'
                            '[flyway]\nlocations = ["filesystem:sql"]\n')
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root)
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == 1, stderr
    assert "named by flyway.toml: environments.default.url" in stderr


def goose_dbstring(engine) -> tuple[str, str]:
    if engine.name == "sqlite":
        return "sqlite3", urlsplit(engine.url).path
    parts = tcp_parts(engine)
    if engine.name == "postgres":
        return "postgres", f"host={parts.hostname} port={parts.port} user={parts.username} dbname={parts.path[1:]}"
    return "mysql", f"{parts.username}@tcp({parts.hostname}:{parts.port}){parts.path}?parseTime=true"


def test_gooses_driver_and_connection_string_name_the_database(tmp_path, engine):
    files, pending = goose(engine)
    driver, dbstring = goose_dbstring(engine)
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root, environ={"GOOSE_DRIVER": driver, "GOOSE_DBSTRING": dbstring})
    assert code == 1, stderr
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == 1
    assert "named by $GOOSE_DBSTRING" in stderr


@pytest.mark.parametrize("tool", ["dbmate", "Prisma", "golang-migrate"])
def test_the_env_file_at_the_tools_root_names_the_database(tmp_path, engine, tool):
    files, pending = TOOLS[tool](engine)
    files[".env"] = f"# local settings\nexport DATABASE_URL='{engine.url}'\n"
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root)
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == STATEMENTS.get(tool, (1, 2))[0]
    assert "named by .env: DATABASE_URL" in stderr


def test_a_database_the_tool_names_that_cannot_be_reached_is_exit_3_with_the_way_out(tmp_path):
    root = build(tmp_path, {"flyway.conf": "flyway.url=jdbc:postgresql://127.0.0.1:1/app?user=app&password=s3cret\n",
                            "sql/V1__users.sql": USERS})
    code, document, stderr = lint(root)
    assert code == 3
    assert "Flyway's database is named by flyway.conf: flyway.url" in stderr and "--offline" in stderr
    assert "s3cret" not in stderr + json.dumps(document)
    code, document, _ = lint(root, "--offline")
    assert code != 3 and document["statements"] == 1 and "error" not in document


def test_prismas_sqlite_file_url_is_resolved_from_the_schemas_directory(tmp_path, sqlite_url):
    (tmp_path / "project" / "prisma").mkdir(parents=True)
    files, pending = prisma(Engine("sqlite", f"sqlite://{tmp_path / 'project' / 'prisma' / 'dev.db'}"))
    files["prisma/schema.prisma"] = 'datasource db {\n  provider = "sqlite"\n  url      = "file:./dev.db"\n}\n'
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root)
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == 1 and "named by schema.prisma: datasource url" in stderr


def test_prismas_schema_parameter_names_where_its_table_is(tmp_path, postgres_url):
    engine = Engine("postgres", postgres_url)
    engine.query("CREATE SCHEMA app")
    build_tables(engine, [statement.replace('"_prisma_migrations"', 'app."_prisma_migrations"')
                          for statement in PRISMA_TABLE["postgres"]])
    engine.query("INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) "
                 "VALUES ('a', 'x', now(), '20260101000000_users')")
    files, pending = {"prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
                      "prisma/migrations/20260101000000_users/migration.sql": USERS,
                      "prisma/migrations/20260102000000_rename/migration.sql": RENAME,
                      ".env": f"DATABASE_URL={postgres_url}{'&' if '?' in postgres_url else '?'}schema=app\n",
                      }, "prisma/migrations/20260102000000_rename/migration.sql"
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root)
    assert_only_pending_flagged(document, pending)
    assert document["statements"] == 1 and "app._prisma_migrations" in stderr


def test_a_flyway_directory_dk_migrate_cannot_read_as_migrations_is_linted_whole_saying_why(tmp_path, sqlite_url):
    engine = Engine("sqlite", sqlite_url)
    files, pending = flyway(engine)
    files["sql/R__views.sql"] = "CREATE OR REPLACE VIEW v AS SELECT 1;\n"  # repeatable: no version to match
    root = build(tmp_path / "project", files)
    code, document, stderr = lint(root, "--url", sqlite_url)
    assert document["statements"] == 2, stderr
    assert "which are applied is unknown: R__views.sql: Flyway repeatable (R__) migrations are not supported" in stderr
