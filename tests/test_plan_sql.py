"""The queries and table shapes the patterns are made of, one dialect at a time."""

from dkmigrate.adapters.base import ColumnFacts, IndexFacts, TableFacts
from dkmigrate.plan import sql
from dkmigrate.plan.identifiers import Name, TableName, derived_name

USERS = TableName(None, Name("users"))
APP_ORDERS = TableName(Name("app"), Name("Order"))


def test_checks_that_come_back_empty_when_done():
    assert sql.rows_where_column_exists("postgres", APP_ORDERS, Name("total")) == (
        "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('app.\"Order\"') AND attname = 'total' "
        "AND NOT attisdropped")
    assert sql.rows_where_column_exists("sqlite", USERS, Name("it's")) == \
        "SELECT name FROM pragma_table_info('users') WHERE name = 'it''s'"
    assert sql.rows_where_table_exists("mysql", USERS) == \
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'users'"


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
