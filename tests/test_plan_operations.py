"""The planner's operations: each one's SQL and its reverse's SQL on every engine, offline (no server), and a
phase's rollback made of its operations' reverses, last first, with lint allowances carried by the operations."""

import pytest

from dkmigrate.engines import ENGINES
from dkmigrate.plan import operations as ops
from dkmigrate.plan.identifiers import Name, TableName

USERS = TableName(None, Name("users"))
APP_ORDERS = TableName(Name("app"), Name("Order"))
EMAIL, ADDRESS = Name("email"), Name("email_address")


def up_and_down(operation: ops.Operation, dialect: str) -> tuple[list[str], list[str]]:
    engine = ENGINES[dialect]
    return ops.sql([operation], engine), ops.sql(ops.reverse([operation]), engine)


# (operation, dialect, its SQL, its reverse's SQL)
CASES = [
    (ops.AddColumn(USERS, ADDRESS, "text"), "postgres",
     ["ALTER TABLE users ADD COLUMN email_address text"], ["ALTER TABLE users DROP COLUMN email_address"]),
    (ops.AddColumn(USERS, ADDRESS, "text"), "sqlite",
     ["ALTER TABLE users ADD COLUMN email_address text"], ["ALTER TABLE users DROP COLUMN email_address"]),
    (ops.AddColumn(USERS, ADDRESS, "text"), "mysql",
     ["ALTER TABLE users ADD COLUMN email_address text, ALGORITHM=INSTANT"],
     ["ALTER TABLE users DROP COLUMN email_address, ALGORITHM=INPLACE, LOCK=NONE"]),
    (ops.AddColumn(APP_ORDERS, Name("Total"), "numeric(12,2)", not_null=True, default="'0'"), "postgres",
     ['ALTER TABLE app."Order" ADD COLUMN "Total" numeric(12,2) DEFAULT \'0\' NOT NULL'],
     ['ALTER TABLE app."Order" DROP COLUMN "Total"']),
    (ops.DropColumn(USERS, EMAIL, "varchar(255)", not_null=True, default="''"), "mysql",
     ["ALTER TABLE users DROP COLUMN email, ALGORITHM=INPLACE, LOCK=NONE"],
     ["ALTER TABLE users ADD COLUMN email varchar(255) DEFAULT '' NOT NULL, ALGORITHM=INSTANT"]),
    (ops.RenameColumn(USERS, EMAIL, ADDRESS), "postgres",
     ["ALTER TABLE users RENAME COLUMN email TO email_address"],
     ["ALTER TABLE users RENAME COLUMN email_address TO email"]),
    (ops.RenameColumn(USERS, EMAIL, ADDRESS), "sqlite",
     ["ALTER TABLE users RENAME COLUMN email TO email_address"],
     ["ALTER TABLE users RENAME COLUMN email_address TO email"]),
    (ops.RenameColumn(USERS, EMAIL, ADDRESS), "mysql",
     ["ALTER TABLE users RENAME COLUMN email TO email_address, ALGORITHM=INPLACE, LOCK=NONE"],
     ["ALTER TABLE users RENAME COLUMN email_address TO email, ALGORITHM=INPLACE, LOCK=NONE"]),
    (ops.AlterColumn(USERS, EMAIL, "text", True, "'x'", False, None), "postgres",
     ["ALTER TABLE users ALTER COLUMN email SET NOT NULL", "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x'"],
     ["ALTER TABLE users ALTER COLUMN email DROP NOT NULL", "ALTER TABLE users ALTER COLUMN email DROP DEFAULT"]),
    (ops.AlterColumn(USERS, EMAIL, "varchar(255)", True, "'x'", False, None), "mysql",
     ["ALTER TABLE users MODIFY COLUMN email varchar(255) NOT NULL DEFAULT 'x', ALGORITHM=INPLACE, LOCK=NONE"],
     ["ALTER TABLE users MODIFY COLUMN email varchar(255) NULL, ALGORITHM=INPLACE, LOCK=NONE"]),
    (ops.CreateIndex(USERS, "users_email_key", (EMAIL,), unique=True), "postgres",
     ["CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)"],
     ["DROP INDEX CONCURRENTLY IF EXISTS users_email_key"]),
    (ops.CreateIndex(USERS, "users_tags_idx", (Name("tags"),), method="gin"), "postgres",
     ["CREATE INDEX CONCURRENTLY users_tags_idx ON users USING gin (tags)"],
     ["DROP INDEX CONCURRENTLY IF EXISTS users_tags_idx"]),
    (ops.CreateIndex(APP_ORDERS, "Order_idx", (Name("total"),)), "postgres",
     ['CREATE INDEX CONCURRENTLY "Order_idx" ON app."Order" (total)'],
     ['DROP INDEX CONCURRENTLY IF EXISTS app."Order_idx"']),
    (ops.CreateIndex(USERS, "users_email_key", (EMAIL,), unique=True), "sqlite",
     ["CREATE UNIQUE INDEX users_email_key ON users (email)"], ["DROP INDEX IF EXISTS users_email_key"]),
    (ops.CreateIndex(USERS, "users_email_key", (EMAIL,), unique=True), "mysql",
     ["ALTER TABLE users ADD UNIQUE INDEX users_email_key (email), ALGORITHM=INPLACE, LOCK=NONE"],
     ["ALTER TABLE users DROP INDEX users_email_key, ALGORITHM=INPLACE, LOCK=NONE"]),
    (ops.DropIndex(USERS, "users_email", ops.RestoreIndex(USERS, "users_email", "CREATE INDEX users_email ON public.users USING btree (email)")),
     "postgres", ["DROP INDEX CONCURRENTLY IF EXISTS users_email"],
     ["CREATE INDEX CONCURRENTLY users_email ON public.users USING btree (email)"]),
    (ops.DropIndex(USERS, "users_email", ops.RestoreIndex(USERS, "users_email", "CREATE INDEX users_email ON users (email)")),
     "sqlite", ["DROP INDEX IF EXISTS users_email"], ["CREATE INDEX users_email ON users (email)"]),
    (ops.AddNotNullCheck(USERS, "users_email_not_null", EMAIL), "postgres",
     ["ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID"],
     ["ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_not_null"]),
    (ops.DropCheck(USERS, "users_email_not_null", EMAIL), "postgres",
     ["ALTER TABLE users DROP CONSTRAINT users_email_not_null"],
     ["ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID"]),
    (ops.ValidateConstraint(USERS, "users_email_not_null"), "postgres",
     ["ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null"], []),
    (ops.RenameTable(USERS, TableName(None, Name("accounts"))), "postgres",
     ["ALTER TABLE users RENAME TO accounts"], ["ALTER TABLE accounts RENAME TO users"]),
    (ops.RenameTable(USERS, TableName(None, Name("accounts"))), "sqlite",
     ["ALTER TABLE users RENAME TO accounts"], ["ALTER TABLE accounts RENAME TO users"]),
    (ops.RenameTable(USERS, TableName(None, Name("accounts"))), "mysql",
     ["RENAME TABLE users TO accounts"], ["RENAME TABLE accounts TO users"]),
    (ops.Backfill(USERS, "email_address = email", "email_address IS NULL"), "sqlite",
     ["-- migrate:batch size=5000", "UPDATE users SET email_address = email WHERE email_address IS NULL"], []),
    (ops.Locked((ops.AddColumn(USERS, ADDRESS, "text"),)), "postgres",
     ["SET LOCAL lock_timeout = '5s'", "ALTER TABLE users ADD COLUMN email_address text"],
     ["SET LOCAL lock_timeout = '5s'", "ALTER TABLE users DROP COLUMN email_address"]),
    (ops.Locked((ops.AddColumn(USERS, ADDRESS, "text"),), in_transaction=False), "postgres",
     ["SET lock_timeout = '5s'", "ALTER TABLE users ADD COLUMN email_address text", "RESET lock_timeout"],
     ["SET lock_timeout = '5s'", "ALTER TABLE users DROP COLUMN email_address", "RESET lock_timeout"]),
    (ops.Locked((ops.AddColumn(USERS, ADDRESS, "text"),), in_transaction=False), "mysql",
     ["SET SESSION lock_wait_timeout = 5", "ALTER TABLE users ADD COLUMN email_address text, ALGORITHM=INSTANT",
      "SET SESSION lock_wait_timeout = DEFAULT"],
     ["SET SESSION lock_wait_timeout = 5", "ALTER TABLE users DROP COLUMN email_address, ALGORITHM=INPLACE, LOCK=NONE",
      "SET SESSION lock_wait_timeout = DEFAULT"]),
    (ops.Locked((ops.AddColumn(USERS, ADDRESS, "text"),)), "sqlite",
     ["ALTER TABLE users ADD COLUMN email_address text"], ["ALTER TABLE users DROP COLUMN email_address"]),
    (ops.RestoreColumn(USERS, TableName(None, Name("users_bio_dropped")), (Name("id"),), Name("bio")), "sqlite",
     ["UPDATE users SET bio = k.bio FROM users_bio_dropped AS k WHERE k.id = users.id"], []),
    (ops.RestoreColumn(USERS, TableName(None, Name("users_bio_dropped")), (Name("id"),), Name("bio")), "mysql",
     ["UPDATE users JOIN users_bio_dropped k ON k.id = users.id SET users.bio = k.bio"], []),
]


