"""Which column type changes PostgreSQL makes without rewriting the table: the binary-coercible ones,
whose stored bytes stay valid (varchar widening, varchar to text, numeric precision widening at the same
scale, ...). Everything else rewrites the table and rebuilds its indexes under ACCESS EXCLUSIVE."""

from __future__ import annotations

from .syntax import DataType

_LENGTH_TYPES = ("varchar", "varbit")
_PRECISION_TYPES = ("timestamp", "timestamptz", "time", "timetz", "interval")
_DEFAULT_TIME_PRECISION = 6
_RELABELLED = {("varchar", "text"), ("text", "text"), ("cidr", "inet")}


def rewrites_table(old: DataType | None, new: DataType, using: str | None = None, column: str = "") -> bool | None:
    """Whether changing a column from `old` to `new` rewrites the table; None when the old type is unknown."""
    if old is None:
        return None
    if using is not None and using.strip().strip('"').lower() != column.lower():
        return True
    if old.array != new.array:
        return True
    if old.same_as(new):
        return False
    before, after = old.name, new.name
    if (before, after) in _RELABELLED and new.modifiers is None:
        return False
    if before == "text" and after == "varchar" and new.modifiers is None:
        return False
    if before != after:
        return True
    if before in _LENGTH_TYPES:
        return not _widens(old.modifiers, new.modifiers)
    if before == "numeric":
        return not _numeric_widens(old.modifiers, new.modifiers)
    if before in _PRECISION_TYPES:
        old_precision = old.modifiers[0] if old.modifiers else _DEFAULT_TIME_PRECISION
        return new.modifiers is not None and new.modifiers[0] < old_precision
    return True


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
