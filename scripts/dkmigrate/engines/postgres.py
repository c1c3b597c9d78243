"""PostgreSQL: everything that is true of it, in one place."""

from .base import CatalogueQueries, Engine, Lexicon, LOCK_TIMEOUT_SECONDS, Quote

LEXICON = Lexicon(
    line_comments=("--",),
    quotes=(
        Quote("string", "'", r"[^']*(?:''[^']*)*", "'", "string literal", prefix=r"[BbXxNn]|[Uu]&"),
        Quote("quoted", '"', r'[^"]*(?:""[^"]*)*', '"', "quoted identifier"),
        # E'...': the only strings where \ escapes
        Quote("escape", "'", r"[^'\\]*(?:(?:''|\\(?s:.))[^'\\]*)*", "'", "string literal", prefix="[Ee]",
              prefix_required=True),
        Quote("dollar", "$", r"(?s:.*?)", r"\$(?P=tag)\$", "dollar-quoted string", opening=r"(?P<tag>(?:[^\W\d]\w*)?)\$",
              after_word=False),
    ),
    nested_comments=True,
    parameters=r"\$\d+",
)

# Statements that fail inside a transaction block, by their first words; REINDEX, CLUSTER, DO and some
# ALTERs are read further (refuses_transaction).
_REFUSED_HEADS = (
    ("CREATE", "INDEX", "CONCURRENTLY"), ("CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"), ("DROP", "INDEX", "CONCURRENTLY"),
    ("VACUUM",), ("ALTER", "SYSTEM"),
    *((verb, kind) for verb in ("CREATE", "DROP") for kind in ("DATABASE", "TABLESPACE", "SUBSCRIPTION")),
)
_READ_FURTHER = frozenset({"CREATE", "DROP", "VACUUM", "ALTER", "REINDEX", "CLUSTER", "DO"})


_INTEGERS = {"smallint": (-2 ** 15, 2 ** 15 - 1), "integer": (-2 ** 31, 2 ** 31 - 1),
             "bigint": (-2 ** 63, 2 ** 63 - 1)}


def _find(keywords: list[str], sequence: tuple[str, ...]) -> int:
    """Where the words of `sequence` follow each other in `keywords`; -1 when they do not."""
    return next((index for index in range(len(keywords)) if tuple(keywords[index:index + len(sequence)]) == sequence), -1)


def dollar_quoted(body: str) -> str:
    """PostgreSQL's $$body$$, with a tag the body does not contain, so no name inside can end it early."""
    tag, number = "", 0
    while (body + f"${tag}$").find(f"${tag}$") != len(body):
        number += 1
        tag = f"body{number}"
    return f"${tag}${body}${tag}$"