@pytest.mark.parametrize("operation, dialect, up, down", CASES,
                         ids=[f"{type(case[0]).__name__}-{case[1]}-{i}" for i, case in enumerate(CASES)])
def test_each_operation_and_its_reverse_render_per_engine(operation, dialect, up, down):
    assert up_and_down(operation, dialect) == (up, down)


@pytest.mark.parametrize("dialect", ["postgres", "mysql", "sqlite"])
def test_a_backfill_is_one_update_the_runner_batches(dialect):
    """The plain UPDATE under a `-- migrate:batch` directive: the runner walks the table by its key, one transaction
    per batch, resumable (tests/test_batches.py proves that); no procedure, no DO loop."""
    backfill = ops.Backfill(USERS, "b = a", "b IS NULL")
    assert ops.sql([backfill], ENGINES[dialect]) == ["-- migrate:batch size=5000", "UPDATE users SET b = a WHERE b IS NULL"]
    assert ops.reverse([backfill]) == ()


SYNC = ops.Sync(USERS, Name("total"), Name("total_new"), "integer", "numeric(12,2)", "users_total_new_sync",
                convert=True)


def test_a_column_sync_is_a_function_and_a_trigger_on_postgres_and_its_reverse_drops_both():
    function, trigger = ops.sql([ops.CreateSync(SYNC)], ENGINES["postgres"])
    assert function.startswith("CREATE FUNCTION users_total_new_sync() RETURNS trigger LANGUAGE plpgsql AS $$")
    assert "ELSIF NEW.total_new IS DISTINCT FROM OLD.total_new THEN\n        NEW.total := NEW.total_new;" in function
    assert trigger == ("CREATE TRIGGER users_total_new_sync BEFORE INSERT OR UPDATE ON users\n"
                       "    FOR EACH ROW EXECUTE FUNCTION users_total_new_sync()")
    assert ops.sql(ops.reverse([ops.CreateSync(SYNC)]), ENGINES["postgres"]) == [
        "DROP TRIGGER users_total_new_sync ON users", "DROP FUNCTION users_total_new_sync()"]


