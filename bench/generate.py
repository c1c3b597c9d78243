"""The projects the benchmark runs on, generated: migration directories in dbmate's, yoyo's and Alembic's
shapes, and one large migration of the statements real migrations are made of."""

import random
from pathlib import Path

# One migration: a table and an index, valid SQL for SQLite and PostgreSQL alike; the down drops it.
_TABLE = "CREATE TABLE t{n} (id integer PRIMARY KEY, name text NOT NULL, created_at text)"
_INDEX = "CREATE INDEX t{n}_name ON t{n} (name)"
_DROP = "DROP TABLE t{n}"
FIRST_VERSION = 20260101000000


def dbmate_project(directory: Path, count: int) -> Path:
    """`count` migrations in dbmate's format (which dk migrate reads as it is)."""
    directory.mkdir(parents=True)
    for n in range(1, count + 1):
        (directory / f"{FIRST_VERSION + n}_create_table_{n}.sql").write_text(
            f"-- migrate:up\n{_TABLE.format(n=n)};\n{_INDEX.format(n=n)};\n\n-- migrate:down\n{_DROP.format(n=n)};\n")
    return directory


def yoyo_project(directory: Path, count: int) -> Path:
    """The same migrations as yoyo-migrations files: NNNN.name.sql with NNNN.name.rollback.sql."""
    directory.mkdir(parents=True)
    for n in range(1, count + 1):
        stem = f"{n:05d}.create_table_{n}"
        (directory / f"{stem}.sql").write_text(f"{_TABLE.format(n=n)};\n{_INDEX.format(n=n)};\n")
        (directory / f"{stem}.rollback.sql").write_text(f"{_DROP.format(n=n)};\n")
    return directory


def alembic_project(directory: Path, count: int, url: str) -> Path:
    """The same migrations as an Alembic project (alembic.ini, env.py, one revision file each, chained);
    each migration commits on its own, as dk migrate's and dbmate's do. Returns alembic.ini."""
    versions = directory / "versions"
    versions.mkdir(parents=True)
    ini = directory / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {directory}\nsqlalchemy.url = {url}\n")
    (directory / "env.py").write_text(
        "from alembic import context\n"
        "from sqlalchemy import create_engine\n\n"
        "with create_engine(context.config.get_main_option('sqlalchemy.url')).connect() as connection:\n"
        "    context.configure(connection=connection, transaction_per_migration=True)\n"
        "    with context.begin_transaction():\n"
        "        context.run_migrations()\n")
    (directory / "script.py.mako").write_text("")
    for n in range(1, count + 1):
        down = f"'r{n - 1:05d}'" if n > 1 else "None"
        (versions / f"r{n:05d}_create_table_{n}.py").write_text(
            f"from alembic import op\n\nrevision = 'r{n:05d}'\ndown_revision = {down}\n\n\n"
            f"def upgrade():\n    op.execute('{_TABLE.format(n=n)}')\n    op.execute('{_INDEX.format(n=n)}')\n\n\n"
            f"def downgrade():\n    op.execute('{_DROP.format(n=n)}')\n")
    return ini


# The kinds of statements real migrations are made of, most of them safe, some not: tables with their
# indexes and constraints, new columns, backfills, functions and triggers, seed data, and the usual
# hazards (a rename, a type change, SET NOT NULL, an index built without CONCURRENTLY).
_STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS {schema}.orders_{n} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES {schema}.customers (id) ON DELETE CASCADE,
    "Status" text NOT NULL DEFAULT 'pending' CHECK ("Status" IN ('pending', 'paid', 'shipped')),
    total_cents integer NOT NULL DEFAULT 0,
    currency char(3) NOT NULL DEFAULT 'EUR',
    note varchar(200),
    metadata jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz
);
""",
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_{n}_customer_idx ON {schema}.orders_{n} (customer_id, created_at DESC);\n",
    "ALTER TABLE {schema}.orders_{n} ADD COLUMN shipped_at timestamptz, ADD COLUMN tracking varchar(64) DEFAULT '';\n",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_{n}_fkey FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;\n",
    "ALTER TABLE accounts VALIDATE CONSTRAINT accounts_owner_{n}_fkey;\n",
    """CREATE OR REPLACE FUNCTION {schema}.touch_{n}() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    -- keep updated_at current; a ';' inside the body must not end the statement
    NEW.updated_at := now();
    IF NEW."Status" = 'paid' AND OLD."Status" <> 'paid' THEN
        INSERT INTO audit_log (table_name, row_id, message) VALUES ('orders_{n}', NEW.id, 'paid; notify');
    END IF;
    RETURN NEW;
END;
$body$;
""",
    "CREATE TRIGGER orders_{n}_touch BEFORE UPDATE ON {schema}.orders_{n} FOR EACH ROW EXECUTE FUNCTION {schema}.touch_{n}();\n",
    """INSERT INTO {schema}.orders_{n} (customer_id, "Status", total_cents, note) VALUES
    (1, 'paid', 1250, 'first; order'), (2, 'pending', 900, 'it''s fine'), (3, 'shipped', 4300, NULL),
    (4, 'paid', 120, 'gift'), (5, 'pending', 77, $$dollar 'quoted' note$$), (6, 'paid', 10, 'x');
""",
    "UPDATE {schema}.orders_{n} SET total_cents = total_cents * 100 WHERE id BETWEEN {n} AND {n} + 1000;\n",
    "COMMENT ON TABLE {schema}.orders_{n} IS 'Orders, partition {n} /* not a comment */';\n",
    "/* a block comment between statements */\nSET lock_timeout = '5s';\n",
    "ALTER TABLE {schema}.orders_{n} ALTER COLUMN note TYPE text;\n",
    "ALTER TABLE accounts RENAME COLUMN legacy_{n} TO legacy_{n}_old;\n",
    "ALTER TABLE accounts ALTER COLUMN amount_{n} TYPE bigint;\n",
    "ALTER TABLE accounts ALTER COLUMN email_{n} SET NOT NULL;\n",
    "CREATE INDEX accounts_{n}_email_idx ON accounts (lower(email_{n}));\n",
]


def large_migration(path: Path, size: int) -> int:
    """A migration of `size` bytes or a little more; returns its statement count."""
    random.seed(7)
    parts, written, count = ["-- generated by bench/generate.py\n"], 0, 0
    while written < size:
        statement = _STATEMENTS[count % len(_STATEMENTS)].format(n=count, schema=random.choice(["public", "shop"]))
        parts.append(statement)
        written += len(statement)
        count += 1
    path.write_text("".join(parts), encoding="utf-8")
    return count