class PostgreSQL(Engine):
    name = "postgres"
    label = "PostgreSQL"
    schemes = ("postgres", "postgresql")
    lexicon = LEXICON
    adapter = ("postgres", "PostgresAdapter")
    folds_to_lower = True
    family = "PostgreSQL"
    default_port = 5432
    default_database_is_user = True
    versioned = True
    lock_levels = True
    view_note = "A view over one table is updatable in PostgreSQL: INSERT, UPDATE and DELETE pass through."
    index_names_follow_table = True
    validates_online = True
    foreign_key_procedure = "not-valid"
    drop_column_note = " (PostgreSQL only marks it dropped: no rewrite; the space returns as rows are updated)"
    index_build_note = "concurrently: writes go on; if it fails it leaves an INVALID index, which the down drops."
    invalid_index_left = True
    index_build_steps = (
        "Build the index CONCURRENTLY: reads and writes go on while it is built (it waits for the transactions "
        "running at its start and end, so run it when none is long).",
        "It cannot run in a transaction: the migration runs it on its own. If it fails it leaves an INVALID index: "
        "the down drops it (DROP INDEX CONCURRENTLY IF EXISTS), then apply the migration again.")
    query_statistics = "pg_stat_statements, logs"
    lock_wait_note = "every phase that takes an ACCESS EXCLUSIVE lock starts with SET lock_timeout = '5s'"
    # LOCK TABLE; float(p) as real or double precision; "int4" and the other quoted internal type names; the
    # ALTER TABLE actions the linter knows all of
    grammar = frozenset({"lock-table", "float-precision", "quoted-type-names", "alter-actions-known"})
    by_hand = CatalogueQueries(
        long_transactions="SELECT pid, now() - xact_start AS age, query_start, query FROM pg_stat_activity "
                          "WHERE xact_start < now() - interval '60 seconds'",
        locks="SELECT pid, relation::regclass, mode, granted FROM pg_locks WHERE relation = 'TABLE'::regclass",
        replicas="SELECT application_name, state, replay_lag FROM pg_stat_replication",
    )

    def refuses_transaction(self, statement: str, head: tuple[str, ...], server_version: int | None) -> bool:
        if not head or head[0] not in _READ_FURTHER:
            return False
        from ..lexer import STRING, WORD, string_content, tokens, words

        first = words(statement, self.name, 4)
        if any(first[:len(refused)] == refused for refused in _REFUSED_HEADS):
            return True
        if head == ("ALTER", "TABLE") and "DETACH" not in statement.upper():
            return False  # the common ALTER TABLE: not read whole
        read = list(tokens(statement, self.name))
        keywords = [token.upper if token.kind == WORD else "" for token in read]
        if head[0] == "REINDEX":  # REINDEX ... CONCURRENTLY, or REINDEX [(options)] DATABASE | SYSTEM
            rest = read[1:]
            if rest and rest[0].text == "(":
                rest = rest[next((index for index, token in enumerate(rest) if token.text == ")"), len(rest)) + 1:]
            return "CONCURRENTLY" in keywords or (bool(rest) and rest[0].upper in ("DATABASE", "SYSTEM"))
        if head[0] == "CLUSTER":  # every clustered table of the database: CLUSTER [VERBOSE]
            return keywords[1:] in ([], ["VERBOSE"])
        if head[0] == "DO":  # a DO block that commits (a procedure's transaction control)
            return "COMMIT" in keywords or any(
                token.upper == "COMMIT" for string in read if string.kind == STRING
                for token in tokens(string_content(string), self.name))
        if head == ("ALTER", "TABLE"):  # ... DETACH PARTITION ... CONCURRENTLY
            detach = _find(keywords, ("DETACH", "PARTITION"))
            return detach >= 0 and "CONCURRENTLY" in keywords[detach:]
        if head == ("ALTER", "TYPE"):  # ALTER TYPE ... ADD VALUE, before PostgreSQL 12
            return server_version is not None and server_version < 12 and _find(keywords, ("ADD", "VALUE")) >= 0
        return False

    def table_literal(self, quoted_table: str, name: str) -> str:
        return self.literal(quoted_table)  # to_regclass reads the name as SQL

    def uncastable(self, column: str, type_name: str, modifiers: tuple[int, ...] | None) -> str | None:
        text = f"{column}::text"
        if type_name in _INTEGERS:
            low, high = _INTEGERS[type_name]
            return (f"{column} IS NOT NULL AND CASE WHEN {text} ~ '^\\s*[-+]?[0-9]+\\s*$' "
                    f"THEN trim({text})::numeric NOT BETWEEN {low} AND {high} ELSE true END")
        if type_name == "numeric":
            return f"{column} IS NOT NULL AND {text} !~ '^\\s*[-+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*$'"
        if type_name in ("varchar", "char") and modifiers:
            return f"char_length({text}) > {modifiers[0]}"
        return None

    def session_lock_timeout(self, seconds: float) -> list[str]:
        return [f"SET lock_timeout = '{round(seconds * 1000)}ms'"]

    def lock_timeout(self, in_transaction: bool) -> list[str]:
        return [f"SET {'LOCAL ' if in_transaction else ''}lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'"]

    def reset_lock_timeout(self) -> list[str]:
        return ["RESET lock_timeout"]

    def create_index(self, kind: str, name: str, table: str, columns: str, method: str | None) -> str:
        using = f" USING {method}" if method and method != "btree" else ""
        return f"CREATE {kind} CONCURRENTLY {name} ON {table}{using} ({columns})"

    def drop_index(self, name: str, qualified_name: str, table: str) -> str:
        return f"DROP INDEX CONCURRENTLY IF EXISTS {qualified_name}"

    @staticmethod
    def concurrently(index_definition: str) -> str:
        """A CREATE [UNIQUE] INDEX definition (pg_get_indexdef) as a build that blocks no writes."""
        for head in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
            if index_definition.startswith(head):
                return f"{head}CONCURRENTLY {index_definition[len(head):]}"
        return index_definition

    def make_nullable(self, table: str, column: str, column_type: str) -> str:
        return f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL"

    def make_not_null(self, table: str, column: str, column_type: str) -> str:
        return f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL"

    def rows_where_column_exists(self, schema, table, quoted_table, column) -> str:
        return (f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({self.literal(quoted_table)})"
                f" AND attname = {self.literal(column)} AND NOT attisdropped")

    def rows_where_table_exists(self, schema, table, quoted_table) -> str:
        regclass = f"to_regclass({self.literal(quoted_table)})"
        return f"SELECT {regclass} WHERE {regclass} IS NOT NULL"

    def rows_where_index_exists(self, table: str, index: str) -> str:
        return f"SELECT 1 FROM pg_indexes WHERE indexname = {self.literal(index)} AND tablename = {self.literal(table)}"

    def batched_update(self, table, table_name, assignments, pending, batch_rows, procedure) -> list[str]:
        """An UPDATE in transactions of batch_rows rows each, so no row lock is held for long and no single
        transaction keeps old row versions alive. Runs outside a transaction block (it commits as it goes)."""
        return ["DO " + dollar_quoted(
            "\n"
            "DECLARE\n"
            "    updated integer;\n"
            "BEGIN\n"
            "    LOOP\n"
            f"        UPDATE {table} SET {assignments}\n"
            f"        WHERE ctid = ANY (ARRAY(SELECT ctid FROM {table} WHERE {pending} LIMIT {batch_rows}));\n"
            "        GET DIAGNOSTICS updated = ROW_COUNT;\n"
            "        EXIT WHEN updated = 0;\n"
            "        COMMIT;\n"
            "    END LOOP;\n"
            "END\n"
        )]

    def restore_column(self, table: str, archive: str, key: list[str], column: str, batch_rows: int) -> str:
        return self.batched_copy(table, archive, lambda a, b: " AND ".join(f"{a}.{k} = {b}.{k}" for k in key),
                                 [column], batch_rows)

    @staticmethod
    def batched_copy(into: str, source: str, match: "callable", columns: list[str], batch_rows: int) -> str:
        """Copy columns from the matching rows of another table, batch_rows rows per transaction (outside a
        transaction block), until every row of `into` agrees with its counterpart. match(a, b) joins aliases."""
        return "DO " + dollar_quoted(
            "\nDECLARE\n    copied integer;\nBEGIN\n    LOOP\n"
            f"        UPDATE {into} i SET {', '.join(f'{c} = s.{c}' for c in columns)} FROM {source} s\n"
            f"        WHERE {match('i', 's')} AND i.ctid = ANY (ARRAY(\n"
            f"            SELECT i2.ctid FROM {into} i2 JOIN {source} s2 ON {match('i2', 's2')}\n"
            f"            WHERE {' OR '.join(f'i2.{c} IS DISTINCT FROM s2.{c}' for c in columns)} LIMIT {batch_rows}));\n"
            "        GET DIAGNOSTICS copied = ROW_COUNT;\n        EXIT WHEN copied = 0;\n        COMMIT;\n"
            "    END LOOP;\nEND\n"
        )


POSTGRES = PostgreSQL()
