"""`migrate trace` on SQLite: each statement's duration, and the tables it rebuilt - a table whose name comes back
on another root page (the rebuild procedure: new table, rows copied, old one dropped, new one renamed; VACUUM)."""

import time

from .base import Observation, Tracer, rebuilt

_TABLES = "SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"


class SQLiteTracer(Tracer):
    def __init__(self, adapter):
        super().__init__(adapter)
        self.pages: dict[str, int] = {}  # the last root page seen under each table name, dropped tables' too

    def notes(self) -> list[str]:
        return ["SQLite locks the whole database file for writing, not tables: no table locks to report, and it "
                "keeps no scan counters"]

    def run(self, sql: str, in_transaction: bool) -> Observation:
        before = self._pages()
        self.pages.update(before)
        started = time.perf_counter()
        rows = self.adapter.execute(sql)
        duration = time.perf_counter() - started
        after = self._pages()
        observation = Observation(round(duration * 1000, 3), rewrote=rebuilt(self.pages, before, after), rows=rows)
        self.pages.update(after)
        return observation

    def _pages(self) -> dict[str, int]:
        return dict(self.adapter.query(_TABLES))
