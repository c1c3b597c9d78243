"""Compatibility with migrations written by other projects (../shared/corpora)."""

from conftest import Engine, Project


def relations(engine: Engine) -> set[str]:
    """Every table, view, sequence and index in the public schema, apart from the tracking table's."""
    rows = engine.query("SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")
    return {name for (name,) in rows} - {"schema_migrations", "schema_migrations_pkey"}


def test_authelia_postgres_applies_every_up_then_every_down(tmp_path, postgres_url, authelia):
    authelia_postgres = authelia / "postgres"
    project = Project(tmp_path / "p", postgres_url)
    engine = Engine("postgres", postgres_url)

    up = project.run("--dir", str(authelia_postgres), "up")
    assert up.code == 0, up.stderr
    assert "[1/26] V0001.Initial_Schema  applied" in up.stdout
    assert "Applied 26 migrations" in up.stdout
    assert {"authentication_logs", "totp_configurations", "webauthn_credentials"} <= engine.tables()

    status = project.run("--dir", str(authelia_postgres), "status", "--format", "json").json
    assert status["format"] == "pairs"
    assert status["summary"]["applied"] == 26

    down = project.run("--dir", str(authelia_postgres), "down", "--steps", "26")
    assert down.code == 0, down.stderr
    assert "[26/26] V0001.Initial_Schema  rolled back" in down.stdout
    assert relations(engine) == set()
    assert engine.tracked_versions() == []
