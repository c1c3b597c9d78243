"""PostgreSQL: everything that is true of it, in one place."""

from .base import BATCH_ROWS, CatalogueQueries, Engine, Lexicon, LOCK_TIMEOUT_SECONDS, Quote

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
_REFUSED_HEADS = frozenset({
    ("CREATE", "INDEX", "CONCURRENTLY"), ("CREATE", "UNIQUE", "INDEX", "CONCURRENTLY"), ("DROP", "INDEX", "CONCURRENTLY"),
    ("VACUUM",), ("ALTER", "SYSTEM"),
    *((verb, kind) for verb in ("CREATE", "DROP") for kind in ("DATABASE", "TABLESPACE", "SUBSCRIPTION")),
})
_READ_FURTHER = frozenset({"CREATE", "DROP", "VACUUM", "ALTER", "REINDEX", "CLUSTER", "DO"})
_READ_WHOLE = frozenset({("REINDEX",), ("CLUSTER",), ("DO",), ("ALTER", "TABLE"), ("ALTER", "TYPE")})


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
    backfills_in_batches = True
    copy_rows_words = f", {BATCH_ROWS} rows per transaction"
    drop_columns_words = ", in one short transaction"
    index_build_words = " with CREATE INDEX CONCURRENTLY (writes go on)"
    backfill_words = (f"for the existing rows, {BATCH_ROWS} rows per transaction (each commits before the next: no long "
                      "lock, no long transaction)")
    drop_copied_column_words = (f"Drop the trigger, then {{old}}, in one short transaction (lock_timeout "
                                f"{LOCK_TIMEOUT_SECONDS}s: retry later if it times out).")
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
        from ..lexer import STRING, WORD, keywords, string_content, tokens

        first = keywords(statement, self.name, 4)
        if any(first[:length] in _REFUSED_HEADS for length in range(1, len(first) + 1)):
            return True
        if head[:1] not in _READ_WHOLE and head[:2] not in _READ_WHOLE:
            return False  # CREATE TABLE, DROP ...: their first words said all
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

    def render_create_index(self, op) -> list[str]:
        using = f" USING {op.method}" if op.method and op.method != "btree" else ""
        columns = ", ".join(column.sql(self.name) for column in op.columns)
        return [f"CREATE {'UNIQUE INDEX' if op.unique else 'INDEX'} CONCURRENTLY {self.quote(op.name)} "
                f"ON {op.table.sql(self.name)}{using} ({columns})"]

    def render_restore_index(self, op) -> list[str]:
        return [self.concurrently(op.definition)]

    def render_drop_index(self, op) -> list[str]:
        return [f"DROP INDEX CONCURRENTLY IF EXISTS {op.table.sibling(op.name).sql(self.name)}"]

    @staticmethod
    def concurrently(index_definition: str) -> str:
        """A CREATE [UNIQUE] INDEX definition (pg_get_indexdef) as a build that blocks no writes."""
        for head in ("CREATE UNIQUE INDEX ", "CREATE INDEX "):
            if index_definition.startswith(head):
                return f"{head}CONCURRENTLY {index_definition[len(head):]}"
        return index_definition

    def render_alter_column(self, op) -> list[str]:
        alter = f"ALTER TABLE {op.table.sql(self.name)} ALTER COLUMN {op.column.sql(self.name)}"
        statements = []
        if op.not_null != op.was_not_null:
            statements.append(f"{alter} {'SET' if op.not_null else 'DROP'} NOT NULL")
        if op.default != op.was_default:
            statements.append(f"{alter} SET DEFAULT {op.default}" if op.default is not None else f"{alter} DROP DEFAULT")
        return statements

    def render_add_foreign_key(self, op) -> list[str]:
        return [statement + " NOT VALID" for statement in super().render_add_foreign_key(op)]

    def render_add_not_null_check(self, op) -> list[str]:
        return [statement + " NOT VALID" for statement in super().render_add_not_null_check(op)]

    def render_create_sync(self, op) -> list[str]:
        sync = op.sync
        function = sync.table.sibling(sync.name).sql(self.name)
        old, new = sync.old.sql(self.name), sync.new.sql(self.name)
        return [
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS " + dollar_quoted(
                "\nBEGIN\n"
                "    -- The column a statement wrote wins. A new row that has only one of the two gets it copied\n"
                f"    -- ({sync.new} has no default during the change, so a value in it was written).\n"
                "    IF TG_OP = 'INSERT' THEN\n"
                f"        IF NEW.{new} IS NOT NULL THEN\n"
                f"            NEW.{old} := NEW.{new};\n"
                "        ELSE\n"
                f"            NEW.{new} := NEW.{old};\n"
                "        END IF;\n"
                f"    ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN\n"
                f"        NEW.{old} := NEW.{new};\n"
                f"    ELSIF NEW.{old} IS DISTINCT FROM OLD.{old} THEN\n"
                f"        NEW.{new} := NEW.{old};\n"
                "    END IF;\n"
                "    RETURN NEW;\n"
                "END\n"),
            f"CREATE TRIGGER {self.quote(sync.name)} BEFORE INSERT OR UPDATE ON {sync.table.sql(self.name)}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {function}()",
        ]

    def render_drop_sync(self, op) -> list[str]:
        sync = op.sync
        return [f"DROP TRIGGER {self.quote(sync.name)} ON {sync.table.sql(self.name)}",
                f"DROP FUNCTION {sync.table.sibling(sync.name).sql(self.name)}()"]

    def link_functions(self, link) -> tuple[str, str]:
        """The trigger functions that copy forward (source to target) and back."""
        return (link.source.sibling(link.trigger("forward")).sql(self.name),
                link.source.sibling(link.trigger("back")).sql(self.name))

    def render_create_link_sync(self, op) -> list[str]:
        link, q = op.link, self.name
        source, target = link.source.sql(q), link.target.sql(q)
        forward, back = self.link_functions(link)
        cols = [c.sql(q) for c in link.columns]
        if link.new_target:
            keys = [*link.target_key, *link.columns]
            copy_forward = (
                f"    INSERT INTO {target} ({', '.join(k.sql(q) for k in keys)})\n"
                f"    VALUES ({', '.join(f'NEW.{k.sql(q)}' for k in [*link.source_key, *link.columns])})\n"
                f"    ON CONFLICT ({', '.join(k.sql(q) for k in link.target_key)}) DO UPDATE SET "
                f"{', '.join(f'{c} = EXCLUDED.{c}' for c in cols)}\n"
                f"    WHERE {' OR '.join(f'{target}.{c} IS DISTINCT FROM EXCLUDED.{c}' for c in cols)};\n")
        else:
            copy_forward = (
                f"    UPDATE {target} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                f"    WHERE {' AND '.join(f'{t.sql(q)} = NEW.{s.sql(q)}' for s, t in link.keys)}\n"
                f"      AND ({' OR '.join(f'{c} IS DISTINCT FROM NEW.{c}' for c in cols)});\n")
        copy_back = (
            f"    UPDATE {source} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
            f"    WHERE {' AND '.join(f'{s.sql(q)} = NEW.{t.sql(q)}' for s, t in link.keys)}\n"
            f"      AND ({' OR '.join(f'{c} IS DISTINCT FROM NEW.{c}' for c in cols)});\n")
        trigger = self.quote(link.name)
        return [
            f"CREATE FUNCTION {forward}() RETURNS trigger LANGUAGE plpgsql AS "
            + dollar_quoted(f"\nBEGIN\n{copy_forward}    RETURN NULL;\nEND\n"),
            f"CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE ON {source}\n    FOR EACH ROW EXECUTE FUNCTION {forward}()",
            f"CREATE FUNCTION {back}() RETURNS trigger LANGUAGE plpgsql AS "
            + dollar_quoted(f"\nBEGIN\n{copy_back}    RETURN NULL;\nEND\n"),
            f"CREATE TRIGGER {trigger} AFTER INSERT OR UPDATE ON {target}\n    FOR EACH ROW EXECUTE FUNCTION {back}()",
        ]

    def render_drop_link_sync(self, op) -> list[str]:
        link, q = op.link, self.name
        forward, back = self.link_functions(link)
        trigger = self.quote(link.name)
        return [f"DROP TRIGGER {trigger} ON {link.target.sql(q)}", f"DROP FUNCTION {back}()",
                f"DROP TRIGGER {trigger} ON {link.source.sql(q)}", f"DROP FUNCTION {forward}()"]

    def render_copy_across(self, op) -> list[str]:
        """In transactions of BATCH_ROWS rows (outside a transaction block)."""
        link, q = op.link, self.name
        if link.new_target and not op.into_source:
            source, target = link.source.sql(q), link.target.sql(q)
            keys = [*link.target_key, *link.columns]
            match = " AND ".join(f"t.{t.sql(q)} = s.{s.sql(q)}" for s, t in link.keys)
            return ["DO " + dollar_quoted(
                "\nDECLARE\n    copied integer;\nBEGIN\n    LOOP\n"
                f"        INSERT INTO {target} ({', '.join(k.sql(q) for k in keys)})\n"
                f"        SELECT {', '.join(f's.{k.sql(q)}' for k in [*link.source_key, *link.columns])} FROM {source} s\n"
                f"        WHERE NOT EXISTS (SELECT 1 FROM {target} t WHERE {match}) LIMIT {BATCH_ROWS}\n"
                "        ON CONFLICT DO NOTHING;\n"
                "        GET DIAGNOSTICS copied = ROW_COUNT;\n        EXIT WHEN copied = 0;\n        COMMIT;\n"
                "    END LOOP;\nEND\n")]
        if op.into_source:
            into, source, pairs = link.source, link.target, [(s, t) for s, t in link.keys]
        else:
            into, source, pairs = link.target, link.source, [(t, s) for s, t in link.keys]

        def match(a: str, b: str) -> str:
            return " AND ".join(f"{a}.{i.sql(q)} = {b}.{s.sql(q)}" for i, s in pairs)

        return [self.batched_copy(into.sql(q), source.sql(q), match, [c.sql(q) for c in link.columns], BATCH_ROWS)]

    def key_literal(self, value) -> str:
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"'\\x{bytes(value).hex()}'::bytea"
        return super().key_literal(value)

    def rows_where_sync_missing(self, table, sync) -> str:
        return (f"SELECT 'missing trigger' WHERE NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = "
                f"to_regclass({self.literal(table.sql(self.name))}) AND tgname = {self.literal(sync.name)})")

    def rows_where_constraint_missing(self, table, name: str) -> str:
        return (f"SELECT 'missing' AS {self.quote('constraint')} WHERE NOT EXISTS (SELECT 1 FROM pg_constraint WHERE "
                f"conrelid = to_regclass({self.literal(table.sql(self.name))}) AND conname = {self.literal(name)})")

    def rows_where_constraint_not_validated(self, table, name: str) -> str:
        return (f"SELECT conname FROM pg_constraint WHERE conrelid = to_regclass({self.literal(table.sql(self.name))}) "
                f"AND conname = {self.literal(name)} AND NOT convalidated")

    def rows_where_column_nullable(self, table, column) -> str:
        return (f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({self.literal(table.sql(self.name))}) "
                f"AND attname = {self.literal(column.text)} AND NOT attnotnull")

    def rows_of_invalid_indexes(self, table_literal: str) -> str:
        return f"SELECT indexrelid::regclass FROM pg_index WHERE indrelid = to_regclass({table_literal}) AND NOT indisvalid"

    def rows_where_type_differs(self, table, column, column_type: str) -> str:
        return (f"SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = "
                f"to_regclass({self.literal(table.sql(self.name))}) AND attname = {self.literal(column.text)} "
                f"AND atttypid <> to_regtype({self.literal(column_type)})")

    def rows_where_column_exists(self, schema, table, quoted_table, column) -> str:
        return (f"SELECT attname FROM pg_attribute WHERE attrelid = to_regclass({self.literal(quoted_table)})"
                f" AND attname = {self.literal(column)} AND NOT attisdropped")

    def rows_where_table_exists(self, schema, table, quoted_table) -> str:
        regclass = f"to_regclass({self.literal(quoted_table)})"
        return f"SELECT {regclass} WHERE {regclass} IS NOT NULL"

    def rows_where_index_exists(self, table: str, index: str) -> str:
        return f"SELECT 1 FROM pg_indexes WHERE indexname = {self.literal(index)} AND tablename = {self.literal(table)}"

    def render_restore_column(self, op) -> list[str]:
        q = self.name
        return [self.batched_copy(op.table.sql(q), op.archive.sql(q),
                                  lambda a, b: " AND ".join(f"{a}.{k.sql(q)} = {b}.{k.sql(q)}" for k in op.key),
                                  [op.column.sql(q)], BATCH_ROWS)]

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
