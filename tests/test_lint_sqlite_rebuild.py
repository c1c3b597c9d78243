"""The SQLite table rebuild - create the new table, copy the rows, drop the old one, rename the new one - is
the safe procedure the project recommends (references/sqlite-alter.md, sqlite-unsupported-alter's
alternative): the linter must not flag its drop as a loss. Each variant that loses data still is."""

import re
from pathlib import Path

import pytest

from lintcase import migration_rules

REFERENCE = Path(__file__).resolve().parents[1] / "skills" / "migration" / "references" / "sqlite-alter.md"


def reference_example() -> tuple[str, str]:
    block = re.search(r"```sql\n(.*?)```", REFERENCE.read_text(), re.DOTALL).group(1)
    up, down = block.split("-- migrate:down")
    return up.replace("-- migrate:up", ""), down


def test_the_reference_rebuild_lints_clean():
    up, down = reference_example()
    assert migration_rules(up, down, dialect="sqlite") == []


REBUILD = """CREATE TABLE new_accounts (id integer PRIMARY KEY, email text NOT NULL);
INSERT INTO new_accounts (id, email) SELECT id, email FROM accounts;
DROP TABLE accounts;
ALTER TABLE new_accounts RENAME TO accounts;"""


@pytest.mark.parametrize("up, expected", [
    (REBUILD, []),
    # no copy: the rows are gone
    ("CREATE TABLE new_accounts (id integer PRIMARY KEY);\nDROP TABLE accounts;\n"
     "ALTER TABLE new_accounts RENAME TO accounts;", ["drop-table", "irreversible-down"]),
    # the copy goes elsewhere
    ("CREATE TABLE new_accounts (id integer PRIMARY KEY);\nINSERT INTO archive SELECT * FROM accounts;\n"
     "DROP TABLE accounts;\nALTER TABLE new_accounts RENAME TO accounts;", ["drop-table", "irreversible-down"]),
    # dropped and never replaced
    ("CREATE TABLE new_accounts (id integer PRIMARY KEY);\nINSERT INTO new_accounts SELECT id FROM accounts;\n"
     "DROP TABLE accounts;", ["drop-table", "irreversible-down"]),
])
def test_only_the_whole_rebuild_is_recognised(up, expected):
    assert migration_rules(up, "SELECT 1;", dialect="sqlite") == expected


def test_the_rebuild_the_sqlite_rule_suggests_is_recognised():
    from lintcase import findings

    [finding] = findings("ALTER TABLE accounts ALTER COLUMN email SET NOT NULL", dialect="sqlite")
    steps = re.findall(r"(CREATE TABLE new_accounts|INSERT INTO new_accounts SELECT|DROP TABLE accounts|"
                       r"ALTER TABLE new_accounts RENAME TO accounts)", finding.safe_alternative)
    assert steps == ["CREATE TABLE new_accounts", "INSERT INTO new_accounts SELECT", "DROP TABLE accounts",
                     "ALTER TABLE new_accounts RENAME TO accounts"]
    assert migration_rules(REBUILD, "SELECT 1;", dialect="sqlite") == []
