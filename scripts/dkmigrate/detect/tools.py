"""The migration tools `migrate detect` knows, as data: how each is recognised, where its configuration keeps
the migrations and the database engine, and its own commands. skills/migration/references/tooling.md is
generated from this table (python -m dkmigrate.detect.reference); nothing else lists the tools.

Order matters where two tools could claim one directory: a tool's configuration file claims its migrations
directory first, then directories are matched by their files in this order."""

from .own import environment_directories
from .model import Commands, ConfigFile, MigrationFiles, Setting, Tool

# What configurations call a database engine -> the dialect `migrate lint --dialect` and the JSON use.
DIALECT_NAMES = {
    "postgres": "postgres", "postgresql": "postgres", "pg": "postgres", "psql": "postgres", "postgis": "postgres",
    "postgresql_psycopg2": "postgres", "npgsql": "postgres", "pgx": "postgres", "cockroachdb": "postgres",
    "mysql": "mysql", "mysql2": "mysql", "mariadb": "mysql", "mysqlconnector": "mysql", "pymysql": "mysql",
    "sqlite": "sqlite", "sqlite3": "sqlite", "better-sqlite3": "sqlite", "libsql": "sqlite", "turso": "sqlite",
    "sqlserver": "sqlserver", "mssql": "sqlserver", "tedious": "sqlserver", "oracle": "oracle", "oracledb": "oracle",
}
GOOSE_DRIVERS = {"postgres": "postgres", "mysql": "mysql", "sqlite": "sqlite3", "sqlserver": "mssql"}

_SCHEME = r"^([a-z0-9]+)(?:\+\w+)?:"  # a URL's scheme, without SQLAlchemy's +driver
_JDBC = r"^jdbc:([a-z0-9]+):"
_DATABASE_URL = Setting(".env", key=("DATABASE_URL",), value=_SCHEME)
_SPRING_DATASOURCE = (Setting("**/application*.properties", key=("spring.datasource.url",), value=_JDBC),
                      Setting("**/application*.y*ml", key=("spring", "datasource", "url"), value=_JDBC))
_JVM_BUILD = ("pom.xml", "build.gradle", "build.gradle.kts")


def _python_package(name: str) -> tuple[Setting, ...]:
    """A Python package named in requirements files (a line list) or in pyproject.toml's dependencies (PEP 621 or
    Poetry)."""
    return (Setting("requirements*.txt", rf"^({name})\b"),
            Setting("pyproject.toml", key=("project", "dependencies"), value=rf"^({name})\b"),
            Setting("pyproject.toml", key=("tool", "poetry", "dependencies"), value=rf"^({name})$"))


def _npm_package(names: str) -> tuple[Setting, ...]:
    """An npm package (a regex of names) among package.json's dependencies."""
    return tuple(Setting("package.json", key=(section,), value=rf"^({names})$")
                 for section in ("dependencies", "devDependencies"))

