"""MySQL and MariaDB: everything that is true of them, in one place.

Where MySQL 8 and MariaDB differ, the SQL written here is the one both accept; MySQL 8 is coded from its
documentation (the machine this was written on runs MariaDB 10.11).
"""

import math
import re

from .base import BATCH_ROWS, CatalogueQueries, Engine, Lexicon, LOCK_TIMEOUT_SECONDS, Quote

LEXICON = Lexicon(
    line_comments=(r"--(?=[\x00-\x20]|\Z)", r"\#"),  # MySQL needs a space or control character after --
    quotes=(
        Quote("backtick", "`", r"[^`]*(?:``[^`]*)*", "`", "backtick-quoted identifier"),
        # a backslash escapes (unless NO_BACKSLASH_ESCAPES)
        Quote("string", "'", r"[^'\\]*(?:(?:''|\\(?s:.))[^'\\]*)*", "'", "string literal", prefix="[Nn]"),
        Quote("double", '"', r'[^"\\]*(?:(?:""|\\(?s:.))[^"\\]*)*', '"', "double-quoted string"),  # unless ANSI_QUOTES
    ),
    executable_comment=r"/\*M?!",
    delimiter_command=True,
)

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Statements after which the server has committed, by their first words: DDL and the other implicit commits of
# dev.mysql.com/doc/refman/8.0/en/implicit-commit.html. A migration holding none runs in one transaction.
_DEFINING = frozenset({"CREATE", "ALTER", "DROP", "RENAME"})  # then the kind of object: CREATE TABLE
_KIND_MODIFIERS = frozenset({"OR", "REPLACE", "UNIQUE", "FULLTEXT", "SPATIAL", "TEMPORARY"})  # CREATE OR REPLACE VIEW
_COMMITTING = frozenset({
    ("TRUNCATE",), ("GRANT",), ("REVOKE",), ("ANALYZE",), ("OPTIMIZE",), ("REPAIR",), ("FLUSH",), ("INSTALL",),
    ("UNINSTALL",), ("CALL",), ("CHECK", "TABLE"), ("CACHE", "INDEX"), ("LOAD", "INDEX"), ("LOCK", "TABLE"),
    ("LOCK", "TABLES"), ("UNLOCK", "TABLE"), ("UNLOCK", "TABLES"), ("SET", "PASSWORD"),
})


