"""`migrate detect`: the migration tools a project uses, with evidence, dialect, migrations directory and their
own commands; one minimal project per tool, and realistic ones (monorepos, nested apps, configurations that
point elsewhere)."""

import io
import json
import textwrap
from pathlib import Path

import pytest

from conftest import ROOT, main

SHOP = ROOT / "examples" / "shop"


def build(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def detect(root: Path, *, json_format: bool = True):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(root), "detect", *(["--format", "json"] if json_format else [])],
                stdout=stdout, stderr=stderr, environ={})
    assert code == 0, stderr.getvalue()
    assert stderr.getvalue() == ""
    return json.loads(stdout.getvalue()) if json_format else stdout.getvalue()


def only(document: dict) -> dict:
    assert len(document["tools"]) == 1, [tool["name"] for tool in document["tools"]]
    return document["tools"][0]


# (tool, the project's files, what detect must say: name, dialect, migrations_dir, migrations, commands.up,
#  commands.sql, lint)
MINIMAL = [
    ("dk migrate", {
        "migrate.yaml": "environments:\n  development:\n    url: postgres://app@localhost/app\n",
        "db/migrations/20260101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
    }, "postgres", "db/migrations", 1, "migrate up", "migrate up --dry-run", "migrate lint"),
    ("Alembic", {
        "alembic.ini": "[alembic]\nscript_location = alembic\nsqlalchemy.url = postgresql+psycopg://app@localhost/app\n",
        "alembic/env.py": "from alembic import context\n",
        "alembic/versions/3f2a_add_users.py": "revision = '3f2a'\n",
    }, "postgres", "alembic/versions", 1, "alembic upgrade head", "alembic upgrade CURRENT:head --sql",
        "alembic upgrade CURRENT:head --sql | migrate lint - --tool alembic --dialect postgres"),
    ("Django", {
        "manage.py": "import django\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site.settings')\n",
        "site/settings.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql'}}\n",
        "shop/migrations/__init__.py": "",
        "shop/migrations/0001_initial.py": "from django.db import migrations\n",
        "shop/migrations/0002_order_note.py": "from django.db import migrations\n",
    }, "postgres", "shop/migrations", 2, "python manage.py migrate", "python manage.py sqlmigrate shop MIGRATION",
        "python manage.py sqlmigrate shop MIGRATION | migrate lint - --tool django --dialect postgres"),
    ("Rails", {
        "Gemfile": "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\n",
        "config/database.yml": "default: &default\n  adapter: postgresql\n",
        "db/migrate/20260101000000_create_users.rb": "class CreateUsers < ActiveRecord::Migration[7.1]\nend\n",
    }, "postgres", "db/migrate", 1, "bin/rails db:migrate", None, None),
    ("Prisma", {
        "package.json": '{"devDependencies": {"prisma": "^5.0.0"}}\n',
        "prisma/schema.prisma": 'generator client {\n  provider = "prisma-client-js"\n}\n'
                                'datasource db {\n  provider = "mysql"\n  url = env("DATABASE_URL")\n}\n',
        "prisma/migrations/20260101000000_init/migration.sql": "CREATE TABLE `User` (`id` INT NOT NULL);\n",
        "prisma/migrations/migration_lock.toml": 'provider = "mysql"\n',
    }, "mysql", "prisma/migrations", 1, "npx prisma migrate deploy", None,
        "migrate lint prisma/migrations/*/migration.sql --dialect mysql"),
    ("Flyway", {
        "flyway.conf": "flyway.url=jdbc:postgresql://localhost:5432/app\nflyway.locations=filesystem:database\n",
        "database/V1__init.sql": "CREATE TABLE users (id int);\n",
        "database/V2__add_email.sql": "ALTER TABLE users ADD COLUMN email text;\n",
    }, "postgres", "database", 2, "flyway migrate", None,
        "migrate lint database/V*__*.sql --dialect postgres"),
    ("Liquibase", {
        "liquibase.properties": "changeLogFile=db/changelog/master.xml\nurl=jdbc:postgresql://localhost/app\n",
        "db/changelog/master.xml": '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">\n'
                                   '  <include file="001-users.sql" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
        "db/changelog/001-users.sql": "--liquibase formatted sql\n--changeset ann:1\nCREATE TABLE users (id int);\n",
    }, "postgres", "db/changelog", 1, "liquibase update", "liquibase update-sql",
        "migrate lint db/changelog/*.sql --dialect postgres"),
    ("golang-migrate", {
        "go.mod": "module example.com/app\n\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
        "db/migrations/000001_create_users.up.sql": "CREATE TABLE users (id int);\n",
        "db/migrations/000001_create_users.down.sql": "DROP TABLE users;\n",
    }, None, "db/migrations", 1, 'migrate -path db/migrations -database "$DATABASE_URL" up', None,
        "migrate lint db/migrations/*.up.sql db/migrations/*.down.sql"),
    ("goose", {
        "go.mod": "module example.com/app\n\nrequire github.com/pressly/goose/v3 v3.20.0\n",
        ".env": "GOOSE_DRIVER=postgres\n",
        "migrations/20260101000000_users.sql": "-- +goose Up\nCREATE TABLE users (id int);\n-- +goose Down\nDROP TABLE users;\n",
    }, "postgres", "migrations", 1, 'goose -dir migrations postgres "$DATABASE_URL" up', None,
        "migrate lint migrations/*.sql --dialect postgres"),
    ("dbmate", {
        ".env": "DATABASE_URL=postgres://app:secret@localhost:5432/app?sslmode=disable\n",
        "db/migrations/20260101000000_users.sql": "-- migrate:up\nCREATE TABLE users (id int);\n-- migrate:down\nDROP TABLE users;\n",
    }, "postgres", "db/migrations", 1, "dbmate --migrations-dir db/migrations up", None,
        "migrate lint db/migrations/*.sql --dialect postgres"),
    ("Knex", {
        "package.json": '{"dependencies": {"knex": "^3.0.0", "pg": "^8.0.0"}}\n',
        "knexfile.js": "module.exports = {\n  client: 'pg',\n  migrations: { directory: './db/knex' },\n};\n",
        "db/knex/20260101000000_users.js": "exports.up = function (knex) {};\nexports.down = function (knex) {};\n",
    }, "postgres", "db/knex", 1, "npx knex migrate:latest", None, None),
    ("Sequelize", {
        "package.json": '{"devDependencies": {"sequelize-cli": "^6.6.0"}}\n',
        ".sequelizerc": "const path = require('path');\nmodule.exports = {\n"
                        "  'migrations-path': path.resolve('db', 'migrate'),\n};\n",
        "config/config.json": '{"development": {"dialect": "sqlite", "storage": "dev.sqlite"}}\n',
        "db/migrate/20260101000000-create-user.js": "module.exports = { async up(queryInterface, Sequelize) {} };\n",
    }, "sqlite", "db/migrate", 1, "npx sequelize-cli db:migrate", None, None),
    ("TypeORM", {
        "package.json": '{"dependencies": {"typeorm": "^0.3.0"}}\n',
        "src/data-source.ts": 'export const AppDataSource = new DataSource({ type: "postgres", migrations: [] })\n',
        "src/migrations/1700000000000-Users.ts": "export class Users1700000000000 implements MigrationInterface {}\n",
    }, "postgres", "src/migrations", 1, "npx typeorm-ts-node-commonjs migration:run -d src/data-source.ts", None, None),
    ("Drizzle", {
        "package.json": '{"devDependencies": {"drizzle-kit": "^0.30.0"}}\n',
        "drizzle.config.ts": 'export default defineConfig({\n  dialect: "postgresql",\n  out: "./db/drizzle",\n'
                             '  schema: "./src/schema.ts",\n});\n',
        "db/drizzle/0000_init.sql": 'CREATE TABLE "users" ("id" serial PRIMARY KEY);\n',
    }, "postgres", "db/drizzle", 1, "npx drizzle-kit migrate", None,
        "migrate lint db/drizzle/*.sql --dialect postgres"),
    ("sqitch", {
        "sqitch.conf": "[core]\n\tengine = pg\n",
        "sqitch.plan": "%syntax-version=1.0.0\n%project=app\n\nusers 2026-01-01T00:00:00Z Ann <ann@example.com> # users\n",
        "deploy/users.sql": "BEGIN;\nCREATE TABLE users (id int);\nCOMMIT;\n",
        "revert/users.sql": "BEGIN;\nDROP TABLE users;\nCOMMIT;\n",
        "verify/users.sql": "SELECT id FROM users WHERE false;\n",
    }, "postgres", ".", 1, "sqitch deploy", None, "migrate lint deploy/*.sql revert/*.sql --dialect postgres"),
    ("Diesel", {
        "Cargo.toml": '[dependencies]\ndiesel = { version = "2", features = ["postgres"] }\n',
        "diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n\n[migrations_directory]\ndir = "db/diesel"\n',
        "db/diesel/2026-01-01-000000_users/up.sql": "CREATE TABLE users (id int);\n",
        "db/diesel/2026-01-01-000000_users/down.sql": "DROP TABLE users;\n",
    }, "postgres", "db/diesel", 1, "diesel migration run", None,
        "migrate lint db/diesel/*/up.sql db/diesel/*/down.sql --dialect postgres"),
    ("EF Core", {
        "Shop.csproj": '<Project Sdk="Microsoft.NET.Sdk">\n<ItemGroup><PackageReference '
                       'Include="Microsoft.EntityFrameworkCore.Design" Version="8.0.0" /></ItemGroup>\n</Project>\n',
        "Program.cs": 'builder.Services.AddDbContext<ShopContext>(o => o.UseNpgsql("Host=db"));\n',
        "Migrations/20260101000000_Initial.cs": "public partial class Initial : Migration {}\n",
        "Migrations/20260101000000_Initial.Designer.cs": '[Migration("20260101000000_Initial")]\npartial class Initial {}\n',
    }, "postgres", "Migrations", 2, "dotnet ef database update", "dotnet ef migrations script --idempotent",
        "dotnet ef migrations script --idempotent | migrate lint - --tool ef-core --dialect postgres"),
]