TOOLS = (
    Tool(
        name="dk migrate",
        recognised_by="`migrate.yaml`",
        anchors=(ConfigFile("migrate.yaml"), ConfigFile("migrate.yml")),
        configured_directories=environment_directories,
        sql_files=("*.sql",),
        catalogue=True,
        lint="migrate lint{env}",
        commands=Commands(create="migrate create NAME{env}", up="migrate up{env}", down="migrate down{env}",
                          status="migrate status{env}", sql="migrate up --dry-run{env}"),
    ),
    Tool(
        name="Alembic",
        recognised_by="`alembic.ini` (its `script_location`), `versions/*.py`",
        anchors=(ConfigFile("alembic.ini"),),
        default_dir="alembic/versions",
        directory=(Setting("alembic.ini", key=("*", "script_location"), value=r"^(?:%\(here\)s/?)?(\S+)",
                           suffix="versions"),),
        dialect=(Setting("alembic.ini", key=("*", "sqlalchemy.url"), value=_SCHEME), _DATABASE_URL),
        mentions=_python_package("alembic"),
        commands=Commands(create='alembic revision -m "NAME"', up="alembic upgrade head", down="alembic downgrade -1",
                          status="alembic current", sql="alembic upgrade CURRENT:head --sql"),
        notes=("Offline mode needs a starting revision when it cannot ask the database: take it from "
               "`alembic current` (`alembic upgrade 3f2a:head --sql`).",),
    ),
    Tool(
        name="Django",
        recognised_by="`manage.py`, `<app>/migrations/0001_initial.py`",
        anchors=(ConfigFile("manage.py", content=r"django"),),
        per_app="**/migrations/0*.py",
        dialect=(Setting("**/settings*.py", r"django\.db\.backends\.(\w+)"),
                 Setting("**/settings/*.py", r"django\.db\.backends\.(\w+)"),
                 _DATABASE_URL),
        mentions=_python_package("django"),
        commands=Commands(create="python manage.py makemigrations {app}", up="python manage.py migrate",
                          down="python manage.py migrate {app} PREVIOUS_MIGRATION",
                          status="python manage.py showmigrations {app}",
                          sql="python manage.py sqlmigrate {app} MIGRATION"),
        notes=("Each migration runs in a transaction on PostgreSQL unless it sets `atomic = False`; "
               "`AddIndexConcurrently` needs `atomic = False`.",),
    ),
    Tool(
        name="Rails",
        recognised_by="`db/migrate/*.rb`, `config/database.yml`",
        anchors=(MigrationFiles("*.rb", content=r"ActiveRecord::Migration", up=2),),
        # database.yml may hold ERB (<%= ... %>), which YAML reads as text
        dialect=(Setting("config/database.yml", key=("*", "adapter"), value=r"^(\w+)$"), _DATABASE_URL),
        mentions=(Setting("Gemfile", r"^\s*gem\s+['\"](rails|activerecord)['\"]"),),
        commands=Commands(create="bin/rails generate migration NAME", up="bin/rails db:migrate",
                          down="bin/rails db:rollback STEP=1", status="bin/rails db:migrate:status", sql=None),
        review="no offline SQL: run the migration on a scratch database and lint the DDL from the log",
        notes=("The `strong_migrations` gem is Rails' own linter; dk migrate's findings name the Rails form of "
               "the safe alternative (`algorithm: :concurrently`, `ignored_columns`).",),
    ),
    Tool(
        name="Prisma",
        recognised_by="`schema.prisma`, `prisma/migrations/*/migration.sql`",
        anchors=(ConfigFile("schema.prisma", root_marker="package.json"),),
        default_dir="{anchor_dir}/migrations",
        directory=(Setting("package.json", key=("prisma", "schema"), names_file=True, suffix="migrations"),),
        # the Prisma schema language is read with a pattern
        dialect=(Setting("**/schema.prisma", r"datasource\s+\w+\s*\{[^}]*?provider\s*=\s*\"(\w+)\""),),
        mentions=_npm_package(r"prisma|@prisma/client"),
        sql_files=("*/migration.sql",),
        commands=Commands(create="npx prisma migrate dev --name NAME --create-only", up="npx prisma migrate deploy",
                          down=None, status="npx prisma migrate status", sql=None),
        review="the generated `migration.sql` (write it with `--create-only`, edit it to the safe form, then deploy)",
        notes=("No down migrations: roll forward with a new migration; a failed one is marked with "
               "`npx prisma migrate resolve --rolled-back NAME`.",),
    ),
    Tool(
        name="Flyway",
        recognised_by="`flyway.conf` or `flyway.toml`, `V1__init.sql`",
        anchors=(ConfigFile("flyway.conf"), ConfigFile("flyway.toml"), ConfigFile("conf/flyway.conf", up=1),
                 MigrationFiles("V*__*.sql", root_marker=_JVM_BUILD)),
        default_dir="sql",
        directory=(Setting("flyway.conf", key=("flyway.locations",), value=r"^(?:filesystem:)?([^,\s]+)"),
                   Setting("conf/flyway.conf", key=("flyway.locations",), value=r"^(?:filesystem:)?([^,\s]+)"),
                   Setting("flyway.toml", key=("flyway", "locations"), value=r"^(?:filesystem:)?(.+)$")),
        dialect=(Setting("flyway.conf", key=("flyway.url",), value=_JDBC),
                 Setting("conf/flyway.conf", key=("flyway.url",), value=_JDBC),
                 Setting("flyway.toml", key=("environments", "*", "url"), value=_JDBC), *_SPRING_DATASOURCE),
        mentions=(Setting("pom.xml", key=("artifactId",), value=r"^(flyway-core)$"),
                  Setting("build.gradle*", r"(org\.flywaydb)")),
        sql_files=("V*__*.sql", "U*__*.sql"),
        catalogue=True,
        commands=Commands(create=None, up="flyway migrate", down="flyway undo", status="flyway info", sql=None),
        review="the `V` file itself",
        notes=("A new migration is a new `V<n>__<description>.sql` file; `flyway undo` needs a paid edition and "
               "`U` files, otherwise roll forward with a new `V` migration.",),
    ),
    Tool(
        name="Liquibase",
        recognised_by="`liquibase.properties`, a `databaseChangeLog` (XML, YAML, JSON) or `--liquibase formatted sql`",
        anchors=(ConfigFile("liquibase.properties"),
                 MigrationFiles("*.sql", content=r"^--\s*liquibase formatted sql", root_marker=_JVM_BUILD),
                 MigrationFiles("*.xml", content=r"<databaseChangeLog", root_marker=_JVM_BUILD),
                 MigrationFiles("*.y*ml", content=r"^databaseChangeLog:", root_marker=_JVM_BUILD)),
        directory=(Setting("liquibase.properties", key=("changeLogFile",), names_file=True),),
        dialect=(Setting("liquibase.properties", key=("url",), value=_JDBC), *_SPRING_DATASOURCE),
        mentions=(Setting("pom.xml", key=("artifactId",), value=r"^(liquibase-core)$"),
                  Setting("build.gradle*", r"(org\.liquibase)")),
        sql_files=("*.sql", "*/*.sql"),
        commands=Commands(create=None, up="liquibase update", down="liquibase rollback-count 1",
                          status="liquibase status --verbose", sql="liquibase update-sql"),
        notes=("A new migration is a new changeset in the changelog. Formatted-SQL changelogs are linted as "
               "they are; XML and YAML changesets through `liquibase update-sql`.",),
    ),
    Tool(
        name="golang-migrate",
        recognised_by="`*.up.sql` and `*.down.sql` pairs",
        anchors=(MigrationFiles("*.up.sql", sibling="{stem}.down.sql", root_marker="go.mod"),),
        mentions=(Setting("go.mod", r"(github\.com/golang-migrate/migrate)"),),
        sql_files=("*.up.sql", "*.down.sql"),
        catalogue=True,
        commands=Commands(create="migrate create -ext sql -dir {dir} -seq NAME",
                          up='migrate -path {dir} -database "$DATABASE_URL" up',
                          down='migrate -path {dir} -database "$DATABASE_URL" down 1',
                          status='migrate -path {dir} -database "$DATABASE_URL" version', sql=None),
        review="the `.up.sql` file",
        notes=("Its binary is also called `migrate`: call dk migrate by its full path.",),
    ),
    Tool(
        name="goose",
        recognised_by="`-- +goose Up` in `.sql` files, or Go migrations calling `goose.AddMigration`",
        anchors=(MigrationFiles("*.sql", content=r"^--\s*\+goose\s+up", root_marker="go.mod"),
                 MigrationFiles("*.go", content=r"goose\.AddMigration", root_marker="go.mod")),
        dialect=(Setting(".env", key=("GOOSE_DRIVER",), value=r"^(\w+)"), _DATABASE_URL),
        mentions=(Setting("go.mod", r"(github\.com/pressly/goose)"),),
        sql_files=("*.sql",),
        catalogue=True,
        commands=Commands(create="goose -dir {dir} create NAME sql", up='goose -dir {dir} {driver} "$DATABASE_URL" up',
                          down='goose -dir {dir} {driver} "$DATABASE_URL" down',
                          status='goose -dir {dir} {driver} "$DATABASE_URL" status', sql=None),
        review="the `.sql` file",
    ),
    Tool(
        name="dbmate",
        recognised_by="`db/migrations/*.sql` with `-- migrate:up` and no `migrate.yaml`",
        anchors=(MigrationFiles("*.sql", content=r"^--\s*migrate:up", root_marker=".env"),),
        dialect=(_DATABASE_URL,),
        sql_files=("*.sql",),
        catalogue=True,
        commands=Commands(create="dbmate --migrations-dir {dir} new NAME", up="dbmate --migrations-dir {dir} up",
                          down="dbmate --migrations-dir {dir} rollback", status="dbmate --migrations-dir {dir} status",
                          sql=None),
        review="the file; dk migrate also runs dbmate projects as they are",
    ),
    Tool(
        name="Knex",
        recognised_by="`knexfile.js` / `.ts`, `migrations/*.js`",
        anchors=(ConfigFile("knexfile.*"),),
        default_dir="migrations",
        directory=(Setting("knexfile.*", r"migrations\s*:\s*\{[^}]*?directory\s*:\s*['\"`](?:\./)?([^'\"`]+)"),),
        dialect=(Setting("knexfile.*", r"client\s*:\s*['\"`]([\w-]+)"),),
        mentions=_npm_package("knex"),
        commands=Commands(create="npx knex migrate:make NAME", up="npx knex migrate:latest",
                          down="npx knex migrate:rollback", status="npx knex migrate:status", sql=None),
        review="no offline SQL: run on a scratch database with `DEBUG=knex:query` and lint the logged DDL",
    ),
    Tool(
        name="Sequelize",
        recognised_by="`.sequelizerc`, or `migrations/*.js` using `queryInterface`",
        anchors=(ConfigFile(".sequelizerc"),
                 MigrationFiles("*.js", content=r"async\s+up\s*\(\s*queryInterface", root_marker="package.json")),
        default_dir="migrations",
        directory=(Setting(".sequelizerc", r"['\"]migrations-path['\"]\s*:\s*path\.resolve\(([^)]*)\)", joined=True),),
        dialect=(Setting("**/config/config.js*", r"dialect\s*['\"]?\s*:\s*['\"](\w+)", key=("*", "dialect"),
                         value=r"^(\w+)$"),),
        mentions=_npm_package("sequelize-cli|sequelize"),
        commands=Commands(create="npx sequelize-cli migration:generate --name NAME", up="npx sequelize-cli db:migrate",
                          down="npx sequelize-cli db:migrate:undo", status="npx sequelize-cli db:migrate:status",
                          sql=None),
        review="no offline SQL: run on a scratch database with `logging: console.log` and lint the logged DDL",
    ),
    Tool(
        name="TypeORM",
        recognised_by="migrations implementing `MigrationInterface`, a `DataSource` file",
        anchors=(MigrationFiles("*.ts", content=r"implements\s+MigrationInterface", root_marker="package.json"),
                 MigrationFiles("*.js", content=r"implements\s+MigrationInterface|MigrationInterface",
                                root_marker="package.json")),
        dialect=(Setting("**/*data-source*.ts", r"type\s*:\s*['\"](\w+)['\"]"),
                 Setting("**/ormconfig.*", r"[\"']?type[\"']?\s*:\s*['\"](\w+)['\"]", key=("type",), value=r"^(\w+)$")),
        mentions=_npm_package("typeorm"),
        data_source=(("**/*data-source*.[jt]s", "**/*datasource*.[jt]s", "**/*.[jt]s"),
                     r"new\s+DataSource\s*\("),
        commands=Commands(create="npx typeorm migration:create {dir}/NAME",
                          up="npx typeorm-ts-node-commonjs migration:run -d {data_source}",
                          down="npx typeorm-ts-node-commonjs migration:revert -d {data_source}",
                          status="npx typeorm-ts-node-commonjs migration:show -d {data_source}", sql=None),
        review="no offline SQL: run on a scratch database with `logging: true` and lint the logged DDL",
    ),
    Tool(
        name="Drizzle",
        recognised_by="`drizzle.config.ts` (its `out`), `drizzle/*.sql`",
        anchors=(ConfigFile("drizzle.config.*"),),
        default_dir="drizzle",
        directory=(Setting("drizzle.config.*", r"out\s*:\s*['\"`](?:\./)?([^'\"`]+?)/?['\"`]"),),
        dialect=(Setting("drizzle.config.*", r"dialect\s*:\s*['\"`](\w+)"),
                 Setting("drizzle.config.*", r"driver\s*:\s*['\"`]([\w-]+)")),
        mentions=_npm_package("drizzle-kit"),
        sql_files=("*.sql",),
        commands=Commands(create="npx drizzle-kit generate --name NAME", up="npx drizzle-kit migrate", down=None,
                          status=None, sql=None),
        review="the generated `.sql` file (statements separated by `--> statement-breakpoint`)",
        notes=("No down migrations and no status command: roll forward with a new migration.",),
    ),
    Tool(
        name="sqitch",
        recognised_by="`sqitch.plan`, `deploy/`, `revert/`, `verify/`",
        anchors=(ConfigFile("sqitch.plan"),),
        default_dir=".",
        dialect=(Setting("sqitch.conf", key=("core", "engine"), value=r"^(\w+)$"),),
        sql_files=("deploy/*.sql", "revert/*.sql"),
        reverts=("deploy/*.sql", "revert/*.sql"),
        commands=Commands(create='sqitch add NAME -n "NOTE"', up="sqitch deploy", down="sqitch revert --to @HEAD^",
                          status="sqitch status", sql=None),
        review="`deploy/NAME.sql` and `revert/NAME.sql`",
    ),
    Tool(
        name="Diesel",
        recognised_by="`diesel.toml`, `migrations/*/up.sql`",
        anchors=(ConfigFile("diesel.toml"),),
        default_dir="migrations",
        directory=(Setting("diesel.toml", key=("migrations_directory", "dir"), value=r"^(?:\./)?(.+)$"),),
        dialect=(_DATABASE_URL,
                 Setting("Cargo.toml", key=("dependencies", "diesel", "features"), value=r"^(postgres|mysql|sqlite)$")),
        mentions=(Setting("Cargo.toml", key=("dependencies",), value=r"^(diesel)$"),),
        sql_files=("*/up.sql", "*/down.sql"),
        reverts=("*/up.sql", "*/down.sql"),
        commands=Commands(create="diesel migration generate NAME", up="diesel migration run",
                          down="diesel migration revert", status="diesel migration list", sql=None),
        review="`up.sql` of the migration's folder",
    ),
    Tool(
        name="EF Core",
        recognised_by="`Migrations/*.cs` with `[Migration(...)]`, a `*ModelSnapshot.cs`",
        anchors=(MigrationFiles("*.cs", content=r"\[Migration\(\"", root_marker="*.csproj"),),
        dialect=(Setting("**/*.cs", r"\.Use(Npgsql|SqlServer|Sqlite|MySql|Oracle)\("),),
        mentions=(Setting("*.csproj", key=("PackageReference@Include",), value=r"^(Microsoft\.EntityFrameworkCore\.\w+)"),),
        commands=Commands(create="dotnet ef migrations add NAME", up="dotnet ef database update",
                          down="dotnet ef database update PREVIOUS_MIGRATION", status="dotnet ef migrations list",
                          sql="dotnet ef migrations script --idempotent"),
    ),
)
