"""What every engine module states about its database engine, and the defaults most engines share.

An engine is data and small pure functions: no driver, no connection (that is the adapter's part), so the
linter and the planner use it without a database. Everything outside dkmigrate.engines asks an Engine;
nothing outside compares an engine's name.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections import namedtuple

LOCK_TIMEOUT_SECONDS = 5  # how long a planned DDL statement may wait for its lock before giving up (and being retried)

# Statements that manage the transaction themselves: a migration holding one runs outside ours.
_TRANSACTION_CONTROL = re.compile(
    r"^(BEGIN|COMMIT|END|ABORT|START\s+TRANSACTION|ROLLBACK(?!\s+TO\b))\b(?!\s+ATOMIC)", re.IGNORECASE
)

# Words that must be quoted to serve as names (the reserved words of PostgreSQL, MySQL and SQLite
# that tables and columns are most often named after).
RESERVED = frozenset("""
    all analyse analyze and any array as asc asymmetric authorization between binary both case cast check
    collate column constraint create cross current_date current_role current_time current_timestamp
    current_user default deferrable delete desc distinct do drop else end except exists false fetch for
    foreign freeze from full grant group having in index initially inner insert intersect into is isnull
    join key lateral leading left like limit localtime localtimestamp match natural not notnull null
    offset on only or order outer overlaps placing primary range references returning right row rows
    select session_user similar some symmetric table tablesample then to trailing true union unique
    update user using values variadic verbose when where window with
