"""The database patterns, registered in the order recognition tries them (most specific first)."""

from . import rename_column, change_type  # noqa: F401
