"""`migrate trace` on SQLite: each statement's duration, and the tables it rebuilt - a table whose name comes back
on another root page (the rebuild procedure: new table, rows copied, old one dropped, new one renamed; VACUUM)."""

from .base import StorageTracer

_TABLES = "SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


class SQLiteTracer(StorageTracer):
    def notes(self) -> list[str]:
        return ["SQLite locks the whole database file for writing, not tables: no table locks to report, and it "
                "keeps no scan counters"]

    def storage(self) -> dict[str, int]:
        """Each table's root page, by name."""
        return dict(self.adapter.query(_TABLES))
