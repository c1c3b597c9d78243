"""SQLite: everything that is true of it, in one place."""

from .base import CatalogueQueries, Engine, Lexicon, Quote

LEXICON = Lexicon(
    line_comments=("--",),
    quotes=(
        Quote("quoted", '"', r'[^"]*(?:""[^"]*)*', '"', "quoted identifier"),
        Quote("backtick", "`", r"[^`]*(?:``[^`]*)*", "`", "backtick-quoted identifier"),
        Quote("bracket", "[", r"[^\]]*", r"\]", "bracket-quoted identifier"),
        Quote("string", "'", r"[^']*(?:''[^']*)*", "'", "string literal", prefix="[Xx]"),
    ),
)

# VACUUM and ATTACH/DETACH fail inside a transaction; these PRAGMAs are silently ignored inside one.
_REFUSING_VERBS = frozenset({"VACUUM", "ATTACH", "DETACH"})
_OUTSIDE_PRAGMAS = frozenset({"FOREIGN_KEYS", "JOURNAL_MODE", "LEGACY_ALTER_TABLE"})


class SQLite(Engine):
    name = "sqlite"
    label = "SQLite"
    schemes = ("sqlite", "sqlite3")
    lexicon = LEXICON
    adapter = ("sqlite", "SQLiteAdapter")
    family = "SQLite"
    has_schemas = False
    has_server = False
    lock_queue = False
    updatable_views = False
    rebuilds_tables = True
    index_build_steps = ("SQLite builds the index under its database-wide write lock: writers wait until it is done, "
                         "readers go on. On a large table, run it when few writes arrive.",)
    add_column_note = "SQLite adds a column without touching the rows"
    view_note = "SQLite views are read-only: INSTEAD OF triggers pass the old application's writes to the table."
    lock_wait_note = "SQLite has no lock queue: a blocked writer waits for its busy timeout, then fails without blocking others"
    grammar = frozenset()
    by_hand = CatalogueQueries()

    def refuses_transaction(self, statement: str, head: tuple[str, ...], server_version: int | None) -> bool:
        if not head or head[0] != "PRAGMA":
            return bool(head) and head[0] in _REFUSING_VERBS
        from ..lexer import words

        name = words(statement, self.name, 4)[1:]  # PRAGMA [schema.]name
        if name[1:2] == (".",):
            name = name[2:]
        return bool(name) and name[0] in _OUTSIDE_PRAGMAS

    def session_lock_timeout(self, seconds: float) -> list[str]:
        return [f"PRAGMA busy_timeout = {round(seconds * 1000)}"]

    def rows_where_column_exists(self, schema, table, quoted_table, column) -> str:
        return f"SELECT name FROM pragma_table_info({self.literal(table)}) WHERE name = {self.literal(column)}"

    def rows_where_index_exists(self, table: str, index: str) -> str:
        return f"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = {self.literal(index)}"

    def rows_where_table_exists(self, schema, table, quoted_table) -> str:
        return f"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = {self.literal(table)}"


SQLITE = SQLite()