@pytest.mark.parametrize("name, files, dialect, directory, count, up, sql, lint", MINIMAL,
                         ids=[case[0] for case in MINIMAL])
def test_detect_names_each_tool_on_a_minimal_project(tmp_path, name, files, dialect, directory, count, up, sql, lint):
    tool = only(detect(build(tmp_path / "project", files)))
    assert tool["name"] == name
    assert tool["root"] == "."
    assert tool["dialect"] == dialect
    assert tool["migrations_dir"] == directory
    assert tool["migrations"] == count
    assert tool["commands"]["up"] == up
    assert tool["commands"]["sql"] == sql
    assert tool["lint"] == lint
    assert set(tool["commands"]) == {"create", "up", "down", "status", "sql"}
    assert set(tool) == {"name", "root", "app", "evidence", "dialect", "migrations_dir", "migrations", "commands",
                         "lint", "review", "substitute"}, "the fields the skill and tooling.md describe"
    assert tool["lint"] or tool["review"], "either a command lints its migrations, or the review says how"
    assert tool["evidence"], "detect says why it thinks so"
    for item in tool["evidence"]:  # each piece of evidence names a file of the project
        assert (tmp_path / "project" / item.split(":")[0].rstrip("/")).exists(), item
    assert "secret" not in json.dumps(tool), "a password in a configuration never reaches the output"