def test_a_column_sync_is_two_triggers_on_sqlite_and_mysql_converting_where_the_engine_needs_it():
    insert, update = ops.sql([ops.CreateSync(SYNC)], ENGINES["sqlite"])
    assert insert.startswith("CREATE TRIGGER users_total_new_sync_insert AFTER INSERT ON users FOR EACH ROW")
    assert "total = CASE WHEN NEW.total_new IS NOT NULL THEN CAST(NEW.total_new AS integer) ELSE NEW.total END" in insert
    assert "WHERE rowid = NEW.rowid;" in insert
    assert update.startswith("CREATE TRIGGER users_total_new_sync_update AFTER UPDATE OF total, total_new ON users")
    keyed = ops.CreateSync(ops.Sync(USERS, Name("total"), Name("total_new"), "integer", "integer", "s", False,
                                    key=(Name("id"),)))
    assert all("WHERE id = NEW.id;" in trigger for trigger in ops.sql([keyed], ENGINES["sqlite"]))
    insert, update = ops.sql([ops.CreateSync(SYNC)], ENGINES["mysql"])
    assert insert == ("CREATE TRIGGER users_total_new_sync_insert BEFORE INSERT ON users FOR EACH ROW\nBEGIN\n"
                      "    IF NEW.total_new IS NOT NULL THEN SET NEW.total = NEW.total_new; "
                      "ELSE SET NEW.total_new = NEW.total; END IF;\nEND")
    for dialect in ("sqlite", "mysql"):
        assert ops.sql([ops.DropSync(SYNC)], ENGINES[dialect]) == [
            "DROP TRIGGER users_total_new_sync_insert", "DROP TRIGGER users_total_new_sync_update"]


LINK = ops.Link(USERS, TableName(None, Name("user_profiles")), (Name("bio"),), (Name("id"),), (Name("user_id"),),
                True, "users_user_profiles_sync")


