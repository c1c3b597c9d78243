"""MySQL and MariaDB: everything that is true of them, in one place.

Where MySQL 8 and MariaDB differ, the SQL written here is the one both accept; MySQL 8 is coded from its
documentation (the machine this was written on runs MariaDB 10.11).
"""

import math
import re

from .base import CatalogueQueries, Engine, Lexicon, LOCK_TIMEOUT_SECONDS, Quote

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
    foreign_key_procedure = "unchecked-inplace"
    indexes_foreign_keys = True
    online_alter = ", ALGORITHM=INPLACE, LOCK=NONE"
    index_build_steps = ("Build the index online (ALGORITHM=INPLACE, LOCK=NONE): reads and writes go on; the statement "
                         "fails instead of locking if the server cannot build it online.",)
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

    @staticmethod
    def literal(value) -> str:
        """A backslash escapes in MySQL's strings (unless NO_BACKSLASH_ESCAPES): it is doubled."""
        if isinstance(value, str):
            return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
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
        return [f"SET SESSION lock_wait_timeout = {max(1, math.ceil(seconds))}"]  # whole seconds, at least 1

    def lock_timeout(self, in_transaction: bool) -> list[str]:
        return [f"SET SESSION lock_wait_timeout = {LOCK_TIMEOUT_SECONDS}"]

    def reset_lock_timeout(self) -> list[str]:
        return ["SET SESSION lock_wait_timeout = DEFAULT"]

    def add_column(self, table: str, definition: str) -> str:
        return super().add_column(table, definition) + ", ALGORITHM=INSTANT"

    def drop_column(self, table: str, column: str) -> str:
        return super().drop_column(table, column) + self.online_alter

    def rename_table(self, table: str, new_table: str, new_name: str) -> str:
        return f"RENAME TABLE {table} TO {new_table}"

    def create_index(self, kind: str, name: str, table: str, columns: str, method: str | None) -> str:
        return f"ALTER TABLE {table} ADD {kind} {name} ({columns}){self.online_alter}"

    def drop_index(self, name: str, qualified_name: str, table: str) -> str:
        return f"ALTER TABLE {table} DROP INDEX {name}{self.online_alter}"

    def make_nullable(self, table: str, column: str, column_type: str) -> str:
        return f"ALTER TABLE {table} MODIFY COLUMN {column} {column_type} NULL{self.online_alter}"

    def make_not_null(self, table: str, column: str, column_type: str) -> str:
        return f"ALTER TABLE {table} MODIFY COLUMN {column} {column_type} NOT NULL{self.online_alter}"

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

    def batched_update(self, table, table_name, assignments, pending, batch_rows, procedure) -> list[str]:
        """A procedure repeating a LIMITed UPDATE, each one its own autocommitted transaction."""
        return [
            f"CREATE PROCEDURE {procedure}()\n"
            "BEGIN\n"
            "    REPEAT\n"
            f"        UPDATE {table} SET {assignments} WHERE {pending} LIMIT {batch_rows};\n"
            "    UNTIL ROW_COUNT() = 0 END REPEAT;\n"
            "END",
            f"CALL {procedure}()",
            f"DROP PROCEDURE {procedure}",
        ]

    def restore_column(self, table: str, archive: str, key: list[str], column: str, batch_rows: int) -> str:
        match = " AND ".join(f"k.{k} = {table}.{k}" for k in key)
        return f"UPDATE {table} JOIN {archive} k ON {match} SET {table}.{column} = k.{column}"


MYSQL = MySQL()