def test_the_evidence_names_the_files_and_settings_that_gave_the_tool_away(tmp_path):
    tool = only(detect(build(tmp_path, MINIMAL[1][1])))
    assert tool["evidence"] == [
        "alembic.ini",
        "alembic.ini: script_location = alembic",
        "alembic.ini: sqlalchemy.url = postgresql+psycopg://app@localhost/app",
    ]
    dbmate = only(detect(build(tmp_path / "dbmate", dict(MINIMAL[9][1]))))
    assert dbmate["evidence"] == ["db/migrations/: 1 file like 20260101000000_users.sql",
                                  ".env: DATABASE_URL=postgres://app:***@localhost:5432/app?sslmode=disable"]


def test_nothing_found_is_exit_0_with_an_empty_list_and_says_so(tmp_path):
    build(tmp_path, {"README.md": "# nothing to migrate\n", "src/app.py": "print('hi')\n",
                     "node_modules/knex/knexfile.js": "module.exports = {client: 'pg'}\n"})
    assert detect(tmp_path) == {"directory": str(tmp_path), "tools": [], "note": "no migration tool found"}
    assert detect(tmp_path, json_format=False) == f"No migration tool found in {tmp_path}.\n"


def test_a_monorepo_reports_every_tool_with_its_folder(tmp_path):
    build(tmp_path, {
        # a Python service whose alembic.ini points at migrations kept elsewhere in the repository
        "services/billing/alembic.ini": "[alembic]\nscript_location = %(here)s/../../database/billing\n"
                                        "sqlalchemy.url = postgresql://billing@db/billing\n",
        "database/billing/env.py": "",
        "database/billing/versions/1a2b_invoices.py": "revision = '1a2b'\n",
        "database/billing/versions/3c4d_refunds.py": "revision = '3c4d'\n",
        # a Node app whose package.json moves the Prisma schema out of prisma/
        "apps/web/package.json": '{"prisma": {"schema": "db/schema.prisma"}, "dependencies": {"@prisma/client": "5"}}\n',
        "apps/web/db/schema.prisma": 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
        "apps/web/db/migrations/20260101000000_init/migration.sql": 'CREATE TABLE "Session" ("id" TEXT);\n',
        # a Django project two levels down, with two apps, one of them nested
        "backend/api/manage.py": "import django\n",
        "backend/api/config/settings/base.py": "DATABASES = {'default': {'ENGINE': 'django.db.backends.mysql'}}\n",
        "backend/api/shop/migrations/0001_initial.py": "",
        "backend/api/apps/accounts/migrations/0001_initial.py": "",
        "backend/api/apps/accounts/migrations/0002_email.py": "",
        # a Go service with golang-migrate pairs, and a Java one whose flyway.toml points at its folder
        "services/events/go.mod": "module events\nrequire github.com/golang-migrate/migrate/v4 v4.17.0\n",
        "services/events/schema/0001_events.up.sql": "CREATE TABLE events (id bigint);\n",
        "services/events/schema/0001_events.down.sql": "DROP TABLE events;\n",
        "services/ledger/flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://db/ledger"\n\n'
                                       '[flyway]\nlocations = ["filesystem:src/main/resources/db/ledger"]\n',
        "services/ledger/src/main/resources/db/ledger/V1__ledger.sql": "CREATE TABLE ledger (id bigint);\n",
        # vendored and generated folders are not the project's
        "apps/web/node_modules/some-lib/knexfile.js": "module.exports = {client: 'pg'}\n",
        "services/events/vendor/github.com/x/y/migrations/1_a.up.sql": "SELECT 1;\n",
        "services/events/vendor/github.com/x/y/migrations/1_a.down.sql": "SELECT 1;\n",
    })
    found = {(tool["name"], tool["root"], tool["migrations_dir"]): tool for tool in detect(tmp_path)["tools"]}
    assert sorted(found) == sorted([
        ("Prisma", "apps/web", "apps/web/db/migrations"),
        ("Django", "backend/api", "backend/api/apps/accounts/migrations"),
        ("Django", "backend/api", "backend/api/shop/migrations"),
        ("Alembic", "services/billing", "database/billing/versions"),
        ("golang-migrate", "services/events", "services/events/schema"),
        ("Flyway", "services/ledger", "services/ledger/src/main/resources/db/ledger"),
    ])
    accounts = found[("Django", "backend/api", "backend/api/apps/accounts/migrations")]
    assert accounts["app"] == "accounts" and accounts["migrations"] == 2 and accounts["dialect"] == "mysql"
    assert accounts["commands"]["sql"] == "python manage.py sqlmigrate accounts MIGRATION"
    assert accounts["commands"]["create"] == "python manage.py makemigrations accounts"
    alembic = found[("Alembic", "services/billing", "database/billing/versions")]
    assert alembic["migrations"] == 2 and alembic["dialect"] == "postgres"
    prisma = found[("Prisma", "apps/web", "apps/web/db/migrations")]
    assert "apps/web/package.json: {\"prisma\": {\"schema\": \"db/schema.prisma\"}, \"dependencies\": " \
           "{\"@prisma/client\": \"5\"}}" in prisma["evidence"]
    assert prisma["lint"] == "migrate lint db/migrations/*/migration.sql --dialect postgres"  # from its root
    events = found[("golang-migrate", "services/events", "services/events/schema")]
    assert events["commands"]["up"] == 'migrate -path schema -database "$DATABASE_URL" up'
    ledger = found[("Flyway", "services/ledger", "services/ledger/src/main/resources/db/ledger")]
    assert ledger["dialect"] == "postgres" and ledger["migrations"] == 1

    text = detect(tmp_path, json_format=False)
    assert "Django (app accounts): backend/api\n" in text
    assert "  commands (run in services/events):\n" in text
    assert '    up:      migrate -path schema -database "$DATABASE_URL" up\n' in text


