"""The statement builders the patterns are made of, one dialect at a time."""

from dkmigrate.adapters.base import ColumnFacts, IndexFacts, TableFacts
from dkmigrate.plan import sql
from dkmigrate.plan.identifiers import Name, TableName, derived_name

USERS = TableName(None, Name("users"))
APP_ORDERS = TableName(Name("app"), Name("Order"))


def test_lock_timeout_is_local_inside_a_transaction_and_reset_outside():
    assert sql.lock_timeout("postgres", True) == ["SET LOCAL lock_timeout = '5s'"]
    assert sql.lock_timeout("postgres", False) == ["SET lock_timeout = '5s'"]
    assert sql.reset_lock_timeout("postgres") == ["RESET lock_timeout"]
    assert sql.lock_timeout("mysql", False) == ["SET SESSION lock_wait_timeout = 5"]
    assert sql.lock_timeout("sqlite", True) == []


def test_columns_and_indexes_per_dialect():
    assert sql.add_column("postgres", APP_ORDERS, Name("Total"), "numeric(12,2)", not_null=True, default="'0'") == \
        'ALTER TABLE app."Order" ADD COLUMN "Total" numeric(12,2) DEFAULT \'0\' NOT NULL'
    assert sql.add_column("mysql", USERS, Name("bio"), "text") == "ALTER TABLE users ADD COLUMN bio text, ALGORITHM=INSTANT"
    assert sql.drop_column("mysql", USERS, Name("bio")) == "ALTER TABLE users DROP COLUMN bio, ALGORITHM=INPLACE, LOCK=NONE"
    assert sql.create_index("postgres", "users_email_key", USERS, [Name("email")], unique=True) == \
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email)"
    assert sql.create_index("postgres", "users_tags_idx", USERS, [Name("tags")], method="gin") == \
        "CREATE INDEX CONCURRENTLY users_tags_idx ON users USING gin (tags)"
    assert sql.create_index("mysql", "users_email_key", USERS, [Name("email")], unique=True) == \
        "ALTER TABLE users ADD UNIQUE INDEX users_email_key (email), ALGORITHM=INPLACE, LOCK=NONE"
    assert sql.drop_index("postgres", "Order_idx", APP_ORDERS) == 'DROP INDEX CONCURRENTLY IF EXISTS app."Order_idx"'
    assert sql.drop_index("sqlite", "users_email_key", USERS) == "DROP INDEX IF EXISTS users_email_key"


def test_checks_that_come_back_empty_when_done():
    assert sql.rows_where_column_exists("postgres", APP_ORDERS, Name("total")) == (
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('app.\"Order\"') AND attname = 'total' "
        "AND NOT attisdropped")
    assert sql.rows_where_column_exists("sqlite", USERS, Name("it's")) == \
        "SELECT name FROM pragma_table_info('users') WHERE name = 'it''s'"
    assert sql.rows_where_table_exists("mysql", USERS) == \
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'users'"


def test_batched_updates_are_the_backfill_operation_rendered():
    assert sql.backfill("sqlite", USERS, "b = a", "b IS NULL") == ["UPDATE users SET b = a WHERE b IS NULL"]
    assert sql.backfill("mysql", USERS, "b = a", "b IS NULL")[1:] == ["CALL users_backfill()", "DROP PROCEDURE users_backfill"]


def test_a_table_shape_is_read_from_the_database_facts_and_narrowed_by_a_dropped_column():
    facts = TableFacts(None, "users", (ColumnFacts("id", "INTEGER", True, None), ColumnFacts("email", "TEXT", False, None),
                                       ColumnFacts("name", "TEXT", True, "'x'")), ("id",),
                       (IndexFacts("sqlite_autoindex_users_1", ("email",), True, False, True, "(u constraint)"),
                        IndexFacts("users_name", ("name",), False, False, True, "CREATE INDEX users_name ON users (name)")),
                       definition="CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, ...)")
    shape = sql.shape_of(facts)
    assert shape.autoincrement and shape.uniques == (("email",),)
    assert shape.indexes == ("CREATE INDEX users_name ON users (name)",)
    assert [c.default for c in shape.columns] == [None, None, "'x'"] and shape.columns[1].not_null
    narrower = sql.shape_without(shape, "name", "sqlite")
    assert [c.name for c in narrower.columns] == ["id", "email"] and narrower.indexes == ()


def test_derived_names_stay_within_63_bytes_and_stay_distinct():
    long = "a" * 60
    first, second = derived_name(long, "x", suffix="sync"), derived_name(long, "y", suffix="sync")
    assert len(first) <= 63 and len(second) <= 63 and first != second and first.endswith("_sync")
