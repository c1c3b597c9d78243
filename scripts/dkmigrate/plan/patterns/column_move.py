"""Moving columns from one table to another without downtime: split-table (into a new table keyed by the
source's primary key), move-columns (into an existing table linked by a foreign key) and merge-tables
(every column of a child table into its parent).

    EXPAND    create the target table or columns, and triggers that copy every write to the other side
    MIGRATE   copy the existing rows in batches
    DEPLOY    release the application that reads and writes the columns in their new place
    CONTRACT  drop the triggers and the moved columns from the source
"""

from dataclasses import dataclass

from ...adapters.base import TableFacts
from ...errors import UsageError
from ..identifiers import Name, TableName, derived_name, dollar_quoted, placeholder_text, quote
from ..model import CONTRACT, DEPLOY, EXPAND, MIGRATE, Phase
from ..registry import Context, Placeholder
from .. import sql


@dataclass(frozen=True)
class Move:
    source: TableName
    target: TableName
    columns: list[Name]
    types: dict[str, str]  # column -> type
    source_key: list[Name]  # the source's columns that identify a row's counterpart
    target_key: list[Name]  # the target's columns that hold the same values
    new_target: bool  # the target table is created by this plan (split)
    source_facts: TableFacts | None

    def match(self, dialect: str, source_alias: str, target_alias: str) -> str:
        return " AND ".join(f"{target_alias}.{t.sql(dialect)} = {source_alias}.{s.sql(dialect)}"
                            for s, t in zip(self.source_key, self.target_key))


def columns_to_move(ctx: Context, source: TableName, names: list[Name]) -> tuple[list[Name], dict[str, str]]:
    if not names:
        facts = ctx.table_facts(source)
        listed = f" (its columns: {', '.join(c.name for c in facts.columns)})" if facts else ""
        placeholder = ctx.missing("columns to move", f"name them in the goal or with --columns a,b{listed}")
        return [placeholder], {placeholder.text: placeholder_text("their types")}
    types = {name.text: ctx.column_type(source, name) for name in names}
    return names, types


def link(ctx: Context, source: TableName, target: TableName) -> tuple[list[Name], list[Name]]:
    """How a source row finds its target row: a foreign key between the two tables, read from the database."""
    source_facts, target_facts = ctx.table_facts(source), ctx.table_facts(target)
    if source_facts is None or target_facts is None:
        what = f"how {source} and {target} rows correspond"
        return [ctx.missing(what, "plan against the live database, which reads the foreign key between them")], \
            [Placeholder(what)]
    for key in target_facts.foreign_keys:  # the target points at the source (user_profiles.user_id -> users.id)
        if _same(key.referenced_table, source):
            return [Name(c) for c in key.referenced_columns], [Name(c) for c in key.columns]
    for key in source_facts.foreign_keys:  # the source points at the target (user_profiles.user_id -> users.id)
        if _same(key.referenced_table, target):
            return [Name(c) for c in key.columns], [Name(c) for c in key.referenced_columns]
    raise UsageError(f"no foreign key links {source} and {target}: the planner cannot tell which rows correspond",
                     hint="add the foreign key first (migrate plan \"add foreign key ...\"), or move the data by hand")


def _same(regclass_text: str, table: TableName) -> bool:
    return regclass_text.split(".")[-1].strip('"') == table.name.text


def phases(ctx: Context, move: Move) -> list[Phase]:
    builder = {"postgres": _PostgresMove, "sqlite": _SQLiteMove, "mysql": _MySQLMove}[ctx.dialect](ctx, move)
    deploy = Phase(
        DEPLOY, f"read and write the columns in {move.target}",
        [f"Release the application version that reads and writes {_names(move.columns)} in {move.target} "
         f"(not in {move.source}).",
         builder.deploy_note(),
         f"Wait until nothing reads or writes {_names(move.columns)} in {move.source} any more."],
        verify=[f"No query names {_names(move.columns)} of {move.source} (query statistics, logs)."],
        rollback=["Redeploy the previous version: the triggers keep both places equal until CONTRACT."],
    )
    return [builder.expand(), builder.migrate(), deploy, builder.contract()]


def allow_moved_drops(phase: Phase, move: Move, drops: list[str]) -> None:
    kept = f"the values live on in {move.target}, from which the down restores them"
    for drop in drops:
        phase.allowing(drop, "drop-column", f"CONTRACT of an expand-contract: the application reads them from {move.target}")
        phase.allowing(drop, "irreversible-down", kept)