def test_the_example_project_is_dk_migrate_with_a_directory_per_environment():
    tools = detect(SHOP)["tools"]
    assert [(tool["name"], tool["migrations_dir"], tool["dialect"], tool["migrations"]) for tool in tools] == [
        ("dk migrate", "db/migrations/mysql", None, 10),
        ("dk migrate", "db/migrations/postgres", None, 10),
        ("dk migrate", "db/migrations/sqlite", "sqlite", 10),
    ], "its dbmate-format directories belong to dk migrate, not to a second tool"
    mysql, production, development = tools
    assert mysql["commands"]["up"] == "migrate up --env mysql"
    assert production["commands"]["up"] == "migrate up --env production"
    assert development["commands"]["status"] == "migrate status --env development"
    assert production["lint"] == "migrate lint --env production"


def test_a_dk_migrate_directory_in_golang_migrate_format_is_not_also_reported_as_golang_migrate(tmp_path):
    build(tmp_path, {
        "migrate.yaml": "dir: sql\n",
        "sql/0001_users.up.sql": "CREATE TABLE users (id int);\n",
        "sql/0001_users.down.sql": "DROP TABLE users;\n",
    })
    assert [(tool["name"], tool["migrations_dir"]) for tool in detect(tmp_path)["tools"]] == [("dk migrate", "sql")]


