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
UNKNOWN = "\x00"  # encloses the description of a name the goal did not give, inside a name's text
BATCH_ROWS = 5000  # rows per transaction of a planned backfill

# Statements that manage the transaction themselves (their first words): a migration holding one runs outside
# ours. START counts only as START TRANSACTION, ROLLBACK not as ROLLBACK TO (a savepoint), BEGIN not as BEGIN
# ATOMIC (a function body).
_TRANSACTION_CONTROL = frozenset({"BEGIN", "COMMIT", "END", "ABORT", "START", "ROLLBACK"})


def manages_transaction(head: tuple[str, ...]) -> bool:
    """Whether a statement whose first words (lexer.words) are `head` begins or ends a transaction itself."""
    if not head or head[0] not in _TRANSACTION_CONTROL:
        return False
    second = head[1] if len(head) > 1 else ""
    if head[0] == "START":
        return second == "TRANSACTION"
    if head[0] == "ROLLBACK":
        return second != "TO"
    return second != "ATOMIC"


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

class Quote(namedtuple("Quote", "group first inner closing name opening prefix prefix_required after_word",
                       defaults=("", None, False, True))):
    """One kind of quoted token: `first`, then `opening` (the rest of its opener), `inner`, `closing`.

    dkmigrate.lexer builds its expressions from these parts; every pattern here is linear (no nested repeats).
    group: the lexer's group name ("string", "quoted", "escape", "dollar"); first: the character that opens it, as
    written ("'"); inner: what may stand between its opener and its closing; closing: a pattern (an unterminated
    token runs to the end of the text instead); name: in "unterminated <name>"; opening: the opener after `first`
    (the tag of $tag$); prefix: letters before `first` that belong to the token (E'...', N'...'), not after a word;
    prefix_required: only with the prefix is it this kind (E'...'), one character wide then; after_word: False when
    `first` does not open it right after a word character ($ in a$b$ does not).
    """

    __slots__ = ()