def test_a_move_copies_rows_across_per_engine_and_back_into_the_source():
    assert ops.sql([ops.CopyAcross(LINK)], ENGINES["sqlite"]) == [
        "INSERT INTO user_profiles (user_id, bio)\n    SELECT s.id, s.bio FROM users s\n"
        "    WHERE NOT EXISTS (SELECT 1 FROM user_profiles t WHERE t.user_id = s.id)"]
    assert ops.sql([ops.CopyAcross(LINK)], ENGINES["mysql"]) == [
        "INSERT IGNORE INTO user_profiles (user_id, bio)\n    SELECT s.id, s.bio FROM users s"]
    assert ops.sql([ops.CopyAcross(LINK, into_source=True)], ENGINES["sqlite"]) == [
        "UPDATE users SET bio = s.bio FROM user_profiles AS s\n    WHERE s.user_id = users.id"]
    assert ops.sql([ops.CopyAcross(LINK, into_source=True)], ENGINES["mysql"]) == [
        "UPDATE users i JOIN user_profiles s ON i.id = s.user_id\n    SET i.bio = s.bio"]
    [batched] = ops.sql([ops.CopyAcross(LINK, into_source=True)], ENGINES["postgres"])
    assert "UPDATE users i SET bio = s.bio FROM user_profiles s\n        WHERE i.id = s.user_id" in batched
    assert ops.reverse([ops.CopyAcross(LINK)]) == ()


def test_a_move_syncs_both_ways_except_on_mysql():
    assert [s.split("\n")[0] for s in ops.sql([ops.CreateLinkSync(LINK)], ENGINES["sqlite"])] == [
        "CREATE TRIGGER users_user_profiles_sync_insert AFTER INSERT ON users FOR EACH ROW",
        "CREATE TRIGGER users_user_profiles_sync_update AFTER UPDATE OF bio ON users FOR EACH ROW WHEN NEW.bio IS NOT OLD.bio",
        "CREATE TRIGGER users_user_profiles_sync_delete AFTER DELETE ON users FOR EACH ROW",
        "CREATE TRIGGER users_user_profiles_sync_back_insert AFTER INSERT ON user_profiles FOR EACH ROW",
        "CREATE TRIGGER users_user_profiles_sync_back_update AFTER UPDATE OF bio ON user_profiles FOR EACH ROW "
        "WHEN NEW.bio IS NOT OLD.bio"]
    assert [s.split("\n")[0] for s in ops.sql([ops.CreateLinkSync(LINK)], ENGINES["mysql"])] == [
        "CREATE TRIGGER users_user_profiles_sync_insert AFTER INSERT ON users FOR EACH ROW",
        "CREATE TRIGGER users_user_profiles_sync_update AFTER UPDATE ON users FOR EACH ROW"]
    assert ops.sql(ops.reverse([ops.CreateLinkSync(LINK)]), ENGINES["postgres"]) == [
        "DROP TRIGGER users_user_profiles_sync ON user_profiles", "DROP FUNCTION users_user_profiles_sync_back()",
        "DROP TRIGGER users_user_profiles_sync ON users", "DROP FUNCTION users_user_profiles_sync_forward()"]


def test_a_new_table_for_moved_columns_and_its_reverse():
    create = ops.CreateTable(TableName(None, Name("user_profiles")), ((Name("user_id"), "bigint", True),
                                                                        (Name("bio"), "text", False)),
                             (Name("user_id"),), USERS, (Name("id"),))
    for dialect in ENGINES:
        assert up_and_down(create, dialect) == ([
            "CREATE TABLE user_profiles (\n    user_id bigint NOT NULL,\n    bio text,\n    PRIMARY KEY (user_id),\n"
            "    FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE\n)"], ["DROP TABLE user_profiles"])


SHAPE = ops.TableShape(
    columns=(ops.ColumnShape("id", "INTEGER"), ops.ColumnShape("email", "TEXT", True),
             ops.ColumnShape("name", "TEXT", False, "'x'")),
    primary_key=("id",), uniques=(("email",),), foreign_keys=(), indexes=("CREATE INDEX users_name ON users (name)",),
    autoincrement=True)


def test_a_rebuild_is_create_copy_drop_rename_and_its_reverse_rebuilds_the_shape_before():
    narrower = ops.TableShape(SHAPE.columns[:2], ("id",), (("email",),), (), (), True)
    rebuild = ops.Rebuild(USERS, narrower, SHAPE, copy=(("email", "lower(email)"),), back=(("name", "NULL"),))
    up, down = up_and_down(rebuild, "sqlite")
    assert up == [
        "CREATE TABLE users_rebuild (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    email TEXT NOT NULL,\n"
        "    UNIQUE (email)\n)",
        "INSERT INTO users_rebuild (id, email)\n    SELECT id, lower(email) FROM users",
        "DROP TABLE users",
        "ALTER TABLE users_rebuild RENAME TO users",
    ]
    assert down[0] == ("CREATE TABLE users_rebuild (\n    id INTEGER PRIMARY KEY AUTOINCREMENT,\n    email TEXT NOT NULL,\n"
                       "    name TEXT DEFAULT 'x',\n    UNIQUE (email)\n)")
    assert down[1] == "INSERT INTO users_rebuild (id, email, name)\n    SELECT id, email, NULL FROM users"
    assert down[-1] == "CREATE INDEX users_name ON users (name)"