def test_detect_runs_without_a_database_and_ignores_database_options(tmp_path):
    build(tmp_path, MINIMAL[5][1])
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["detect", "-C", str(tmp_path), "--url", "postgres://nobody@127.0.0.1:9/none", "--format", "json"],
                stdout=stdout, stderr=stderr, environ={})
    assert code == 0, stderr.getvalue()
    assert only(json.loads(stdout.getvalue()))["name"] == "Flyway"


def test_the_skills_tooling_reference_is_generated_from_the_tool_table():
    """One source: the reference page's table is the data detect uses, so the two cannot drift apart."""
    from dkmigrate.detect import reference
    from dkmigrate.detect.tools import TOOLS

    page = reference.REFERENCE.read_text(encoding="utf-8")
    assert reference.rendered(page) == page, "run `python -m dkmigrate.detect.reference` (scripts/ on PYTHONPATH)"
    rows = [line for line in page.splitlines() if line.startswith("| ") and not line.startswith(("| tool ", "| ---"))]
    assert [row.split(" | ")[0].lstrip("| ") for row in rows] == [tool.name for tool in TOOLS]
    assert "| Alembic | `alembic.ini` (its `script_location`), `versions/*.py` | `alembic current` |" in page
    assert len(TOOLS) >= 17


def test_the_reference_generator_replaces_a_stale_table():
    from dkmigrate.detect import reference

    stale = f"intro\n{reference.BEGIN}\n| tool |\n| Alembic | old |\n{reference.END}\nafter\n"
    assert reference.rendered(stale) == f"intro\n{reference.generated()}\nafter\n"


def test_typeorm_commands_name_the_file_that_exports_the_data_source(tmp_path):
    """A NestJS-style app: the DataSource in a config file named after neither TypeORM nor `data-source`, entities
    and a module that mention DataSource without creating one, and migrations in src/database/migrations."""
    build(tmp_path, {
        "package.json": '{"scripts": {"typeorm": "typeorm-ts-node-commonjs -d src/config/typeorm.config.ts"},'
                        ' "dependencies": {"typeorm": "^0.3.20", "pg": "^8"}}\n',
        "src/app.module.ts": "import { DataSource } from 'typeorm';\n@Module({})\nexport class AppModule {\n"
                             "  constructor(private dataSource: DataSource) {}\n}\n",
        "src/users/user.entity.ts": "@Entity()\nexport class User { @PrimaryGeneratedColumn() id: number; }\n",
        "src/config/typeorm.config.ts": "import { DataSource } from 'typeorm';\nexport default new DataSource({\n"
                                        "  type: 'postgres',\n  url: process.env.DATABASE_URL,\n"
                                        "  migrations: ['src/database/migrations/*.ts'],\n});\n",
        "src/database/migrations/1700000000000-CreateUsers.ts":
            "export class CreateUsers1700000000000 implements MigrationInterface {\n"
            "  async up(queryRunner: QueryRunner) { await queryRunner.query('CREATE TABLE users (id serial)'); }\n}\n",
    })
    typeorm = only(detect(tmp_path))
    assert typeorm["migrations_dir"] == "src/database/migrations"
    assert typeorm["commands"]["up"] == "npx typeorm-ts-node-commonjs migration:run -d src/config/typeorm.config.ts"
    assert typeorm["commands"]["down"] == "npx typeorm-ts-node-commonjs migration:revert -d src/config/typeorm.config.ts"
    assert "src/config/typeorm.config.ts: the DataSource the commands name" in typeorm["evidence"]
    assert typeorm["substitute"] == {}


def test_typeorm_without_a_data_source_file_says_what_to_substitute(tmp_path):
    build(tmp_path, {
        "apps/admin/package.json": '{"dependencies": {"typeorm": "0.3"}}\n',
        "apps/admin/src/migrations/1700000000000-Init.ts": "export class Init1700000000000 implements MigrationInterface {}\n",
    })
    typeorm = only(detect(tmp_path))
    assert typeorm["commands"]["status"] == "npx typeorm-ts-node-commonjs migration:show -d DATA_SOURCE"
    assert typeorm["substitute"] == {
        "DATA_SOURCE": "the file that exports the TypeORM DataSource: no file below apps/admin has `new DataSource(`"}
    text = detect(tmp_path, json_format=False)
    assert ("  substitute DATA_SOURCE: the file that exports the TypeORM DataSource: no file below apps/admin has "
            "`new DataSource(`") in text


