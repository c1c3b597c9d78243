"""SQLite's live facts, for plans and checklists (imported when a command asks for them)."""

import sqlite3
import time

from .base import Inspector, QueryTimedOut
from .facts import ColumnFacts, ForeignKeyFacts, IndexFacts, LockFacts, ServerFacts, TableFacts
from .sqlite import SQLiteAdapter, _let_signals_in, _statement_failed


def _foreign_keys(adapter: SQLiteAdapter, table: str) -> list[ForeignKeyFacts]:
    grouped: dict[int, list[tuple]] = {}
    for key_id, _, referenced, column, referenced_column in adapter.query(
            f"SELECT id, seq, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list({adapter.literal(table)}) ORDER BY id, seq"):
        grouped.setdefault(key_id, []).append((referenced, column, referenced_column))
    return [ForeignKeyFacts(f"{table}_fk{key_id}", table, tuple(row[1] for row in rows), rows[0][0],
                            tuple(row[2] or "" for row in rows)) for key_id, rows in grouped.items()]


class SQLiteInspector(Inspector):
    """Live facts of one SQLite database, for plans and checklists."""

    def describe_table(self, schema: str | None, name: str) -> TableFacts | None:
        found = self.query(f"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = {self.literal(name)}")
        if not found:
            return None
        quoted = self.quote_identifier(name)
        table_info = self.query(f"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({self.literal(name)})")
        rowid = [column for column, column_type, *_, position in table_info if position and column_type.upper() == "INTEGER"]
        rowid = rowid[0] if len(rowid) == 1 and sum(1 for row in table_info if row[4]) == 1 else None
        columns = tuple(ColumnFacts(column, column_type, not notnull and column != rowid, default)  # a rowid is never NULL
                        for column, column_type, notnull, default, _ in table_info)
        primary = tuple(column for column, *_, position in sorted(table_info, key=lambda row: row[4]) if position)
        indexes = []
        for index_name, unique, origin, partial in self.query(
                f"SELECT name, \"unique\", origin, partial FROM pragma_index_list({self.literal(name)}) ORDER BY name"):
            index_columns = [row[0] for row in self.query(
                f"SELECT name FROM pragma_index_info({self.literal(index_name)}) ORDER BY seqno")]
            definition = self.query(f"SELECT sql FROM sqlite_master WHERE type = 'index' AND name = {self.literal(index_name)}")
            indexes.append(IndexFacts(index_name, tuple(column or "" for column in index_columns), bool(unique),
                                      origin == "pk", not partial and None not in index_columns,
                                      (definition[0][0] if definition else None) or f"({origin} constraint)"))
        if not primary:
            primary = next((index.columns for index in indexes if index.primary), ())
        own = tuple(_foreign_keys(self, name))
        incoming = tuple(key for (other,) in self.query("SELECT name FROM sqlite_master WHERE type = 'table'")
                         if other != name for key in _foreign_keys(self, other) if key.referenced_table == name)
        rows = self.query(f"SELECT count(*) FROM {quoted}")[0][0]
        return TableFacts(None, name, columns, primary, tuple(indexes), own, incoming, (), rows, True, None, found[0][0])

    def server_facts(self, transaction_seconds: float) -> ServerFacts:
        return ServerFacts(
            f"SQLite {sqlite3.sqlite_version}",
            notes=["SQLite has no server: other connections' transactions, locks and replicas cannot be listed"],
        )

    def locks_on(self, tables: list[tuple[str | None, str]]) -> list[LockFacts] | None:
        return None

    def read_only(self, queries: list[str], seconds: float) -> list[list[tuple]]:
        """query_only refuses every write; a progress handler interrupts a query that runs past its time."""
        connection = self.adapter.connection
        deadline = [0.0]
        connection.set_progress_handler(lambda: time.monotonic() > deadline[0], 10_000)
        connection.execute("PRAGMA query_only = ON")
        connection.execute("BEGIN")
        try:
            results = []
            for query in queries:
                deadline[0] = time.monotonic() + seconds
                try:
                    results.append(connection.execute(query).fetchall())
                except sqlite3.OperationalError as error:
                    if str(error) == "interrupted" and time.monotonic() > deadline[0]:
                        raise QueryTimedOut(f"the query ran longer than {seconds:g} s, so it was interrupted") from None
                    raise _statement_failed(error) from None
            return results
        finally:
            connection.execute("ROLLBACK")
            connection.execute("PRAGMA query_only = OFF")
            connection.set_progress_handler(_let_signals_in, 100_000)
