"""The database patterns, registered in the order recognition tries them (most specific first)."""

from . import rename_column, rename_table, index_and_not_null, change_type, split_table, constraints, drop  # noqa: F401