def test_a_second_monorepo_with_the_other_tools_in_nested_folders(tmp_path):
    build(tmp_path, {
        # a Rails app and a Rails engine inside it, each with its own db/migrate
        "apps/store/Gemfile": "gem 'rails'\n",
        "apps/store/config/database.yml": "production:\n  adapter: mysql2\n",
        "apps/store/db/migrate/20260101000000_create_products.rb": "class CreateProducts < ActiveRecord::Migration[7.1]\nend\n",
        "apps/store/engines/billing/db/migrate/20260102000000_create_invoices.rb":
            "class CreateInvoices < ActiveRecord::Migration[7.1]\nend\n",
        # Spring Boot with Liquibase: no liquibase.properties, the changelog and the datasource in resources
        "services/catalog/pom.xml": "<project><dependency><artifactId>liquibase-core</artifactId></dependency></project>\n",
        "services/catalog/src/main/resources/application.yml":
            "spring:\n  datasource:\n    url: jdbc:postgresql://db:5432/catalog\n",
        "services/catalog/src/main/resources/db/changelog/db.changelog-master.yaml":
            "databaseChangeLog:\n  - include:\n      file: changes/001-items.sql\n",
        # goose and dbmate in Go services
        "services/notify/go.mod": "module notify\nrequire github.com/pressly/goose/v3 v3.20.0\n",
        "services/notify/db/sql/00001_outbox.sql": "-- +goose Up\nCREATE TABLE outbox (id bigint);\n-- +goose Down\nDROP TABLE outbox;\n",
        "tools/reporting/.env": "DATABASE_URL=sqlite:db/reporting.sqlite3\n",
        "tools/reporting/db/migrations/20260101000000_views.sql": "-- migrate:up\nCREATE VIEW v AS SELECT 1;\n-- migrate:down\nDROP VIEW v;\n",
        # Node apps: Knex with a TypeScript knexfile, Sequelize, TypeORM, Drizzle
        "apps/api/package.json": '{"dependencies": {"knex": "3", "mysql2": "3"}}\n',
        "apps/api/knexfile.ts": "export default {\n  client: 'mysql2',\n  migrations: {\n    directory: './src/db/migrations',\n  },\n};\n",
        "apps/api/src/db/migrations/20260101000000_users.ts": "export async function up(knex) {}\n",
        "apps/legacy/package.json": '{"devDependencies": {"sequelize-cli": "6"}}\n',
        "apps/legacy/.sequelizerc": "const path = require('path');\nmodule.exports = {\n  'migrations-path': path.resolve(__dirname, 'database', 'migrations'),\n};\n",
        "apps/legacy/database/migrations/20260101000000-create-user.js": "module.exports = { async up(queryInterface) {} };\n",
        "apps/admin/package.json": '{"dependencies": {"typeorm": "0.3"}}\n',
        "apps/admin/src/config/data-source.ts": "export default new DataSource({ type: 'mariadb' })\n",
        "apps/admin/src/database/migrations/1700000000000-Init.ts": "export class Init1700000000000 implements MigrationInterface {}\n",
        "apps/edge/package.json": '{"devDependencies": {"drizzle-kit": "0.30"}}\n',
        "apps/edge/drizzle.config.ts": "export default { dialect: 'sqlite', out: './migrations' };\n",
        "apps/edge/migrations/0000_init.sql": "CREATE TABLE notes (id integer);\n",
        # sqitch whose sqitch.conf sits above the plan (top_dir), Diesel with its directory moved, EF Core
        "db/warehouse/sqitch.conf": "[core]\n\tengine = pg\n\ttop_dir = schema\n",
        "db/warehouse/schema/sqitch.plan": "%project=warehouse\n\nfacts 2026-01-01T00:00:00Z A <a@example.com>\n",
        "db/warehouse/schema/deploy/facts.sql": "CREATE TABLE facts (id bigint);\n",
        "db/warehouse/schema/revert/facts.sql": "DROP TABLE facts;\n",
        "crates/store/Cargo.toml": '[dependencies]\ndiesel = { version = "2", features = ["sqlite"] }\n',
        "crates/store/diesel.toml": "[migrations_directory]\ndir = \"sql/migrations\"\n",
        "crates/store/sql/migrations/2026-01-01-000000_init/up.sql": "CREATE TABLE items (id integer);\n",
        "crates/store/sql/migrations/2026-01-01-000000_init/down.sql": "DROP TABLE items;\n",
        "src/Shop.Api/Shop.Api.csproj": "<Project><PackageReference Include=\"Microsoft.EntityFrameworkCore.SqlServer\" /></Project>\n",
        "src/Shop.Api/Program.cs": "services.AddDbContext<ShopDb>(o => o.UseSqlServer(connection));\n",
        "src/Shop.Api/Data/Migrations/20260101000000_Init.Designer.cs": '[Migration("20260101000000_Init")]\n',
    })
    found = sorted((tool["name"], tool["root"], tool["migrations_dir"], tool["dialect"])
                   for tool in detect(tmp_path)["tools"])
    assert found == sorted([
        ("Rails", "apps/store", "apps/store/db/migrate", "mysql"),
        ("Rails", "apps/store/engines/billing", "apps/store/engines/billing/db/migrate", None),
        ("Liquibase", "services/catalog", "services/catalog/src/main/resources/db/changelog", "postgres"),
        ("goose", "services/notify", "services/notify/db/sql", None),
        ("dbmate", "tools/reporting", "tools/reporting/db/migrations", "sqlite"),
        ("Knex", "apps/api", "apps/api/src/db/migrations", "mysql"),
        ("Sequelize", "apps/legacy", "apps/legacy/database/migrations", None),
        ("TypeORM", "apps/admin", "apps/admin/src/database/migrations", "mysql"),
        ("Drizzle", "apps/edge", "apps/edge/migrations", "sqlite"),
        ("sqitch", "db/warehouse/schema", "db/warehouse/schema", "postgres"),
        ("Diesel", "crates/store", "crates/store/sql/migrations", "sqlite"),
        ("EF Core", "src/Shop.Api", "src/Shop.Api/Data/Migrations", "sqlserver"),
    ])


