"""`migrate trace` on SQLite: each statement's duration, and the tables it rebuilt - a table whose name comes back
on another root page (the rebuild procedure: new table, rows copied, old one dropped, new one renamed; VACUUM)."""

import time

from .base import Observation, Tracer

_TABLES = "SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


class SQLiteTracer(Tracer):
    def __init__(self, adapter):
        super().__init__(adapter)
        self.pages: dict[str, int] = {}  # the last root page seen under each table name, dropped tables' too

    def notes(self) -> list[str]:
        return ["SQLite locks the whole database file for writing, not tables: no table locks to report, and it "
                "keeps no scan counters"]

    def run(self, sql: str, in_transaction: bool) -> Observation:
        self.pages.update(self._pages())
        started = time.perf_counter()
        rows = self.adapter.execute(sql)
        duration = time.perf_counter() - started
        after = self._pages()
        rebuilt = tuple(sorted(name for name, page in after.items() if self.pages.get(name, page) != page))
        self.pages.update(after)
        return Observation(round(duration * 1000, 3), rewrote=rebuilt, rows=rows)

    def _pages(self) -> dict[str, int]:
        return dict(self.adapter.query(_TABLES))