def _names(names: list[Name]) -> str:
    return ", ".join(str(name) for name in names)


class _Move:
    dialect: str
    distinct = "IS DISTINCT FROM"

    def __init__(self, ctx: Context, move: Move):
        self.ctx, self.m = ctx, move
        d = self.dialect
        self.s, self.t = move.source.sql(d), move.target.sql(d)
        self.trigger = derived_name(move.source.name.text, move.target.name.text, suffix="sync")

    def q(self, name: Name) -> str:
        return name.sql(self.dialect)

    def nullable(self, column: Name) -> bool:
        """Whether the source column allows NULL; a column the goal did not name yet is taken as nullable."""
        facts = self.ctx.column_facts(self.m.source, column)
        return facts is None or facts.nullable

    def differs(self, left: str, right: str) -> str:
        return " OR ".join(f"{left}.{self.q(c)} {self.distinct} {right}.{self.q(c)}" for c in self.m.columns)

    def create_target(self) -> list[str]:
        m = self.m
        key_types = self.key_types()
        definitions = [f"{self.q(t)} {key_types[s.text]} NOT NULL" for s, t in zip(m.source_key, m.target_key)]
        definitions += [f"{self.q(c)} {m.types[c.text]}" for c in m.columns]
        definitions.append(f"PRIMARY KEY ({', '.join(self.q(t) for t in m.target_key)})")
        definitions.append(f"FOREIGN KEY ({', '.join(self.q(t) for t in m.target_key)}) REFERENCES {self.s} "
                           f"({', '.join(self.q(s) for s in m.source_key)}) ON DELETE CASCADE")
        return [f"CREATE TABLE {self.t} (\n    " + ",\n    ".join(definitions) + "\n)"]

    def key_types(self) -> dict[str, str]:
        return {key.text: self.ctx.column_type(self.m.source, key) for key in self.m.source_key}

    def add_target_columns(self) -> list[str]:
        return [sql.add_column(self.dialect, self.m.target, c, self.m.types[c.text]) for c in self.m.columns]

    def drop_target(self) -> list[str]:
        if self.m.new_target:
            return [f"DROP TABLE {self.t}"]
        return [sql.drop_column(self.dialect, self.m.target, c) for c in self.m.columns]

    def differing_rows(self) -> str:
        m, d = self.m, self.dialect
        keys = ", ".join(f"s.{self.q(k)}" for k in m.source_key)
        missing = f"t.{self.q(m.target_key[0])} IS NULL" + (
            " AND (" + " OR ".join(f"s.{self.q(c)} IS NOT NULL" for c in m.columns) + ")" if not m.new_target else "")
        return (f"SELECT {keys} FROM {self.s} s LEFT JOIN {self.t} t ON {m.match(d, 's', 't')}"
                f" WHERE {missing} OR {self.differs('t', 's')} LIMIT 10")

    def source_columns_gone(self) -> list[str]:
        return [sql.rows_where_column_exists(self.dialect, self.m.source, c) for c in self.m.columns]

    def deploy_note(self) -> str:
        return "Old instances may keep running: the triggers copy writes from either place to the other."