# Configuration files are read by their format's parser: one test per format, each with what a pattern misreads.

def test_ini_files_are_read_by_configparser(tmp_path):
    build(tmp_path, {
        "alembic.ini": "# script_location = old/alembic\n[alembic]\nscript_location = %(here)s/db/alembic\n"
                       "sqlalchemy.url = mysql+pymysql://app@localhost/app\n\n[post_write_hooks]\nhooks = black\n",
        "db/alembic/versions/3f2a_users.py": "revision = '3f2a'\n",
    })
    alembic = only(detect(tmp_path))
    assert alembic["migrations_dir"] == "db/alembic/versions" and alembic["dialect"] == "mysql"
    assert "alembic.ini: script_location = %(here)s/db/alembic" in alembic["evidence"]


def test_sqitch_conf_is_read_as_ini_with_its_tab_indented_keys(tmp_path):
    build(tmp_path, {
        "sqitch.conf": '[engine "pg"]\n\ttarget = db:pg:app\n\tregistry = sqitch\n[core]\n\t# engine = mysql\n'
                       "\tengine = pg\n\tplan_file = sqitch.plan\n",
        "sqitch.plan": "%project=app\n\nusers 2026-01-01T00:00:00Z A <a@example.com>\n",
        "deploy/users.sql": "CREATE TABLE users (id bigint);\n",
        "revert/users.sql": "DROP TABLE users;\n",
    })
    assert only(detect(tmp_path))["dialect"] == "postgres"


def test_java_properties_are_read_with_their_separators_and_continuations(tmp_path):
    build(tmp_path, {
        "flyway.conf": "! Flyway settings\nflyway.url: jdbc:mariadb://db:3306/shop\n"
                       "flyway.locations = filesystem:db/flyway,\\\n    classpath:db/java\n",
        "db/flyway/V1__init.sql": "CREATE TABLE t (id int);\n",
    })
    flyway = only(detect(tmp_path))
    assert flyway["migrations_dir"] == "db/flyway" and flyway["dialect"] == "mysql"


def test_toml_files_are_read_by_tomllib(tmp_path):
    build(tmp_path / "flyway", {
        "flyway.toml": '[environments.default]\nurl = "jdbc:postgresql://db/app"\n\n'
                       '[flyway]\nlocations = [\n  "filesystem:migrations/sql",\n  "classpath:db/java",\n]\n',
        "migrations/sql/V1__init.sql": "CREATE TABLE t (id int);\n",
    })
    flyway = only(detect(tmp_path / "flyway"))
    assert flyway["migrations_dir"] == "migrations/sql" and flyway["dialect"] == "postgres"
    build(tmp_path / "diesel", {
        "diesel.toml": '[print_schema]\nfile = "src/schema.rs"\n\n[migrations_directory]\n'
                       'dir = "db/migrations"  # moved\n',
        "Cargo.toml": '[package]\nname = "app"\n\n[dependencies.diesel]\nversion = "2"\nfeatures = ["mysql", "chrono"]\n',
        "db/migrations/2026-01-01-000000_init/up.sql": "CREATE TABLE t (id int);\n",
        "db/migrations/2026-01-01-000000_init/down.sql": "DROP TABLE t;\n",
    })
    diesel = only(detect(tmp_path / "diesel"))
    assert diesel["migrations_dir"] == "db/migrations" and diesel["dialect"] == "mysql"
    build(tmp_path / "poetry", {
        "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nAlembic = "^1.13"\n',
        "alembic.ini": "[alembic]\nscript_location = alembic\n",
        "alembic/versions/1_a.py": "revision = '1'\n",
    })
    assert "pyproject.toml: Alembic = \"^1.13\"" in only(detect(tmp_path / "poetry"))["evidence"]


