"""mysql-table-copy's claims checked against a real MySQL or MariaDB server: an ALTER the linter says needs
a table copy is refused there with ALGORITHM=INPLACE, and one it does not is accepted. The server comes from
$MIGRATE_TEST_MYSQL_URL (see the mysql_server fixture of conftest.py)."""

import pytest

from lintcase import findings_after

TABLE = ("CREATE TABLE t (id int PRIMARY KEY, subject char(36) NOT NULL, signature varchar(255) NOT NULL, "
         "value blob, name varchar(50)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4")

# (action, whether it needs a table copy)
ACTIONS = [
    ("MODIFY subject varchar(64) NOT NULL", True),
    ("MODIFY value MEDIUMBLOB", True),
    ("MODIFY name varchar(40)", True),
    ("CONVERT TO CHARACTER SET latin1", True),
    ("DROP PRIMARY KEY", True),
    ("MODIFY subject char(36) NULL DEFAULT NULL", False),
    ("MODIFY signature varchar(768) NOT NULL", False),
    ("MODIFY name varchar(60)", False),
    ("ADD COLUMN visits int", False),
    ("ADD COLUMN seq int AUTO_INCREMENT UNIQUE", False),
    ("ADD INDEX t_name (name)", False),
    ("DROP COLUMN name", False),
    ("RENAME COLUMN name TO nickname", False),
]


@pytest.fixture
def mysql(mysql_database):
    return mysql_database[1]


@pytest.mark.parametrize("action, needs_copy", ACTIONS, ids=[action for action, _ in ACTIONS])
def test_a_claimed_table_copy_is_one_the_server_cannot_do_in_place(mysql, action, needs_copy):
    found = findings_after(f"{TABLE};", f"ALTER TABLE t {action};", dialect="mysql")
    copy_claims = [f for f in found if f.rule == "mysql-table-copy" and "needs a table copy" in f.message]
    assert bool(copy_claims) == needs_copy
    import pymysql

    with mysql.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS t")
        cursor.execute(TABLE)
        cursor.execute("INSERT INTO t VALUES (1, 'a', 'b', 'c', 'd')")
        try:
            cursor.execute(f"ALTER TABLE t {action}, ALGORITHM=INPLACE")
            in_place = True
        except pymysql.err.OperationalError as error:
            assert "ALGORITHM=INPLACE is not supported" in str(error)
            in_place = False
    assert in_place == (not needs_copy)


@pytest.mark.parametrize("action", [action for action, needs_copy in ACTIONS if not needs_copy])
def test_the_algorithm_the_linter_offers_is_one_the_server_accepts(mysql, action):
    """ALGORITHM=INSTANT where the linter offers it (MariaDB 10.3+/10.4+ add and drop columns instantly; MySQL 8 is
    not run here), ALGORITHM=INPLACE, LOCK=NONE elsewhere: the statement it suggests runs, rows kept."""
    [unstated] = [f for f in findings_after(f"{TABLE};", f"ALTER TABLE t {action};", dialect="mysql")
                  if f.rule == "mysql-table-copy"]
    suggested = unstated.safe_alternative.splitlines()[0]
    assert suggested.startswith(f"ALTER TABLE t {action}, ALGORITHM=")
    with mysql.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS t")
        cursor.execute(TABLE)
        cursor.execute("INSERT INTO t VALUES (1, 'a', 'b', 'c', 'd')")
        cursor.execute(suggested)
        cursor.execute("SELECT COUNT(*) FROM t")
        assert cursor.fetchone()[0] == 1