class _PostgresMove(_Move):
    dialect = "postgres"

    def functions(self) -> tuple[TableName, TableName]:
        return (self.m.source.sibling(derived_name(self.trigger, suffix="forward")),
                self.m.source.sibling(derived_name(self.trigger, suffix="back")))

    def trigger_sql(self) -> list[str]:
        m = self.m
        forward, back = self.functions()
        cols = [self.q(c) for c in m.columns]
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            copy_forward = (
                f"    INSERT INTO {self.t} ({', '.join(self.q(k) for k in keys)})\n"
                f"    VALUES ({', '.join(f'NEW.{self.q(k)}' for k in [*m.source_key, *m.columns])})\n"
                f"    ON CONFLICT ({', '.join(self.q(k) for k in m.target_key)}) DO UPDATE SET "
                f"{', '.join(f'{c} = EXCLUDED.{c}' for c in cols)}\n"
                f"    WHERE {' OR '.join(f'{self.t}.{c} IS DISTINCT FROM EXCLUDED.{c}' for c in cols)};\n")
        else:
            copy_forward = (
                f"    UPDATE {self.t} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                f"    WHERE {' AND '.join(f'{self.q(t)} = NEW.{self.q(s)}' for s, t in zip(m.source_key, m.target_key))}\n"
                f"      AND ({' OR '.join(f'{c} IS DISTINCT FROM NEW.{c}' for c in cols)});\n")
        copy_back = (
            f"    UPDATE {self.s} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
            f"    WHERE {' AND '.join(f'{self.q(s)} = NEW.{self.q(t)}' for s, t in zip(m.source_key, m.target_key))}\n"
            f"      AND ({' OR '.join(f'{c} IS DISTINCT FROM NEW.{c}' for c in cols)});\n")
        return [
            f"CREATE FUNCTION {forward.sql('postgres')}() RETURNS trigger LANGUAGE plpgsql AS "
            + dollar_quoted(f"\nBEGIN\n{copy_forward}    RETURN NULL;\nEND\n"),
            f"CREATE TRIGGER {quote(self.trigger, 'postgres')} AFTER INSERT OR UPDATE ON {self.s}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {forward.sql('postgres')}()",
            f"CREATE FUNCTION {back.sql('postgres')}() RETURNS trigger LANGUAGE plpgsql AS "
            + dollar_quoted(f"\nBEGIN\n{copy_back}    RETURN NULL;\nEND\n"),
            f"CREATE TRIGGER {quote(self.trigger, 'postgres')} AFTER INSERT OR UPDATE ON {self.t}\n"
            f"    FOR EACH ROW EXECUTE FUNCTION {back.sql('postgres')}()",
        ]

    def drop_triggers(self) -> list[str]:
        forward, back = self.functions()
        return [f"DROP TRIGGER {quote(self.trigger, 'postgres')} ON {self.t}",
                f"DROP FUNCTION {back.sql('postgres')}()",
                f"DROP TRIGGER {quote(self.trigger, 'postgres')} ON {self.s}",
                f"DROP FUNCTION {forward.sql('postgres')}()"]

    def restore_source(self) -> list[str]:
        """The moved columns back in the source, kept in sync at once and refilled in batches."""
        m = self.m
        return [*sql.lock_timeout("postgres", False),
                *(sql.add_column("postgres", m.source, c, m.types[c.text]) for c in m.columns),
                *self.trigger_sql(), *sql.reset_lock_timeout("postgres"),
                sql.postgres_batched_copy(m.source, m.source_key, m.target, m.target_key, m.columns)]

    def required(self) -> list[Name]:
        """Moved columns the source requires: a new version that writes them elsewhere could not insert a row."""
        return [c for c in self.m.columns if not self.nullable(c)]

    def expand(self) -> Phase:
        m = self.m
        create = self.create_target() if m.new_target else self.add_target_columns()
        required = self.required()
        relax = [f"ALTER TABLE {self.s} ALTER COLUMN {self.q(c)} DROP NOT NULL" for c in required]
        restore = [f"ALTER TABLE {self.s} ALTER COLUMN {self.q(c)} SET NOT NULL" for c in required]
        steps = ([f"Create {m.target} with {_names(m.columns)}, keyed by {m.source}'s primary key."] if m.new_target else
                 [f"Add {_names(m.columns)} to {m.target}, nullable."])
        steps.append("Create the triggers that copy every write of these columns from either table to the other; they "
                     "stop when both sides agree, so they never loop.")
        if required:
            steps.append(f"Drop NOT NULL from {_names(required)} in {m.source}, so the new version can insert rows "
                         "without them (the validation moves to the application and the new table).")
        return Phase(EXPAND, f"{'create' if m.new_target else 'extend'} {m.target} and keep it in sync", steps,
                     sql=[*sql.lock_timeout("postgres", True), *create, *self.trigger_sql(), *relax],
                     verify=[f"SELECT 'missing' AS target WHERE NOT EXISTS ({sql.rows_where_table_exists('postgres', m.target)})"],
                     rollback=[*sql.lock_timeout("postgres", True), *self.drop_triggers(), *self.drop_target(), *restore])

    def migrate(self) -> Phase:
        m = self.m
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            pending = f"NOT EXISTS (SELECT 1 FROM {self.t} t WHERE {m.match('postgres', 's', 't')})"
            statement = "DO " + dollar_quoted(
                "\nDECLARE\n    copied integer;\nBEGIN\n    LOOP\n"
                f"        INSERT INTO {self.t} ({', '.join(self.q(k) for k in keys)})\n"
                f"        SELECT {', '.join(f's.{self.q(k)}' for k in [*m.source_key, *m.columns])} FROM {self.s} s\n"
                f"        WHERE {pending} LIMIT {sql.BATCH_ROWS}\n"
                f"        ON CONFLICT DO NOTHING;\n"
                "        GET DIAGNOSTICS copied = ROW_COUNT;\n        EXIT WHEN copied = 0;\n        COMMIT;\n"
                "    END LOOP;\nEND\n")
        else:
            statement = sql.postgres_batched_copy(m.target, m.target_key, m.source, m.source_key, m.columns)
        return Phase(MIGRATE, f"copy the existing rows into {m.target}",
                     [f"Copy {_names(m.columns)} of the existing rows, {sql.BATCH_ROWS} rows per transaction."],
                     sql=[statement], verify=[self.differing_rows()],
                     rollback=["-- nothing to undo: the copies go with the target when EXPAND is rolled back"],
                     transaction=False)

    def contract(self) -> Phase:
        m = self.m
        drops = [sql.drop_column("postgres", m.source, c) for c in m.columns]
        phase = Phase(CONTRACT, f"drop the moved columns from {m.source}",
                      [f"Drop the triggers and {_names(m.columns)} from {m.source}, in one short transaction."],
                      sql=[*sql.lock_timeout("postgres", True), *self.drop_triggers(), *drops],
                      verify=self.source_columns_gone(), rollback=self.restore_source())
        allow_moved_drops(phase, m, drops)
        return phase