def test_a_phase_rolls_back_by_its_operations_reverses_last_first():
    built = ops.phase(ENGINES["postgres"], "expand", "t", [], [
        ops.Locked((ops.AddColumn(USERS, ADDRESS, "text"), ops.CreateIndex(USERS, "users_a_idx", (ADDRESS,))))],
        verify=[])
    assert built.rollback == ["SET LOCAL lock_timeout = '5s'", "DROP INDEX CONCURRENTLY IF EXISTS users_a_idx",
                              "ALTER TABLE users DROP COLUMN email_address"]
    assert [type(o).__name__ for o in built.undo] == ["Locked"]


def test_a_phase_whose_operations_undo_nothing_says_so_and_an_explicit_undo_replaces_the_reverse():
    backfill = ops.Backfill(USERS, "b = a", "b IS NULL")
    built = ops.phase(ENGINES["sqlite"], "migrate", "t", [], [backfill], verify=[], nothing_to_undo="nothing to undo")
    assert built.rollback == ["-- nothing to undo"]
    drop = ops.DropColumn(USERS, EMAIL, "text")
    built = ops.phase(ENGINES["sqlite"], "contract", "t", [], [drop], verify=[],
                      undo=[drop.reverse(), ops.Backfill(USERS, "email = email_address", "email IS NULL")])
    assert built.rollback == ["ALTER TABLE users ADD COLUMN email text", "-- migrate:batch size=5000",
                              "UPDATE users SET email = email_address WHERE email IS NULL"]


def test_lint_allowances_travel_with_the_operation_and_its_reverse():
    rename = ops.RenameColumn(USERS, ADDRESS, EMAIL).allowing("rename-column", "own column").allowing_undo(
        "rename-column", "back")
    built = ops.phase(ENGINES["mysql"], "contract", "t", [], [rename], verify=[])
    [up], [down] = built.sql, built.rollback
    assert built.allow == {up: [("rename-column", "own column")], down: [("rename-column", "back")]}
    rebuild = ops.phase(ENGINES["sqlite"], "contract", "t", [], [ops.Rebuild(USERS, SHAPE, SHAPE)], verify=[])
    allowed = {statement: rules for statement, rules in rebuild.allow.items()}
    assert set(allowed) == {"DROP TABLE users"}
    assert [rule for rule, _ in allowed["DROP TABLE users"]] == ["drop-table", "irreversible-down"]


def test_an_operation_without_a_mechanical_inverse_says_so():
    with pytest.raises(NotImplementedError, match="no mechanical inverse"):
        ops.DropTable(USERS).reverse()
    with pytest.raises(NotImplementedError, match="cannot change a column's NOT NULL"):
        ops.sql([ops.AlterColumn(USERS, EMAIL, "text", True, None, False, None)], ENGINES["sqlite"])


def test_no_module_of_the_planner_names_or_compares_an_engine():
    """The SQL the planner emits for an engine lives in its engine module: plan/ writes no engine's name."""
    import ast
    from pathlib import Path

    import dkmigrate.plan

    named = []
    for path in Path(dkmigrate.plan.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in ENGINES:
                named.append(f"{path.name}:{node.lineno}: {node.value!r}")
            if isinstance(node, ast.Compare) and any(isinstance(side, ast.Name) and side.id == "dialect"
                                                     for side in (node.left, *node.comparators)):
                named.append(f"{path.name}:{node.lineno}: dialect compared")
    assert named == []


def test_operations_are_values_compared_by_their_fields_and_changed_only_by_copy():
    add = ops.AddColumn(USERS, ADDRESS, "text")
    assert add == ops.AddColumn(USERS, ADDRESS, "text", not_null=False, default=None)
    assert add != ops.AddColumn(USERS, ADDRESS, "text", default="''") and len({add, ops.AddColumn(USERS, ADDRESS, "text")}) == 1
    assert add.reverse().reverse() == add
    with pytest.raises(AttributeError):
        add.type = "int"
    allowed = add.allowing("rule", "why")
    assert (allowed.allow, add.allow) == ((("rule", "why"),), ()) and ops.replace(allowed, allow=()) == add
    with pytest.raises(TypeError):  # allowances are given by keyword only
        ops.AddColumn(USERS, ADDRESS, "text", False, None, (("rule", "why"),))