""".split())


# Records of plain data, as tuples: they are built at every start, and tuples cost a fraction of dataclasses.

class Quote(namedtuple("Quote", "group pattern closed name starts", defaults=((),))):
    """One kind of quoted token: how it opens, what the rest of it is, what it is called.

    group: the lexer's group name ("string", "quoted", "escape", "dollar"); pattern: the whole token (an
    unterminated one runs to the end of the text, \\Z); closed: the rest of the token after its first character,
    when it is terminated; name: in "unterminated <name>"; starts: the texts it may start with, for a fast
    search: ("'", "N'", "n'").
    """

    __slots__ = ()


class Lexicon(namedtuple("Lexicon", "line_comment line_comment_starts quotes string_prefixes nested_comments "
                                    "executable_comment delimiter_command parameters",
                         defaults=(None, False, None, False, None))):
    """An engine's lexical rules: comments, quoted tokens and the statements that are not SQL.

    line_comment: the opener of a comment to the end of the line; line_comment_starts: the characters it may
    start with, as a character class body ("-" or "-#"); quotes: Quotes, in the order the lexer tries them (after
    words and numbers); string_prefixes: letters that make the quote after them a kind of string (E'...');
    nested_comments: /* /* */ */ is one comment (PostgreSQL); executable_comment: MySQL's /*! ... */, which the
    server runs; delimiter_command: the mysql client's DELIMITER line; parameters: positional parameters ($1),
    read as numbers.
    """

    __slots__ = ()


class CatalogueQueries(namedtuple("CatalogueQueries", "long_transactions locks replicas", defaults=(None, None, None))):
    """What a person runs by hand when the plan could not read the server itself."""

    __slots__ = ()


class Engine(ABC):
    """One database engine. Each engine module defines a subclass and registers one instance of it."""

    name: str  # the dialect name in configuration, JSON output and rule lists: "postgres", "mysql", "sqlite"
    label: str  # for people: "PostgreSQL"
    schemes: tuple[str, ...]  # URL schemes that reach it
    lexicon: Lexicon
    adapter: tuple[str, str]  # (module in dkmigrate.adapters, class name)
    transactional_ddl = True  # False: DDL commits implicitly, so a migration cannot be one transaction
    has_schemas = True
    has_server = True  # False (SQLite): no other sessions, locks or replicas to read
    folds_to_lower = False  # unquoted names fold to lower case, quoted ones keep their case (PostgreSQL)
    versioned = False  # what is safe depends on the server's major version (lint's pg_version)
    lock_levels = False  # the linter knows its table lock levels and rewrites (PostgreSQL's)
    lock_queue = True  # False (SQLite): one database-wide write lock, and a blocked writer waits without queueing
    lock_wait_note = ""  # how a statement of a plan waits for its lock, for the checklist
    updatable_views = True  # False (SQLite): a view takes writes only through INSTEAD OF triggers
    view_note = ""  # what a view under a renamed table's old name does with the application's writes
    index_names_follow_table = False  # indexes named after a table are renamed with it (PostgreSQL's habit)
    query_statistics = "the query log, application logs"  # where to see whether a name is still queried
    # The procedures the planner may use, as the engine allows them:
    validates_online = False  # constraints added NOT VALID, then VALIDATEd without blocking writes (PostgreSQL)
    foreign_key_procedure = "rebuild"  # "not-valid", "unchecked-inplace" (MySQL) or "rebuild" (SQLite)
    indexes_foreign_keys = False  # the engine indexes a foreign key's columns itself (InnoDB)
    rebuilds_tables = False  # ALTER TABLE cannot drop a constrained column: the table is rebuilt (SQLite)
    online_alter = ""  # appended to an ALTER TABLE so that it copies no table and blocks no writes
    add_column_note = ""  # how the engine adds a column with a default
    drop_column_note = ""  # what dropping a column costs
    index_build_note = "online."  # how the planner's index build goes
    index_build_steps: tuple[str, ...] = ()  # the add-index plan's steps, in words
    invalid_index_left = False  # a failed online index build leaves an unusable index behind (PostgreSQL)
    max_name_bytes = 63
    family = ""  # the engines a URL of it may reach, for people: "MySQL/MariaDB"
    default_port: int | None = None
    default_database_is_user = False  # a URL without a database reaches the one named after the user (libpq)
    grammar: frozenset[str] = frozenset()  # the linter's readings of engine-specific statements it enables
    by_hand = CatalogueQueries()
    identifier_quote = '"'
    _plain_name = re.compile(r"[a-z_][a-z0-9_]*")
    _outside_transaction: re.Pattern | None = None  # statements that refuse a transaction block

    def __repr__(self) -> str:
        return f"<engine {self.name}>"

    # --- names and values ---------------------------------------------------------------------

    def quote_identifier(self, name: str) -> str:
        """Always quoted: the adapter's own SQL (the tracking table, catalogue queries)."""
        q = self.identifier_quote
        return q + name.replace(q, q + q) + q

    def quote(self, name: str) -> str:
        """Bare where that is safe, quoted otherwise: the planner's SQL, which people read."""
        if self._plain_name.fullmatch(name) and name.lower() not in RESERVED:
            return name
        return self.quote_identifier(name)

    def quote_table(self, name: str) -> str:
        schema, _, table = name.rpartition(".")  # a table name has no dot; a schema's name may
        return f"{self.quote_identifier(schema)}.{self.quote_identifier(table)}" if schema else self.quote_identifier(table)

    @staticmethod
    def literal(value) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        return "'" + str(value).replace("'", "''") + "'"

    def fold(self, name: str) -> str:
        """An unquoted name as the engine stores it."""
        return name.lower() if self.folds_to_lower else name

    def name_key(self, name: str, quoted: bool) -> str:
        """How the engine tells two names apart: PostgreSQL keeps quoted names as written, the others
        compare names without regard to case."""
        return name if quoted and self.folds_to_lower else name.lower()

    def table_literal(self, quoted_table: str, name: str) -> str:
        """The string literal by which the engine's catalogue functions find a table."""
        return self.literal(name)

    # --- transactions and locks -----------------------------------------------------------------

    def runs_outside_transaction(self, statement: str, server_version: int | None = None) -> bool:
        """True for a statement that cannot run inside a transaction block (or that manages its own).

        `server_version` is the server's major version; None means a current one.
        """
        if _TRANSACTION_CONTROL.match(statement):
            return True
        return self._outside_transaction is not None and self._outside_transaction.match(statement) is not None

    def commits_implicitly(self, statement: str) -> str | None:
        """The kind of statement ("CREATE TABLE") when the server commits around it (DDL where DDL is not
        transactional), so that no transaction can hold the migration it is part of; None otherwise."""
        return None

    def session_lock_timeout(self, seconds: float) -> list[str]:
        """What sets how long every statement of this connection waits for a lock (migrate.yaml's lock_timeout)."""
        return []

    def lock_timeout(self, in_transaction: bool) -> list[str]:
        """Bound the wait for a lock, so a DDL statement queued behind a long transaction cannot stall all traffic."""
        return []

    def reset_lock_timeout(self) -> list[str]:
        return []

    # --- data checked before a constraint ----------------------------------------------------------

    def uncastable(self, column: str, type_name: str, modifiers: tuple[int, ...] | None) -> str | None:
        """A condition on a row, true where the column's value would not convert to the new type (the linter's
        canonical type name: integer, numeric, varchar, ...); None when no such check is known for the engine."""
        return None

    def sample(self, query: str, rows: int) -> str:
        """The first rows of a query."""
        return f"{query} LIMIT {rows}"

    # --- the planner's statements ---------------------------------------------------------------

    def add_column(self, table: str, definition: str) -> str:
        return f"ALTER TABLE {table} ADD COLUMN {definition}"

    def drop_column(self, table: str, column: str) -> str:
        return f"ALTER TABLE {table} DROP COLUMN {column}"

    def rename_table(self, table: str, new_table: str, new_name: str) -> str:
        """table and new_table qualified as written; new_name the bare new name."""
        return f"ALTER TABLE {table} RENAME TO {new_name}"

    def create_index(self, kind: str, name: str, table: str, columns: str, method: str | None) -> str:
        return f"CREATE {kind} {name} ON {table} ({columns})"

    def drop_index(self, name: str, qualified_name: str, table: str) -> str:
        return f"DROP INDEX IF EXISTS {name}"

    def make_nullable(self, table: str, column: str, column_type: str) -> str | None:
        """A statement that lets the column be NULL; None when the engine cannot do it in place."""
        return None

    def make_not_null(self, table: str, column: str, column_type: str) -> str | None:
        return None

    @abstractmethod
    def rows_where_column_exists(self, schema: str | None, table: str, quoted_table: str, column: str) -> str:
        """A query with a row when the column exists (a check that must come back empty once it is dropped);
        schema, table and column as the engine spells them, quoted_table as SQL."""

    @abstractmethod
    def rows_where_table_exists(self, schema: str | None, table: str, quoted_table: str) -> str: ...

    @abstractmethod
    def rows_where_index_exists(self, table: str, index: str) -> str: ...

    def batched_update(self, table: str, table_name: str, assignments: str, pending: str, batch_rows: int,
                       procedure: str) -> list[str]:
        """An UPDATE of many rows in small transactions; the default is one statement."""
        return [f"UPDATE {table} SET {assignments} WHERE {pending}"]

    def restore_column(self, table: str, archive: str, key: list[str], column: str, batch_rows: int) -> str:
        """Put a column's values back from a copy of (key..., column), matching rows by key."""
        match = " AND ".join(f"k.{k} = {table}.{k}" for k in key)
        return f"UPDATE {table} SET {column} = k.{column} FROM {archive} AS k WHERE {match}"