class _SQLiteMove(_Move):
    dialect = "sqlite"
    distinct = "IS NOT"

    def trigger_names(self) -> list[str]:
        return [derived_name(self.trigger, suffix=suffix) for suffix in
                ("insert", "update", "delete", "back_insert", "back_update")]

    def trigger_sql(self) -> list[str]:
        m = self.m
        insert, update, delete, back_insert, back_update = (quote(n, "sqlite") for n in self.trigger_names())
        cols = [self.q(c) for c in m.columns]
        of = ", ".join(cols)
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in cols)
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            forward = (f"    INSERT INTO {self.t} ({', '.join(self.q(k) for k in keys)})\n"
                       f"    VALUES ({', '.join(f'NEW.{self.q(k)}' for k in [*m.source_key, *m.columns])})\n"
                       f"    ON CONFLICT ({', '.join(self.q(k) for k in m.target_key)}) DO UPDATE SET "
                       f"{', '.join(f'{c} = excluded.{c}' for c in cols)};\n")
        else:
            forward = (f"    UPDATE {self.t} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                       f"    WHERE {' AND '.join(f'{self.q(t)} = NEW.{self.q(s)}' for s, t in zip(m.source_key, m.target_key))}\n"
                       f"      AND ({' OR '.join(f'{c} IS NOT NEW.{c}' for c in cols)});\n")
        back = (f"    UPDATE {self.s} SET {', '.join(f'{c} = NEW.{c}' for c in cols)}\n"
                f"    WHERE {' AND '.join(f'{self.q(s)} = NEW.{self.q(t)}' for s, t in zip(m.source_key, m.target_key))}\n"
                f"      AND ({' OR '.join(f'{c} IS NOT NEW.{c}' for c in cols)});\n")
        statements = [
            f"CREATE TRIGGER {insert} AFTER INSERT ON {self.s} FOR EACH ROW\nBEGIN\n{forward}END",
            f"CREATE TRIGGER {update} AFTER UPDATE OF {of} ON {self.s} FOR EACH ROW WHEN {changed}\nBEGIN\n{forward}END",
            f"CREATE TRIGGER {back_insert} AFTER INSERT ON {self.t} FOR EACH ROW\nBEGIN\n{back}END",
            f"CREATE TRIGGER {back_update} AFTER UPDATE OF {of} ON {self.t} FOR EACH ROW WHEN {changed}\nBEGIN\n{back}END",
        ]
        if m.new_target:  # foreign keys are not enforced unless the application turns them on
            match = " AND ".join(f"{self.q(t)} = OLD.{self.q(s)}" for s, t in zip(m.source_key, m.target_key))
            statements.insert(2, f"CREATE TRIGGER {delete} AFTER DELETE ON {self.s} FOR EACH ROW\nBEGIN\n"
                                 f"    DELETE FROM {self.t} WHERE {match};\nEND")
        return statements

    def drop_triggers(self) -> list[str]:
        names = self.trigger_names()
        if not self.m.new_target:
            names.remove(derived_name(self.trigger, suffix="delete"))
        return [f"DROP TRIGGER {quote(name, 'sqlite')}" for name in names]

    def backfill(self) -> list[str]:
        m = self.m
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            return [f"INSERT INTO {self.t} ({', '.join(self.q(k) for k in keys)})\n"
                    f"    SELECT {', '.join(f's.{self.q(k)}' for k in [*m.source_key, *m.columns])} FROM {self.s} s\n"
                    f"    WHERE NOT EXISTS (SELECT 1 FROM {self.t} t WHERE {m.match('sqlite', 's', 't')})"]
        cols = [self.q(c) for c in m.columns]
        match = " AND ".join(f"s.{self.q(s)} = {self.t}.{self.q(t)}" for s, t in zip(m.source_key, m.target_key))
        return [f"UPDATE {self.t} SET {', '.join(f'{c} = s.{c}' for c in cols)} FROM {self.s} AS s\n    WHERE {match}"]

    def restore_source(self) -> list[str]:
        m = self.m
        cols = [self.q(c) for c in m.columns]
        match = " AND ".join(f"t.{self.q(t)} = {self.s}.{self.q(s)}" for s, t in zip(m.source_key, m.target_key))
        return [*(sql.add_column("sqlite", m.source, c, m.types[c.text]) for c in m.columns),
                f"UPDATE {self.s} SET {', '.join(f'{c} = t.{c}' for c in cols)} FROM {self.t} AS t\n    WHERE {match}"]

    def expand(self) -> Phase:
        m = self.m
        create = self.create_target() if m.new_target else self.add_target_columns()
        return Phase(EXPAND, f"{'create' if m.new_target else 'extend'} {m.target} and keep it in sync",
                     [f"{'Create' if m.new_target else 'Extend'} {m.target} for {_names(m.columns)}, and the triggers that "
                      "copy every write from either table to the other (they stop when both sides agree)."],
                     sql=[*create, *self.trigger_sql()],
                     verify=[f"SELECT 'missing' AS target WHERE NOT EXISTS ({sql.rows_where_table_exists('sqlite', m.target)})"],
                     rollback=[*self.drop_triggers(), *self.drop_target()])

    def migrate(self) -> Phase:
        return Phase(MIGRATE, f"copy the existing rows into {self.m.target}",
                     [f"Copy {_names(self.m.columns)} of the existing rows (one statement: SQLite has one writer at a time)."],
                     sql=self.backfill(), verify=[self.differing_rows()],
                     rollback=["-- nothing to undo: the copies go with the target when EXPAND is rolled back"])

    def contract(self) -> Phase:
        m = self.m
        facts = m.source_facts
        constrained = facts is not None and any(
            any(c.text in index.columns for index in facts.indexes) or not self.nullable(c) for c in m.columns)
        if constrained:
            raise UsageError(f"{_names(m.columns)} of {m.source} carry indexes or NOT NULL: drop those first "
                             "(SQLite cannot drop such a column without rebuilding the table)")
        drops = [sql.drop_column("sqlite", m.source, c) for c in m.columns]
        phase = Phase(CONTRACT, f"drop the moved columns from {m.source}",
                      [f"Drop the triggers and {_names(m.columns)} from {m.source}."],
                      sql=[*self.drop_triggers(), *drops], verify=self.source_columns_gone(),
                      rollback=[*self.restore_source(), *self.trigger_sql()])
        allow_moved_drops(phase, m, drops)
        return phase


