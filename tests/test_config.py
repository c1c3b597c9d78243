"""Configuration: migrate.yaml, environments, ${VAR} interpolation, URL precedence and bad input."""

import os
import sys
import textwrap
from pathlib import Path

import pytest

from dkmigrate import config
from dkmigrate.config import Options, load_settings
from dkmigrate.derived import derived_file, read_derived
from dkmigrate.errors import ConfigError

CONFIG = """
dir: db/migrations
default_environment: development
environments:
  development:
    url: sqlite:db/dev.sqlite3
  staging:
    url: postgres://app:${STAGING_PASSWORD:-dev}@staging-db:5432/app
    lock_wait: 5
  production:
    url: ${DATABASE_URL}
    protected: true
    dir: db/prod-migrations
"""


@pytest.fixture
def configured(tmp_path) -> Path:
    (tmp_path / "migrate.yaml").write_text(textwrap.dedent(CONFIG))
    return tmp_path


def settings(directory: Path, environ: dict | None = None, **options):
    return load_settings(Options(directory=str(directory), **options), environ or {})


def test_defaults_without_a_configuration_file(tmp_path):
    loaded = settings(tmp_path)
    assert loaded.url.raw == "sqlite:db/development.sqlite3"
    assert loaded.url.sqlite_path == tmp_path.resolve() / "db" / "development.sqlite3"
    assert loaded.migrations_dir == tmp_path.resolve() / "db" / "migrations"
    assert loaded.table == "schema_migrations"
    assert loaded.lock_wait == 60
    assert loaded.protected is False
    assert loaded.config_file is None


def test_default_environment_is_used(configured):
    loaded = settings(configured)
    assert loaded.environment == "development"
    assert loaded.url.sqlite_path == configured.resolve() / "db" / "dev.sqlite3"
    assert loaded.url_source == "environment development"


def test_interpolation_with_default_and_with_value(configured):
    assert settings(configured, env="staging").url.raw == "postgres://app:dev@staging-db:5432/app"
    loaded = settings(configured, {"STAGING_PASSWORD": "s3cret"}, env="staging")
    assert loaded.url.raw == "postgres://app:s3cret@staging-db:5432/app"
    assert loaded.url.masked == "postgres://app:***@staging-db:5432/app"
    assert loaded.lock_wait == 5


def test_unset_variable_is_an_error_only_when_needed(configured):
    assert settings(configured).environment == "development"
    with pytest.raises(ConfigError, match=r"environments.production.url' uses \$\{DATABASE_URL\}, which is not set"):
        settings(configured, env="production")


def test_protected_environment_and_its_own_directory(configured):
    loaded = settings(configured, {"DATABASE_URL": "postgres://u:p@prod/app"}, env="production")
    assert loaded.protected is True
    assert loaded.migrations_dir == configured.resolve() / "db" / "prod-migrations"


def test_url_precedence(configured):
    environ = {"DATABASE_URL": "postgres://from-env/app"}
    assert settings(configured, environ, url="sqlite:x.db").url_source == "--url"
    assert settings(configured, environ).url.raw == "postgres://from-env/app"
    assert settings(configured, environ).url_source == "$DATABASE_URL"
    # An explicit --env outranks a DATABASE_URL left in the shell.
    assert settings(configured, environ, env="development").url.raw == "sqlite:db/dev.sqlite3"


def test_protection_follows_the_selected_environment_whatever_the_url_source(tmp_path):
    (tmp_path / "migrate.yaml").write_text("default_environment: production\nenvironments:\n  production:\n"
                                           "    url: postgres://db/app\n    protected: true\n")
    assert settings(tmp_path, {"DATABASE_URL": "postgres://other/app"}).protected is True


def test_dollar_dollar_is_a_literal_dollar(tmp_path):
    (tmp_path / "migrate.yaml").write_text("environments:\n  development:\n    url: postgres://u:pa$$word@h/db\n")
    assert settings(tmp_path).url.password == "pa$word"


def test_command_line_dir_wins(configured):
    assert settings(configured, dir="other").migrations_dir == configured.resolve() / "other"


@pytest.mark.parametrize("text, message", [
    ("dirs: db\n", "unknown key 'dirs'"),
    ("environments:\n  dev:\n    uri: sqlite:x\n", "unknown key 'environments.dev.uri'"),
    ("environments:\n  dev:\n    protected: yes please\n", "'environments.dev.protected' must be true or false"),
    ("environments:\n  dev:\n    lock_wait: soon\n", "'environments.dev.lock_wait' must be a number of seconds"),
    ("table: 'drop table; x'\n", "not a valid table name"),
    ("- a\n- b\n", "must be a mapping"),
    ("environments: [\n", "not valid YAML"),
    ("default_environment: nope\n", "unknown environment 'nope'"),
])
def test_bad_configuration_names_the_problem(tmp_path, text, message):
    (tmp_path / "migrate.yaml").write_text(text)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        settings(tmp_path)


def test_unknown_environment_lists_the_known_ones(configured):
    with pytest.raises(ConfigError, match="unknown environment 'prod'.*development, production, staging"):
        settings(configured, env="prod")


def test_missing_directory_and_config_file(tmp_path):
    with pytest.raises(ConfigError, match="-C .*: no such directory"):
        settings(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="--config other.yaml: no such file"):
        settings(tmp_path, config="other.yaml")


INIT_CONFIG = """
dir: db/migrations
default_environment: development
environments:
  development:
    url: sqlite:db/development.sqlite3
  production:
    url: ${DATABASE_URL}
    protected: true
    lock_wait: 30
"""


