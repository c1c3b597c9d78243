"""SQLite: everything that is true of it, in one place."""

from .base import BATCH_ROWS, CatalogueQueries, Engine, Lexicon, Quote

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
    sync_after_checks = True
    copy_rows_words = " (one statement: SQLite has one writer at a time)"
    backfill_words = (f"for the existing rows, {BATCH_ROWS} rows per transaction (SQLite has one writer at a time: "
                      "each batch holds it briefly)")
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

    def distinct(self, left: str, right: str) -> str:
        return f"{left} IS NOT {right}"

    def converted(self, sync, expression: str, to_type: str) -> str:
        return self.cast(expression, to_type) if sync.convert else expression

    def render_create_sync(self, op) -> list[str]:
        """SQLite triggers cannot change NEW: an AFTER trigger updates the row it fired for (recursive triggers are
        off by default, so that update fires nothing further)."""
        sync = op.sync
        insert, update = (self.quote(name) for name in sync.triggers)
        table, old, new = sync.table.sql(self.name), sync.old.sql(self.name), sync.new.sql(self.name)
        row = (" AND ".join(f"{k.sql(self.name)} = NEW.{k.sql(self.name)}" for k in sync.key) if sync.key else
               "rowid = NEW.rowid")
        return [
            f"CREATE TRIGGER {insert} AFTER INSERT ON {table} FOR EACH ROW\n"
            "BEGIN\n"
            f"    UPDATE {table} SET\n"
            f"        {old} = CASE WHEN NEW.{new} IS NOT NULL THEN {self.converted(sync, f'NEW.{new}', sync.old_type)} ELSE NEW.{old} END,\n"
            f"        {new} = CASE WHEN NEW.{new} IS NOT NULL THEN NEW.{new} ELSE {self.converted(sync, f'NEW.{old}', sync.new_type)} END\n"
            f"    WHERE {row};\n"
            "END",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {old}, {new} ON {table} FOR EACH ROW\n"
            f"WHEN NEW.{old} IS NOT OLD.{old} OR NEW.{new} IS NOT OLD.{new}\n"
            "BEGIN\n"
            f"    UPDATE {table} SET\n"
            f"        {old} = CASE WHEN NEW.{new} IS NOT OLD.{new} THEN {self.converted(sync, f'NEW.{new}', sync.old_type)} ELSE NEW.{old} END,\n"
            f"        {new} = CASE WHEN NEW.{new} IS NOT OLD.{new} THEN NEW.{new} ELSE {self.converted(sync, f'NEW.{old}', sync.new_type)} END\n"
            f"    WHERE {row};\n"
            "END",
        ]

    def render_create_view(self, op) -> list[str]:
        """The view, and INSTEAD OF triggers that pass the old application's writes to the table."""
        q, view, table = self.name, op.view.sql(self.name), op.table.sql(self.name)
        defaults = dict(op.defaults)
        insert, update, delete = (self.quote(name) for name in op.triggers)
        names = ", ".join(c.sql(q) for c in op.columns)
        values = ", ".join(f"COALESCE(NEW.{c.sql(q)}, {defaults[c.text]})" if c.text in defaults else f"NEW.{c.sql(q)}"
                           for c in op.columns)
        match = " AND ".join(f"{k.sql(q)} = OLD.{k.sql(q)}" for k in op.key)
        assignments = ", ".join(f"{c.sql(q)} = NEW.{c.sql(q)}" for c in op.columns)
        return [
            *super().render_create_view(op),
            f"CREATE TRIGGER {insert} INSTEAD OF INSERT ON {view}\nBEGIN\n"
            f"    INSERT INTO {table} ({names}) VALUES ({values});\nEND",
            f"CREATE TRIGGER {update} INSTEAD OF UPDATE ON {view}\nBEGIN\n"
            f"    UPDATE {table} SET {assignments} WHERE {match};\nEND",
            f"CREATE TRIGGER {delete} INSTEAD OF DELETE ON {view}\nBEGIN\n"
            f"    DELETE FROM {table} WHERE {match};\nEND",
        ]

    def render_drop_view(self, op) -> list[str]:
        return [*(f"DROP TRIGGER {self.quote(name)}" for name in op.created.triggers), *super().render_drop_view(op)]

    def link_triggers(self, link) -> list[str]:
        suffixes = ("insert", "update", *(("delete",) if link.new_target else ()), "back_insert", "back_update")
        return [link.trigger(suffix) for suffix in suffixes]

    def render_create_link_sync(self, op) -> list[str]:
        link, q = op.link, self.name
        source, target = link.source.sql(q), link.target.sql(q)
        cols = [c.sql(q) for c in link.columns]
        of = ", ".join(cols)
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in cols)
        if link.new_target:
            keys = [*link.target_key, *link.columns]
            forward = (f"    INSERT INTO {target} ({', '.join(k.sql(q) for k in keys)})\n"
                       f"    VALUES ({', '.join(f'NEW.{k.sql(q)}' for k in [*link.source_key, *link.columns])})\n"
                       f"    ON CONFLICT ({', '.join(k.sql(q) for k in link.target_key)}) DO UPDATE SET "
                       f"{', '.join(f'{c} = excluded.{c}' for c in cols)};\n")
        else:
            forward = (f"    UPDATE {target} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                       f"    WHERE {' AND '.join(f'{t.sql(q)} = NEW.{s.sql(q)}' for s, t in link.keys)}\n"
                       f"      AND ({' OR '.join(f'{c} IS NOT NEW.{c}' for c in cols)});\n")
        back = (f"    UPDATE {source} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                f"    WHERE {' AND '.join(f'{s.sql(q)} = NEW.{t.sql(q)}' for s, t in link.keys)}\n"
                f"      AND ({' OR '.join(f'{c} IS NOT NEW.{c}' for c in cols)});\n")
        names = iter(self.quote(name) for name in self.link_triggers(link))
        statements = [
            f"CREATE TRIGGER {next(names)} AFTER INSERT ON {source} FOR EACH ROW\nBEGIN\n{forward}END",
            f"CREATE TRIGGER {next(names)} AFTER UPDATE OF {of} ON {source} FOR EACH ROW WHEN {changed}\nBEGIN\n{forward}END",
        ]
        if link.new_target:  # foreign keys are not enforced unless the application turns them on
            match = " AND ".join(f"{t.sql(q)} = OLD.{s.sql(q)}" for s, t in link.keys)
            statements.append(f"CREATE TRIGGER {next(names)} AFTER DELETE ON {source} FOR EACH ROW\nBEGIN\n"
                              f"    DELETE FROM {target} WHERE {match};\nEND")
        return statements + [
            f"CREATE TRIGGER {next(names)} AFTER INSERT ON {target} FOR EACH ROW\nBEGIN\n{back}END",
            f"CREATE TRIGGER {next(names)} AFTER UPDATE OF {of} ON {target} FOR EACH ROW WHEN {changed}\nBEGIN\n{back}END",
        ]

    def rows_of_foreign_key_violations(self, table_literal: str) -> str:
        return f"SELECT * FROM pragma_foreign_key_check({table_literal})"

    def session_lock_timeout(self, seconds: float) -> list[str]:
        return [f"PRAGMA busy_timeout = {round(seconds * 1000)}"]

    def rows_where_column_exists(self, schema, table, quoted_table, column) -> str:
        return f"SELECT name FROM pragma_table_info({self.literal(table)}) WHERE name = {self.literal(column)}"

    def rows_where_index_exists(self, table: str, index: str) -> str:
        return f"SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = {self.literal(index)}"

    def rows_where_table_exists(self, schema, table, quoted_table) -> str:
        return f"SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name = {self.literal(table)}"


SQLITE = SQLite()