class _MySQLMove(_Move):
    dialect = "mysql"
    distinct = "<=>"

    def differs(self, left: str, right: str) -> str:
        return " OR ".join(f"NOT ({left}.{self.q(c)} <=> {right}.{self.q(c)})" for c in self.m.columns)

    def deploy_note(self) -> str:
        return (f"MySQL triggers cannot write back to the table that fired them, so only {self.m.source} -> "
                f"{self.m.target} is copied: the new version writes both places until CONTRACT.")

    def trigger_names(self) -> list[str]:
        return [derived_name(self.trigger, suffix=s) for s in ("insert", "update")]

    def trigger_sql(self) -> list[str]:
        m = self.m
        cols = [self.q(c) for c in m.columns]
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            body = (f"    INSERT INTO {self.t} ({', '.join(self.q(k) for k in keys)}) "
                    f"VALUES ({', '.join(f'NEW.{self.q(k)}' for k in [*m.source_key, *m.columns])})\n"
                    f"    ON DUPLICATE KEY UPDATE {', '.join(f'{c} = VALUES({c})' for c in cols)};\n")
        else:
            body = (f"    UPDATE {self.t} SET {', '.join(f'{c} = NEW.{c}' for c in cols)} WHERE "
                    f"{' AND '.join(f'{self.q(t)} = NEW.{self.q(s)}' for s, t in zip(m.source_key, m.target_key))};\n")
        insert, update = (quote(n, "mysql") for n in self.trigger_names())
        return [f"CREATE TRIGGER {insert} AFTER INSERT ON {self.s} FOR EACH ROW\nBEGIN\n{body}END",
                f"CREATE TRIGGER {update} AFTER UPDATE ON {self.s} FOR EACH ROW\nBEGIN\n{body}END"]

    def drop_triggers(self) -> list[str]:
        return [f"DROP TRIGGER {quote(name, 'mysql')}" for name in self.trigger_names()]

    def backfill(self) -> list[str]:
        m = self.m
        if m.new_target:
            keys = [*m.target_key, *m.columns]
            return [f"INSERT IGNORE INTO {self.t} ({', '.join(self.q(k) for k in keys)})\n"
                    f"    SELECT {', '.join(f's.{self.q(k)}' for k in [*m.source_key, *m.columns])} FROM {self.s} s"]
        cols = [self.q(c) for c in m.columns]
        return [f"UPDATE {self.t} t JOIN {self.s} s ON {m.match('mysql', 's', 't')}\n"
                f"    SET {', '.join(f't.{c} = s.{c}' for c in cols)}"]

    def restore_source(self) -> list[str]:
        m = self.m
        cols = [self.q(c) for c in m.columns]
        return [*(sql.add_column("mysql", m.source, c, m.types[c.text]) for c in m.columns),
                f"UPDATE {self.s} s JOIN {self.t} t ON {m.match('mysql', 's', 't')}\n"
                f"    SET {', '.join(f's.{c} = t.{c}' for c in cols)}"]

    def expand(self) -> Phase:
        m = self.m
        create = self.create_target() if m.new_target else self.add_target_columns()
        return Phase(EXPAND, f"{'create' if m.new_target else 'extend'} {m.target} and copy writes to it",
                     [f"{'Create' if m.new_target else 'Extend'} {m.target} for {_names(m.columns)}, and triggers on "
                      f"{m.source} that copy its writes."],
                     sql=[*sql.lock_timeout("mysql", False), *create, *self.trigger_sql()],
                     verify=[f"SELECT 'missing' AS target FROM DUAL WHERE NOT EXISTS ({sql.rows_where_table_exists('mysql', m.target)})"],
                     rollback=[*self.drop_triggers(), *self.drop_target()], transaction=False)

    def migrate(self) -> Phase:
        return Phase(MIGRATE, f"copy the existing rows into {self.m.target}",
                     [f"Copy {_names(self.m.columns)} of the existing rows; on a large table run it in key ranges "
                      "(or with pt-archiver) so no single transaction runs long."],
                     sql=self.backfill(), verify=[self.differing_rows()],
                     rollback=["-- nothing to undo: the copies go with the target when EXPAND is rolled back"],
                     transaction=False)

    def contract(self) -> Phase:
        m = self.m
        drops = [sql.drop_column("mysql", m.source, c) for c in m.columns]
        phase = Phase(CONTRACT, f"drop the moved columns from {m.source}",
                      [f"Drop the triggers and {_names(m.columns)} from {m.source} (ALGORITHM=INPLACE, LOCK=NONE; "
                       "gh-ost or pt-online-schema-change for a very large table)."],
                      sql=[*sql.lock_timeout("mysql", False), *self.drop_triggers(), *drops],
                      verify=self.source_columns_gone(),
                      rollback=[*self.restore_source(), *self.trigger_sql()], transaction=False)
        allow_moved_drops(phase, m, drops)
        return phase