class MySQL(Engine):
    name = "mysql"
    label = "MySQL"
    schemes = ("mysql", "mariadb")
    lexicon = LEXICON
    adapter = ("mysql", "MySQLAdapter")
    transactional_ddl = False
    family = "MySQL/MariaDB"
    default_port = 3306
    max_name_bytes = 64
    identifier_quote = "`"
    row_values = False  # MariaDB reads a row comparison without the key's index range
    foreign_key_procedure = "unchecked-inplace"
    indexes_foreign_keys = True
    online_alter = ", ALGORITHM=INPLACE, LOCK=NONE"
    index_build_steps = ("Build the index online (ALGORITHM=INPLACE, LOCK=NONE): reads and writes go on; the statement "
                         "fails instead of locking if the server cannot build it online.",)
    backfills_in_batches = True
    link_sync_both_ways = False
    copy_rows_words = ("; on a large table run it in key ranges (or with pt-archiver) so no single transaction runs "
                       "long")
    drop_columns_words = " (ALGORITHM=INPLACE, LOCK=NONE; gh-ost or pt-online-schema-change for a very large table)"
    index_build_words = " online (ALGORITHM=INPLACE, LOCK=NONE)"
    add_column_caveat = ("ADD COLUMN with ALGORITHM=INSTANT changes only metadata (MySQL 8.0.12+, MariaDB 10.3+); on "
                         "older servers use ALGORITHM=INPLACE, LOCK=NONE, or pt-online-schema-change / gh-ost for a "
                         "large table.")
    backfill_words = f"for the existing rows, {BATCH_ROWS} rows per transaction (each batch commits on its own)"
    drop_copied_column_words = ("Drop the triggers and {old} (ALGORITHM=INPLACE, LOCK=NONE; INSTANT on MySQL 8.0.29+). "
                                "MySQL commits each DDL statement on its own: the steps are not one transaction.")
    add_column_note = "ALGORITHM=INSTANT adds it without copying the table (MySQL 8.0.12+, MariaDB 10.3+)"
    view_note = ("MySQL commits each DDL statement: between RENAME TABLE and CREATE VIEW the old name is missing for "
                 "an instant; run it when a failed query or two can be retried.")
    lock_wait_note = "every DDL phase starts with SET SESSION lock_wait_timeout = 5"
    grammar = frozenset({"keys-in-table", "alter-options", "modify-column", "rename-table", "type-attributes",
                         "schema-is-database"})
    _plain_name = _PLAIN_NAME
    by_hand = CatalogueQueries(
        long_transactions="SELECT trx_mysql_thread_id, trx_started, TIMESTAMPDIFF(SECOND, trx_started, NOW()) AS age, "
                          "trx_query FROM information_schema.innodb_trx WHERE trx_started < NOW() - INTERVAL 60 SECOND",
        locks="SELECT * FROM performance_schema.metadata_locks WHERE object_name = 'TABLE'",
        replicas="SHOW REPLICA STATUS (on each replica: Seconds_Behind_Source)",
    )

    def commits_implicitly(self, statement: str) -> str | None:
        from ..lexer import WORD, tokens

        read = tokens(statement, self.name)
        first = next(read, None)
        if first is None or first.kind != WORD:
            return None
        if first.upper not in _DEFINING:
            second = next(read, None)
            for head in ((first.upper,), (first.upper, second.upper if second is not None else "")):
                if head in _COMMITTING:
                    return " ".join(head)
            return None
        kind, definer, user_end = [first.upper], None, -1
        for token in read:  # the kind of object, after its modifiers and DEFINER = user
            if definer is not None:  # the user: its tokens written together ('app'@'%', root@localhost, CURRENT_USER())
                if definer == "=" or token.pos == user_end:
                    definer, user_end = "user", token.pos + len(token.text)
                    continue
                definer = None
            if token.kind != WORD:
                return None
            if token.upper == "DEFINER":
                equals = next(read, None)
                if equals is None or equals.text != "=":
                    return None
                definer = "="
            elif token.upper in _KIND_MODIFIERS and first.upper != "RENAME":
                kind.append(token.upper)
            else:
                return " ".join([*kind, token.upper])
        return None

    def name_fault(self, name: str) -> str | None:
        """dev.mysql.com/doc/refman/8.0/en/identifiers.html: no trailing space, no character beyond the BMP."""
        if name.endswith(" "):
            return "ends with a space, which MySQL does not allow at the end of a name"
        beyond = next((char for char in name if ord(char) > 0xFFFF), None)
        if beyond is not None:
            return f"holds U+{ord(beyond):X}: MySQL allows no character beyond U+FFFF in a name"
        return None

    @staticmethod
    def literal(value) -> str:
        """A backslash escapes in MySQL's strings (unless NO_BACKSLASH_ESCAPES): it is doubled, and a NUL, which no
        SQL file may hold, is written as its escape \\0."""
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "''").replace("\x00", "\\0") + "'"
        return Engine.literal(value)

    def uncastable(self, column: str, type_name: str, modifiers: tuple[int, ...] | None) -> str | None:
        if type_name in ("integer", "bigint", "smallint"):
            return f"{column} IS NOT NULL AND {column} NOT REGEXP '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'"
        if type_name == "numeric":
            return (f"{column} IS NOT NULL AND {column} NOT REGEXP "
                    "'^[[:space:]]*[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$'")
        if type_name in ("varchar", "char") and modifiers:
            return f"CHAR_LENGTH({column}) > {modifiers[0]}"
        return None

    def session_lock_timeout(self, seconds: float) -> list[str]:
        """Metadata locks (DDL, and DML behind a DDL) and InnoDB's row locks have one timeout each; whole seconds."""
        whole = max(1, math.ceil(seconds))
        return [f"SET SESSION lock_wait_timeout = {whole}", f"SET SESSION innodb_lock_wait_timeout = {whole}"]

    def lock_timeout(self, in_transaction: bool) -> list[str]:
        return [f"SET SESSION lock_wait_timeout = {LOCK_TIMEOUT_SECONDS}"]

    def reset_lock_timeout(self) -> list[str]:
        return ["SET SESSION lock_wait_timeout = DEFAULT"]

    def render_add_column(self, op) -> list[str]:
        return [statement + ", ALGORITHM=INSTANT" for statement in super().render_add_column(op)]

    def render_drop_column(self, op) -> list[str]:
        return [self.online(statement) for statement in super().render_drop_column(op)]

    def render_rename_column(self, op) -> list[str]:
        return [self.online(statement) for statement in super().render_rename_column(op)]

    def render_rename_table(self, op) -> list[str]:
        return [f"RENAME TABLE {op.table.sql(self.name)} TO {op.new.sql(self.name)}"]

    def render_create_index(self, op) -> list[str]:
        columns = ", ".join(column.sql(self.name) for column in op.columns)
        return [self.online(f"ALTER TABLE {op.table.sql(self.name)} ADD {'UNIQUE INDEX' if op.unique else 'INDEX'} "
                            f"{self.quote(op.name)} ({columns})")]

    def render_drop_index(self, op) -> list[str]:
        return [self.online(f"ALTER TABLE {op.table.sql(self.name)} DROP INDEX {self.quote(op.name)}")]

    def render_add_foreign_key(self, op) -> list[str]:
        """With foreign_key_checks off, InnoDB adds the key in place without checking the existing rows."""
        return ["SET foreign_key_checks = 0", *(self.online(s) for s in super().render_add_foreign_key(op)),
                "SET foreign_key_checks = 1"]

    def render_drop_foreign_key(self, op) -> list[str]:
        return [self.online(f"ALTER TABLE {op.table.sql(self.name)} DROP FOREIGN KEY {self.quote(op.name)}")]

    def render_alter_column(self, op) -> list[str]:
        """MODIFY COLUMN restates the whole column: its type, NOT NULL and default."""
        definition = f"{op.column.sql(self.name)} {op.type}{' NOT NULL' if op.not_null else ' NULL'}"
        if op.default is not None:
            definition += f" DEFAULT {op.default}"
        return [self.online(f"ALTER TABLE {op.table.sql(self.name)} MODIFY COLUMN {definition}")]

    def render_create_sync(self, op) -> list[str]:
        """BEFORE triggers that set the other column of the row being written (the assignment converts the value)."""
        sync = op.sync
        insert, update = (self.quote(name) for name in sync.triggers)
        table, old, new = sync.table.sql(self.name), sync.old.sql(self.name), sync.new.sql(self.name)
        to_old, to_new = f"NEW.{new}", f"NEW.{old}"
        return [
            f"CREATE TRIGGER {insert} BEFORE INSERT ON {table} FOR EACH ROW\n"
            "BEGIN\n"
            f"    IF NEW.{new} IS NOT NULL THEN SET NEW.{old} = {to_old}; ELSE SET NEW.{new} = {to_new}; END IF;\n"
            "END",
            f"CREATE TRIGGER {update} BEFORE UPDATE ON {table} FOR EACH ROW\n"
            "BEGIN\n"
            f"    IF NOT (NEW.{new} <=> OLD.{new}) THEN SET NEW.{old} = {to_old};\n"
            f"    ELSEIF NOT (NEW.{old} <=> OLD.{old}) THEN SET NEW.{new} = {to_new};\n"
            "    END IF;\n"
            "END",
        ]

    def link_triggers(self, link) -> list[str]:
        return [link.trigger("insert"), link.trigger("update")]

    def render_create_link_sync(self, op) -> list[str]:
        """Triggers on the source only: a MySQL trigger cannot write to the table of the trigger that fired it."""
        link, q = op.link, self.name
        target = link.target.sql(q)
        cols = [c.sql(q) for c in link.columns]
        if link.new_target:
            keys = [*link.target_key, *link.columns]
            body = (f"    INSERT INTO {target} ({', '.join(k.sql(q) for k in keys)}) "
                    f"VALUES ({', '.join(f'NEW.{k.sql(q)}' for k in [*link.source_key, *link.columns])})\n"
                    f"    ON DUPLICATE KEY UPDATE {', '.join(f'{c} = VALUES({c})' for c in cols)};\n")
        else:
            body = (f"    UPDATE {target} SET {', '.join(f'{c} = NEW.{c}' for c in cols)} WHERE "
                    f"{' AND '.join(f'{t.sql(q)} = NEW.{s.sql(q)}' for s, t in link.keys)};\n")
        insert, update = (self.quote(name) for name in self.link_triggers(link))
        source = link.source.sql(q)
        return [f"CREATE TRIGGER {insert} AFTER INSERT ON {source} FOR EACH ROW\nBEGIN\n{body}END",
                f"CREATE TRIGGER {update} AFTER UPDATE ON {source} FOR EACH ROW\nBEGIN\n{body}END"]

    def render_copy_across(self, op) -> list[str]:
        link, q = op.link, self.name
        if link.new_target and not op.into_source:
            keys = [*link.target_key, *link.columns]
            return [f"INSERT IGNORE INTO {link.target.sql(q)} ({', '.join(k.sql(q) for k in keys)})\n"
                    f"    SELECT {', '.join(f's.{k.sql(q)}' for k in [*link.source_key, *link.columns])} "
                    f"FROM {link.source.sql(q)} s"]
        pairs = [(s, t) for s, t in link.keys] if op.into_source else [(t, s) for s, t in link.keys]
        into, source = (link.source, link.target) if op.into_source else (link.target, link.source)
        match = " AND ".join(f"i.{i.sql(q)} = s.{s.sql(q)}" for i, s in pairs)
        return [f"UPDATE {into.sql(q)} i JOIN {source.sql(q)} s ON {match}\n"
                f"    SET {', '.join(f'i.{c.sql(q)} = s.{c.sql(q)}' for c in link.columns)}"]

    @staticmethod
    def cast(expression: str, to_type: str) -> str:
        """As it is: assignment and comparison convert the value, and CAST knows only a few type names (SIGNED, not
        INT or BIGINT; no display widths)."""
        return expression

    def distinct(self, left: str, right: str) -> str:
        return f"NOT ({left} <=> {right})"

    def _schema(self, schema: str | None) -> str:
        return self.literal(schema) if schema else "DATABASE()"

    def rows_where_column_exists(self, schema, table, quoted_table, column) -> str:
        return (f"SELECT column_name FROM information_schema.columns WHERE table_schema = {self._schema(schema)}"
                f" AND table_name = {self.literal(table)} AND column_name = {self.literal(column)}")

    def rows_where_table_exists(self, schema, table, quoted_table) -> str:
        return (f"SELECT table_name FROM information_schema.tables WHERE table_schema = {self._schema(schema)}"
                f" AND table_name = {self.literal(table)}")

    def rows_where_index_exists(self, table: str, index: str) -> str:
        return (f"SELECT 1 FROM information_schema.statistics WHERE table_schema = DATABASE() AND "
                f"table_name = {self.literal(table)} AND index_name = {self.literal(index)}")

    def render_restore_column(self, op) -> list[str]:
        q, table, column = self.name, op.table.sql(self.name), op.column.sql(self.name)
        match = " AND ".join(f"k.{k.sql(q)} = {table}.{k.sql(q)}" for k in op.key)
        return [f"UPDATE {table} JOIN {op.archive.sql(q)} k ON {match} SET {table}.{column} = k.{column}"]


MYSQL = MySQL()