class Lexicon(namedtuple("Lexicon", "line_comments quotes nested_comments executable_comment delimiter_command "
                                    "parameters", defaults=(False, None, False, None))):
    """An engine's lexical rules: comments, quoted tokens and the statements that are not SQL.

    line_comments: the openers of a comment to the end of the line, each a pattern opening with a character;
    quotes: Quotes, in the order the lexer tries them (after words and numbers); nested_comments: /* /* */ */ is
    one comment (PostgreSQL); executable_comment: MySQL's /*! ... */, which the server runs; delimiter_command: the
    mysql client's DELIMITER line; parameters: positional parameters ($1), read as numbers.
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
    index_build_words = ""  # how a column copy's indexes are built: " with CREATE INDEX CONCURRENTLY (writes go on)"
    add_column_caveat = ""  # what a column copy's ADD COLUMN needs of the server, when something
    backfill_words = "for the existing rows"  # how a planned backfill goes, after "Copy a into b "
    drop_copied_column_words = "Drop the triggers and {old}."  # a column copy's CONTRACT
    sync_after_checks = False  # the sync triggers run after the row is checked (SQLite's AFTER triggers)
    link_sync_both_ways = True  # triggers copy a moved column's writes back to the table they moved from
    backfills_in_batches = False  # a planned backfill commits as it goes, while other writers go on
    copy_rows_words = ""  # how a planned copy of rows to another table goes, after "Copy a, b of the existing rows"
    drop_columns_words = ""  # how a planned drop of moved columns goes
    invalid_index_left = False  # a failed online index build leaves an unusable index behind (PostgreSQL)
    max_name_bytes = 63
    family = ""  # the engines a URL of it may reach, for people: "MySQL/MariaDB"
    default_port: int | None = None
    default_database_is_user = False  # a URL without a database reaches the one named after the user (libpq)
    grammar: frozenset[str] = frozenset()  # the linter's readings of engine-specific statements it enables
    by_hand = CatalogueQueries()
    identifier_quote = '"'
    _plain_name = re.compile(r"[a-z_][a-z0-9_]*")

    def __repr__(self) -> str:
        return f"<engine {self.name}>"

    # --- names and values ---------------------------------------------------------------------

    def quote_identifier(self, name: str) -> str:
        """Always quoted: the adapter's own SQL (the tracking table, catalogue queries)."""
        q = self.identifier_quote
        return q + name.replace(q, q + q) + q

    def quote(self, name: str) -> str:
        """Bare where that is safe, quoted otherwise: the planner's SQL, which people read. A name the goal did not
        give (marked, see plan.identifiers) is left as it is: it is not SQL until it is filled in."""
        if UNKNOWN in name:
            return name
        if self._plain_name.fullmatch(name) and name.lower() not in RESERVED:
            return name
        return self.quote_identifier(name)

    def name_fault(self, name: str) -> str | None:
        """Why the server refuses a name that quoting cannot help (None: it takes any name without a NUL)."""
        return None

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
        from ..lexer import words  # the lexer reads the engines' lexical rules: it is imported once they exist

        head = words(statement, self.name, 2)
        return manages_transaction(head) or self.refuses_transaction(statement, head, server_version)

    def refuses_transaction(self, statement: str, head: tuple[str, ...], server_version: int | None) -> bool:
        """True for a statement (its first two words `head`) that fails inside a transaction block."""
        return False

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

    # --- the planner's statements: its operations (dkmigrate.plan.operations) rendered ------------------

    def render(self, operation) -> list[str]:
        """The statements of one operation of a plan, as this engine runs it."""
        return getattr(self, f"render_{operation.kind}")(operation)

    def online(self, statement: str) -> str:
        """An ALTER TABLE that copies no table and blocks no writes, where the engine must be told so."""
        return statement + self.online_alter

    @staticmethod
    def render_comment(op) -> list[str]:
        return [f"-- {op.text}"]

    def render_statement(self, op) -> list[str]:
        return [op.sql]

    def render_lock_timeout(self, op) -> list[str]:
        return self.lock_timeout(op.in_transaction)

    def render_reset_lock_timeout(self, op) -> list[str]:
        return self.reset_lock_timeout()

    def column_definition(self, column, column_type: str, not_null: bool, default: str | None) -> str:
        definition = f"{column.sql(self.name)} {column_type}"
        if default is not None:
            definition += f" DEFAULT {default}"
        return definition + (" NOT NULL" if not_null else "")

    def render_add_column(self, op) -> list[str]:
        definition = self.column_definition(op.column, op.type, op.not_null, op.default)
        return [f"ALTER TABLE {op.table.sql(self.name)} ADD COLUMN {definition}"]

    def render_drop_column(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} DROP COLUMN {op.column.sql(self.name)}"]

    def render_rename_column(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} RENAME COLUMN {op.old.sql(self.name)} TO {op.new.sql(self.name)}"]

    def render_alter_column(self, op) -> list[str]:
        raise NotImplementedError(f"{self.label} cannot change a column's NOT NULL or default in place: "
                                  "the planner rebuilds the table")

    def render_backfill(self, op) -> list[str]:
        """An UPDATE of many rows that the runner runs in batches of BATCH_ROWS rows, one transaction each, walking
        the table by its key and resuming where it stopped (the `-- migrate:batch` directive)."""
        return [f"-- migrate:batch size={BATCH_ROWS}",
                f"UPDATE {op.table.sql(self.name)} SET {op.assignment} WHERE {op.pending}"]

    # --- batched statements (-- migrate:batch): keyset pagination ---------------------------------

    row_values = True  # (a, b) > (1, 2) compares rows in key order and walks the key's index

    def keyset_after(self, columns: list[str], values: list[str]) -> str:
        """The rows after a key (columns as SQL, values as literals), in key order."""
        return self._keyset(columns, values, ">")

    def keyset_through(self, columns: list[str], values: list[str]) -> str:
        """The rows up to and including a key, in key order."""
        return self._keyset(columns, values, "<=")

    def _keyset(self, columns: list[str], values: list[str], operator: str) -> str:
        if len(columns) == 1:
            return f"{columns[0]} {operator} {values[0]}"
        if self.row_values:
            return f"({', '.join(columns)}) {operator} ({', '.join(values)})"
        # (a, b) > (x, y) spelled out, led by a range on the first column so the index bounds the scan
        strict = operator.rstrip("=")
        alternatives = []
        for position, column in enumerate(columns):
            last = position == len(columns) - 1
            equal = [f"{c} = {v}" for c, v in zip(columns[:position], values[:position])]
            alternatives.append(" AND ".join([*equal, f"{column} {operator if last else strict} {values[position]}"]))
        lead = f"{columns[0]} {strict}= {values[0]}"
        return f"{lead} AND ({' OR '.join(f'({a})' if ' AND ' in a else a for a in alternatives)})"

    def key_literal(self, value) -> str:
        """A key's value, read back from the driver, as a literal that compares equal to it."""
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"X'{bytes(value).hex()}'"
        if isinstance(value, float):
            return repr(value)
        if hasattr(value, "isoformat"):  # date, time, datetime
            return self.literal(value.isoformat(sep=" ") if hasattr(value, "hour") and hasattr(value, "day")
                                else value.isoformat())
        if isinstance(value, (int, bool)) or value is None:
            return self.literal(value)
        if type(value).__name__ == "Decimal":
            return str(value)
        return self.literal(str(value))

    def render_create_index(self, op) -> list[str]:
        return [f"CREATE {'UNIQUE INDEX' if op.unique else 'INDEX'} {self.quote(op.name)} ON {op.table.sql(self.name)} "
                f"({', '.join(column.sql(self.name) for column in op.columns)})"]

    def render_restore_index(self, op) -> list[str]:
        return [op.definition]

    def render_drop_index(self, op) -> list[str]:
        return [f"DROP INDEX IF EXISTS {self.quote(op.name)}"]

    def render_add_not_null_check(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} ADD CONSTRAINT {self.quote(op.name)} "
                f"CHECK ({op.column.sql(self.name)} IS NOT NULL)"]

    def render_validate_constraint(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} VALIDATE CONSTRAINT {self.quote(op.name)}"]

    def render_add_foreign_key(self, op) -> list[str]:
        q = self.name
        return [f"ALTER TABLE {op.table.sql(q)} ADD CONSTRAINT {self.quote(op.name)} FOREIGN KEY ({op.column.sql(q)}) "
                f"REFERENCES {op.target.sql(q)} ({op.referenced.sql(q)})"]

    def render_drop_foreign_key(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} DROP CONSTRAINT IF EXISTS {self.quote(op.name)}"]

    def render_add_unique_using_index(self, op) -> list[str]:
        name = self.quote(op.index.name)
        return [f"ALTER TABLE {op.table.sql(self.name)} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}"]

    def render_drop_constraint(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} DROP CONSTRAINT {self.quote(op.name)}"]

    def render_drop_check(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} DROP CONSTRAINT {'IF EXISTS ' if op.if_exists else ''}"
                f"{self.quote(op.name)}"]

    def render_create_sync(self, op) -> list[str]:
        raise NotImplementedError(f"no column sync for {self.label}")

    def render_drop_sync(self, op) -> list[str]:
        return [f"DROP TRIGGER {self.quote(name)}" for name in op.sync.triggers]

    def render_create_table(self, op) -> list[str]:
        q = self.name
        definitions = [f"{column.sql(q)} {column_type}{' NOT NULL' if not_null else ''}"
                       for column, column_type, not_null in op.columns]
        key = ", ".join(column.sql(q) for column in op.primary_key)
        definitions.append(f"PRIMARY KEY ({key})")
        definitions.append(f"FOREIGN KEY ({key}) REFERENCES {op.references.sql(q)} "
                           f"({', '.join(column.sql(q) for column in op.referenced)}) ON DELETE CASCADE")
        return [f"CREATE TABLE {op.table.sql(q)} (\n    " + ",\n    ".join(definitions) + "\n)"]

    def render_create_shaped_table(self, op) -> list[str]:
        """A table of the shape a rebuild re-creates."""
        shape = op.shape
        definitions = []
        single_integer_key = (len(shape.primary_key) == 1 and next(
            c for c in shape.columns if c.name == shape.primary_key[0]).type.upper() == "INTEGER")
        for column in shape.columns:
            text = f"{self.quote(column.name)} {column.type}".rstrip()
            rowid = single_integer_key and column.name == shape.primary_key[0]
            if rowid:  # the rowid: never NULL, declared so or not (the facts cannot tell), so NOT NULL is not written
                text += " PRIMARY KEY" + (" AUTOINCREMENT" if shape.autoincrement else "")
            elif column.not_null:
                text += " NOT NULL"
            if column.default is not None:
                text += f" DEFAULT {column.default}"
            definitions.append(text)
        if shape.primary_key and not single_integer_key:
            definitions.append(f"PRIMARY KEY ({self._names(shape.primary_key)})")
        for unique in shape.uniques:
            definitions.append(f"UNIQUE ({self._names(unique)})")
        for columns, referenced, referenced_columns in shape.foreign_keys:
            target = f" ({self._names(referenced_columns)})" if any(referenced_columns) else ""
            definitions.append(f"FOREIGN KEY ({self._names(columns)}) REFERENCES {self.quote(referenced)}{target}")
        return [f"CREATE TABLE {op.table.sql(self.name)} (\n    " + ",\n    ".join(definitions) + "\n)"]

    def _names(self, names) -> str:
        return ", ".join(self.quote(name) for name in names)

    def render_create_view(self, op) -> list[str]:
        return [f"CREATE VIEW {op.view.sql(self.name)} AS SELECT * FROM {op.table.sql(self.name)}"]

    def render_drop_view(self, op) -> list[str]:
        return [f"DROP VIEW {op.created.view.sql(self.name)}"]

    def render_rename_index(self, op) -> list[str]:
        return [f"ALTER INDEX {op.table.sibling(op.name).sql(self.name)} RENAME TO {self.quote(op.new)}"]

    def render_create_link_sync(self, op) -> list[str]:
        raise NotImplementedError(f"no sync between tables for {self.label}")

    def render_drop_link_sync(self, op) -> list[str]:
        return [f"DROP TRIGGER {self.quote(name)}" for name in self.link_triggers(op.link)]

    def link_triggers(self, link) -> list[str]:
        """The names of the triggers of a link, in the order they are created."""
        return []

    def render_copy_across(self, op) -> list[str]:
        """One statement: a new target gets the rows it lacks, an existing table its matching rows updated."""
        link, q = op.link, self.name
        if op.into_source:
            into, source, into_key, source_key = link.source, link.target, link.source_key, link.target_key
        else:
            into, source, into_key, source_key = link.target, link.source, link.target_key, link.source_key
        if link.new_target and not op.into_source:
            columns = [*link.target_key, *link.columns]
            match = " AND ".join(f"t.{t.sql(q)} = s.{s.sql(q)}" for s, t in link.keys)
            return [f"INSERT INTO {into.sql(q)} ({', '.join(c.sql(q) for c in columns)})\n"
                    f"    SELECT {', '.join(f's.{c.sql(q)}' for c in [*link.source_key, *link.columns])} FROM {source.sql(q)} s\n"
                    f"    WHERE NOT EXISTS (SELECT 1 FROM {into.sql(q)} t WHERE {match})"]
        match = " AND ".join(f"s.{s.sql(q)} = {into.sql(q)}.{i.sql(q)}" for i, s in zip(into_key, source_key))
        return [f"UPDATE {into.sql(q)} SET {', '.join(f'{c.sql(q)} = s.{c.sql(q)}' for c in link.columns)} "
                f"FROM {source.sql(q)} AS s\n    WHERE {match}"]

    def render_keep_copy(self, op) -> list[str]:
        columns = ", ".join(column.sql(self.name) for column in op.columns)
        return [f"CREATE TABLE {op.copy.sql(self.name)} AS SELECT {columns} FROM {op.table.sql(self.name)}"]

    def render_copy_rows(self, op) -> list[str]:
        return [f"INSERT INTO {op.target.sql(self.name)} ({self._names(op.columns)})\n"
                f"    SELECT {', '.join(op.expressions)} FROM {op.source.sql(self.name)}"]

    def render_drop_table(self, op) -> list[str]:
        return [f"DROP TABLE {op.table.sql(self.name)}"]

    def render_rename_table(self, op) -> list[str]:
        return [f"ALTER TABLE {op.table.sql(self.name)} RENAME TO {op.new.name.sql(self.name)}"]

    # --- the planner's conditions -------------------------------------------------------------------------

    @staticmethod
    def cast(expression: str, to_type: str) -> str:
        """A value converted to a column's type."""
        return f"CAST({expression} AS {to_type})"

    def distinct(self, left: str, right: str) -> str:
        """True where two values differ, NULL counting as a value."""
        return f"{left} IS DISTINCT FROM {right}"

    def rows_where_sync_missing(self, table, sync) -> str | None:
        """A query with a row while the sync's trigger is missing; None where the engine's catalogue is not read."""
        return None

    def rows_of_invalid_indexes(self, table_literal: str) -> str | None:
        """Indexes a failed online build left behind, unusable; None where a failed build leaves nothing."""
        return None

    def rows_where_constraint_missing(self, table, name: str) -> str | None:
        """A query with a row while the table has no constraint of that name; None where the catalogue is not read."""
        return None

    def rows_where_constraint_not_validated(self, table, name: str) -> str | None:
        return None

    def rows_where_column_nullable(self, table, column) -> str | None:
        return None

    def rows_of_foreign_key_violations(self, table_literal: str) -> str | None:
        """Rows breaking the table's foreign keys, where the engine adds keys without checking them."""
        return None

    def rows_where_type_differs(self, table, column, column_type: str) -> str | None:
        """A query with a row while the column's type is not column_type; None where the engine cannot tell."""
        return None

    @abstractmethod
    def rows_where_column_exists(self, schema: str | None, table: str, quoted_table: str, column: str) -> str:
        """A query with a row when the column exists (a check that must come back empty once it is dropped);
        schema, table and column as the engine spells them, quoted_table as SQL."""

    @abstractmethod
    def rows_where_table_exists(self, schema: str | None, table: str, quoted_table: str) -> str: ...

    @abstractmethod
    def rows_where_index_exists(self, table: str, index: str) -> str: ...

    def render_restore_column(self, op) -> list[str]:
        """Put a column's values back from a copy of (key..., column), matching rows by key."""
        q, table, column = self.name, op.table.sql(self.name), op.column.sql(self.name)
        match = " AND ".join(f"k.{k.sql(q)} = {table}.{k.sql(q)}" for k in op.key)
        return [f"UPDATE {table} SET {column} = k.{column} FROM {op.archive.sql(q)} AS k WHERE {match}"]