def test_json_files_are_read_by_json(tmp_path):
    build(tmp_path, {
        "package.json": '{"prisma": {"seed": {"command": "tsx seed.ts"}, "schema": "db/schema.prisma"}, '
                        '"devDependencies": {"prisma": "5"}}',
        "db/schema.prisma": 'datasource db {\n  provider = "sqlite"\n  url = "file:./dev.db"\n}\n',
        "db/migrations/20260101000000_init/migration.sql": "CREATE TABLE t (id int);\n",
    })
    prisma = only(detect(tmp_path))
    assert prisma["migrations_dir"] == "db/migrations" and prisma["dialect"] == "sqlite"


def test_yaml_files_are_read_by_yaml_with_anchors_erb_and_several_documents(tmp_path):
    build(tmp_path / "rails", {
        "config/database.yml": "default: &default\n  adapter: postgresql\n  pool: <%= ENV.fetch('RAILS_MAX_THREADS') { 5 } %>\n"
                               "development:\n  <<: *default\n  database: app_dev\n",
        "db/migrate/20260101000000_create_users.rb": "class CreateUsers < ActiveRecord::Migration[7.1]\nend\n",
    })
    assert only(detect(tmp_path / "rails"))["dialect"] == "postgres"
    build(tmp_path / "spring", {
        "pom.xml": '<project xmlns="http://maven.apache.org/POM/4.0.0"><dependencies><dependency>'
                   "<groupId>org.flywaydb</groupId><artifactId>flyway-core</artifactId></dependency>"
                   "</dependencies></project>\n",
        "src/main/resources/application.yml": "spring:\n  application:\n    name: shop\n---\nspring:\n"
                                              "  config:\n    activate:\n      on-profile: prod\n"
                                              "  datasource:\n    url: jdbc:mysql://db/shop\n",
        "src/main/resources/db/migration/V1__init.sql": "CREATE TABLE t (id int);\n",
    })
    flyway = only(detect(tmp_path / "spring"))
    assert flyway["dialect"] == "mysql", "the datasource of the second YAML document"
    assert any(item.startswith("pom.xml: <project xmlns=") for item in flyway["evidence"]), \
        "flyway-core read as the artifactId of the namespaced pom"


def test_xml_files_are_read_by_elementtree(tmp_path):
    build(tmp_path, {
        "Shop.csproj": '<Project Sdk="Microsoft.NET.Sdk"><ItemGroup>\n'
                       '  <!-- <PackageReference Include="Microsoft.EntityFrameworkCore.Sqlite" /> -->\n'
                       '  <PackageReference Include="Microsoft.EntityFrameworkCore.SqlServer" Version="8.0.0" />\n'
                       "</ItemGroup></Project>\n",
        "Migrations/20260101000000_Init.cs": '[Migration("20260101000000_Init")]\npublic partial class Init {}\n',
    })
    ef = only(detect(tmp_path))
    assert "Shop.csproj: <PackageReference Include=\"Microsoft.EntityFrameworkCore.SqlServer\" Version=\"8.0.0\" />" \
        in ef["evidence"], "the commented-out package is not the one named"


def test_env_files_are_read_with_export_quotes_and_comments(tmp_path):
    build(tmp_path, {
        "go.mod": "module notify\nrequire github.com/pressly/goose/v3 v3.20.0\n",
        ".env": "# GOOSE_DRIVER=postgres\nexport GOOSE_DRIVER='sqlite3'  \nGOOSE_DBSTRING=\"app.db\" # local\n",
        "migrations/00001_init.sql": "-- +goose Up\nCREATE TABLE t (id int);\n",
    })
    goose = only(detect(tmp_path))
    assert goose["dialect"] == "sqlite" and goose["commands"]["up"].startswith("goose -dir migrations sqlite3 ")


def test_a_configuration_file_that_does_not_parse_names_nothing(tmp_path):
    build(tmp_path, {
        "package.json": '{"prisma": {"schema": "db/schema.prisma"',  # cut short
        "prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n',
        "prisma/migrations/20260101000000_init/migration.sql": "CREATE TABLE t (id int);\n",
    })
    assert only(detect(tmp_path))["migrations_dir"] == "prisma/migrations", "the default, not a guess"