@pytest.mark.parametrize("production, reached_as", [
    ("postgres://app:pw@db.example.com/shop", "postgres://app:pw@db.example.com/shop"),
    ("postgres://app:pw@db.example.com/shop", "postgresql://reader@DB.Example.com:5432/shop"),
    ("postgresql://app@db.example.com:5432/shop?sslmode=require", "postgres://app@db.example.com/shop"),
    ("mysql://root@db:3306/shop", "mariadb://root@DB/shop"),
    ("sqlite:db/prod.sqlite3", "sqlite:db/../db/prod.sqlite3"),
    ("sqlite:db/prod.sqlite3", "sqlite3:///{root}/db/prod.sqlite3"),
    ("sqlite:db/prod.sqlite3", "sqlite:link/prod.sqlite3"),
])
def test_protection_follows_the_database_whatever_name_reaches_it(tmp_path, production, reached_as):
    (tmp_path / "db").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "db")
    (tmp_path / "migrate.yaml").write_text(
        "environments:\n  development:\n    url: sqlite:db/dev.sqlite3\n"
        f"  production:\n    url: {production}\n    protected: true\n    dir: db/prod-migrations\n    lock_wait: 7\n")
    reached_as = reached_as.format(root=tmp_path.resolve())
    for loaded in (settings(tmp_path, url=reached_as), settings(tmp_path, {"DATABASE_URL": reached_as}),
                   settings(tmp_path, env="development", url=reached_as)):
        assert (loaded.environment, loaded.protected, loaded.lock_wait) == ("production", True, 7)
        assert loaded.migrations_dir == tmp_path.resolve() / "db" / "prod-migrations"
        assert loaded.environment_by_url


@pytest.mark.parametrize("other", [
    "postgres://app@db.example.com/shop_test", "postgres://app@db.example.com:5433/shop",
    "postgres://app@replica.example.com/shop", "mysql://app@db.example.com/shop", "sqlite:db/prod2.sqlite3",
])
def test_another_database_is_not_taken_for_the_protected_one(tmp_path, other):
    (tmp_path / "migrate.yaml").write_text(
        "environments:\n  development:\n    url: sqlite:db/dev.sqlite3\n  production:\n"
        "    url: postgres://app@db.example.com/shop\n    protected: true\n"
        "  local:\n    url: sqlite:db/prod.sqlite3\n")
    loaded = settings(tmp_path, url=other)
    assert (loaded.environment, loaded.protected, loaded.environment_by_url) == ("development", False, False)


def test_the_database_url_of_init_s_configuration_is_production(tmp_path):
    (tmp_path / "migrate.yaml").write_text(INIT_CONFIG)
    loaded = settings(tmp_path, {"DATABASE_URL": "postgres://u:p@prod/app"})
    assert (loaded.environment, loaded.protected, loaded.lock_wait) == ("production", True, 30)
    # An explicit --env outranks a DATABASE_URL left in the shell: that is the development database.
    development = settings(tmp_path, {"DATABASE_URL": "postgres://u:p@prod/app"}, env="development")
    assert (development.environment, development.protected) == ("development", False)
    assert development.url.raw == "sqlite:db/development.sqlite3"


def test_a_url_of_another_engine_than_the_environment_s_directory_is_a_configuration_error(tmp_path):
    (tmp_path / "migrate.yaml").write_text(
        "environments:\n  development:\n    url: sqlite:db/dev.sqlite3\n    dir: db/migrations/sqlite\n"
        "  production:\n    url: ${DATABASE_URL}\n    dir: db/migrations/postgres\n    protected: true\n")
    with pytest.raises(ConfigError, match=r"postgres://db/other is a PostgreSQL database but db/migrations/sqlite "
                                          r"is the directory of environment 'development' \(SQLite\)"):
        settings(tmp_path, url="postgres://db/other")
    # The same engine, or a directory named on the command line, is fine.
    assert settings(tmp_path, url="sqlite:elsewhere.db").environment == "development"
    assert settings(tmp_path, url="postgres://db/other", dir="db/migrations/postgres").environment == "development"


def test_a_kept_document_is_used_only_for_the_very_same_text(configured, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    assert load_settings(Options(directory=configured)).url.raw == "sqlite:db/dev.sqlite3"
    # The same size and the modification time put back: only the text tells the two apart.
    path = configured / "migrate.yaml"
    before = path.stat()
    path.write_text(path.read_text().replace("sqlite:db/dev.sqlite3", "sqlite:db/new.sqlite3"))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert load_settings(Options(directory=configured)).url.raw == "sqlite:db/new.sqlite3"
    assert load_settings(Options(directory=configured, env="production"), {"DATABASE_URL": "sqlite:p.db"}).protected

    for n in range(config.KEPT_DOCUMENTS + 3):  # kept for the last configurations parsed, not for every one
        (tmp_path / f"p{n}").mkdir()
        (tmp_path / f"p{n}" / "migrate.yaml").write_text(f"dir: db/migrations_{n}\n")
        assert load_settings(Options(directory=tmp_path / f"p{n}")).migrations_dir.name == f"migrations_{n}"
    assert len(read_derived(derived_file("config"))) == config.KEPT_DOCUMENTS


def test_a_configuration_error_is_reported_from_a_kept_document_too(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "pycache"))
    (tmp_path / "migrate.yaml").write_text("environments:\n  development:\n    lock_wait: soon\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match="environments.development.lock_wait"):
            load_settings(Options(directory=tmp_path))
