"""Which column type changes PostgreSQL makes without rewriting the table, and what such a change still
costs; and which MySQL MODIFY/CHANGE really changes a column's type (MySQL copies the table for that).

PostgreSQL keeps a table's file when the new type reads the stored bytes as they are: a binary-coercible
cast (pg_cast.castmethod 'b', the pairs of RELABELLED), or the same type with a wider limit (varchar(10) to
varchar(20), numeric(10,2) to numeric(12,2), timestamp(0) to timestamp(3)), arrays excepted: an array
of another element type is always converted element by element. Any other change rewrites the
table and all its indexes. Even without a rewrite, an ALTER COLUMN TYPE re-verifies every CHECK constraint
on the column (a full scan) and rebuilds each index on it whose operator class changes (INDEX_FAMILIES:
text to citext does, varchar to text does not), all under ACCESS EXCLUSIVE.
tests/test_lint_coercion_server.py checks every entry against a real server (pg_relation_filenode of the
table and of its index before and after, and the scans of the CHECK).
"""

from __future__ import annotations

from .syntax import DataType

# (from, to): binary-coercible casts between two types, as the linter's canonical names write them.
RELABELLED = frozenset({
    ("varchar", "text"), ("text", "varchar"), ("text", "char"), ("varchar", "char"), ("cidr", "inet"),
    ("bit", "varbit"), ("varbit", "bit"), ("xml", "text"), ("xml", "varchar"), ("xml", "char"), ("integer", "oid"),
    ("oid", "integer"),
    # the citext extension
    ("text", "citext"), ("citext", "text"), ("varchar", "citext"), ("citext", "varchar"), ("citext", "char"),
})
# Types whose modifier is a maximum length: a longer one (or none) keeps the stored values valid.
LENGTH_LIMITED = frozenset({"varchar", "varbit"})
# Types whose modifier is a fractional-seconds precision: a higher one keeps the values (6 when none is written).
TIME_PRECISION = frozenset({"timestamp", "timestamptz", "time", "timetz", "interval"})
DEFAULT_TIME_PRECISION = 6
# The default btree operator family of each type: a relabelled column keeps its indexes only when the
# family stays the same; otherwise every index on it is rebuilt.
INDEX_FAMILIES = {
    "text": "text_ops", "varchar": "text_ops", "char": "bpchar_ops", "citext": "citext_ops", "cidr": "network_ops",
    "inet": "network_ops", "bit": "bit_ops", "varbit": "varbit_ops", "integer": "integer_ops", "oid": "oid_ops",
    "xml": None,
}


def rewrites_table(old: DataType | None, new: DataType, using: str | None = None, column: str = "") -> bool | None:
    """Whether changing a column from `old` to `new` rewrites the table; None when the old type is unknown."""
    if old is None:
        return None
    if using is not None and using.strip().strip('"').lower() != column.lower():
        return True
    if old.same_as(new):
        return False
    if old.array or new.array:  # an array's elements are converted one by one, never relabelled
        return True
    before, after = old.name, new.name
    if before != after:
        if (before, after) not in RELABELLED:
            return True
        if new.modifiers is not None:  # the new length is checked (or padded) on every row
            return not (before in LENGTH_LIMITED and after in LENGTH_LIMITED and _widens(old.modifiers, new.modifiers))
        return False
    if before in LENGTH_LIMITED:
        return not _widens(old.modifiers, new.modifiers)
    if before == "numeric":
        return not _numeric_widens(old.modifiers, new.modifiers)
    if before in TIME_PRECISION:
        old_precision = old.modifiers[0] if old.modifiers else DEFAULT_TIME_PRECISION
        return new.modifiers is not None and new.modifiers[0] < old_precision
    return True


def rebuilds_indexes(old: DataType | None, new: DataType, rewrites: bool | None, collate: bool) -> bool:
    """Whether the change rebuilds the indexes on the column: a rewrite, a new collation, or another
    operator family."""
    if rewrites is not False or collate:
        return True
    return old.name != new.name and INDEX_FAMILIES.get(old.name) != INDEX_FAMILIES.get(new.name)


def _widens(old: tuple[int, ...] | None, new: tuple[int, ...] | None) -> bool:
    if new is None:
        return True
    return old is not None and new[0] >= old[0]


def _numeric_widens(old: tuple[int, ...] | None, new: tuple[int, ...] | None) -> bool:
    if new is None:
        return True
    if old is None:
        return False
    old_scale = old[1] if len(old) > 1 else 0
    new_scale = new[1] if len(new) > 1 else 0
    return new_scale == old_scale and new[0] >= old[0]


def mysql_changes_type(old: DataType, new: DataType) -> bool:
    """MODIFY restates a whole column: only another type (not the same one, nor a longer VARCHAR) changes it.
    (A longer VARCHAR is done in place while its length prefix keeps its size, 256 bytes and up.)"""
    if old.same_as(new):
        return False
    widens = (old.name == new.name and old.name in ("varchar", "varbinary") and old.modifiers is not None
              and new.modifiers is not None and new.modifiers[0] >= old.modifiers[0])
    return not widens
