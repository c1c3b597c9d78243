"""Data checked before a constraint: for each pending statement that adds UNIQUE / PRIMARY KEY, NOT NULL,
FOREIGN KEY or CHECK, or changes a column's type with a cast that can fail, the rows of the live table that
would make it fail are counted (read-only, under a statement timeout), with a few of them shown.

What a statement requires is read from the linter's parse of it; the SQL conditions that are particular to an
engine (which values do not cast) come from the engine, and the read-only transaction and its timeout from
the engine's inspector.
"""

from dataclasses import dataclass

from ..adapters.base import Inspector, QueryTimedOut, TableFacts
from ..engines import Engine, engine
from ..errors import StatementFailed
from ..lint.parser import parse
from ..lint.syntax import AddConstraint, AlterColumnType, AlterTable, CreateIndex, ModifyColumn, SetNotNull
from .facts import TableKey
from .identifiers import TableName

CHECK_SECONDS = 5.0  # how long one count may run before the check is skipped
SHOWN = 5  # offending keys shown


@dataclass(frozen=True)
class DataCheck:
    """What one statement requires of the rows already in a table, and the queries that find those that break it."""

    label: str  # the migration and line: "2_unique_email line 1"
    requirement: str  # "no duplicate (email)", "no NULL in email", ...
    what: str  # what the count counts: "duplicate groups", "rows with NULL", "orphan rows", ...
    count_sql: str
    sample_sql: str
    grouped: bool = False  # each sample row ends with how many rows share its values


@dataclass(frozen=True)
class DataCheckResult:
    check: DataCheck
    count: int | None  # None: skipped (timed out)
    examples: tuple[str, ...] = ()
    skipped: str | None = None  # why it was skipped


def data_checks(label: str, text: str, dialect: str, table_facts) -> list[DataCheck]:
    """The checks one statement needs; `table_facts(TableKey)` gives the live table (None: not there yet)."""
    database = engine(dialect)
    statement = parse(text, dialect)
    if isinstance(statement, CreateIndex):
        if not statement.unique or not statement.columns:
            return []
        table = table_facts(TableName.of(statement.table, dialect).key)
        return _duplicates(label, database, table, statement.columns) if table else []
    if not isinstance(statement, AlterTable):
        return []
    table = table_facts(TableName.of(statement.name, dialect).key)
    if table is None:
        return []
    checks = []
    for action in statement.actions:
        if isinstance(action, SetNotNull):
            checks += _nulls(label, database, table, (action.column,))
        elif isinstance(action, ModifyColumn):
            column = action.old_name or action.column.name
            if action.column.not_null or action.column.primary_key:
                checks += _nulls(label, database, table, (column,))
            if action.column.type is not None:
                checks += _uncastable(label, database, table, column, action.column.type)
        elif isinstance(action, AlterColumnType) and action.using is None:
            checks += _uncastable(label, database, table, action.column, action.type)
        elif isinstance(action, AddConstraint) and not action.constraint.not_valid:
            checks += _constraint(label, database, table, action.constraint, table_facts)
    return checks


def check_pending(inspector: Inspector, known: dict, statements: list[tuple[str, str]], dialect: str,
                  seconds: float = CHECK_SECONDS) -> list[DataCheckResult]:
    """Check the data for each (label, statement text); `known`: the tables already described, by TableKey."""
    described = dict(known)

    def table_facts(key: TableKey) -> TableFacts | None:
        if key not in described:
            described[key] = inspector.describe_table(*key)
        return described[key]

    checks = [check for label, text in statements for check in data_checks(label, text, dialect, table_facts)]
    return run_checks(inspector, checks, seconds)


def run_checks(inspector: Inspector, checks: list[DataCheck], seconds: float = CHECK_SECONDS) -> list[DataCheckResult]:
    results = []
    for check in checks:
        try:
            (count,), examples = inspector.read_only([check.count_sql, check.sample_sql], seconds)
        except QueryTimedOut:
            results.append(DataCheckResult(check, None, skipped=f"the count ran longer than {seconds:g} s"))
            continue
        except StatementFailed as error:
            results.append(DataCheckResult(check, None, skipped=f"the database refused the count ({error.message})"))
            continue
        results.append(DataCheckResult(check, int(count[0]), tuple(_example(row, check.grouped) for row in examples)))
    return results


def _constraint(label, database: Engine, table: TableFacts, constraint, table_facts) -> list[DataCheck]:
    if constraint.kind in ("unique", "primary_key") and constraint.columns:
        checks = _duplicates(label, database, table, constraint.columns)
        if constraint.kind == "primary_key":
            checks += _nulls(label, database, table, constraint.columns)
        return checks
    if constraint.kind == "check" and constraint.definition:
        # Its names include words that are no columns; a column it names that is not there yet makes the database
        # refuse the count, which then says so.
        if not any(table.column(name) is not None for name in constraint.columns):
            return []
        expression = constraint.definition[len("CHECK"):].strip()
        keys = _key_columns(database, table)
        # A CHECK that evaluates to NULL is satisfied: only a false one breaks it.
        return [_where(label, f"{constraint.definition} on {table.name}", "rows that break it", database, table,
                       f"NOT {expression}", keys)]
    if constraint.kind == "foreign_key" and constraint.references is not None and constraint.columns:
        referenced = table_facts(TableName.of(constraint.references, database.name).key)
        if referenced is None:
            return []
        theirs = constraint.referenced_columns or referenced.primary_key  # REFERENCES b alone: b's primary key
        if len(theirs) != len(constraint.columns) or not _has_columns(table, constraint.columns) \
                or not _has_columns(referenced, theirs):
            return []
        match = " AND ".join(f"r.{database.quote_identifier(their)} = t.{database.quote_identifier(ours)}"
                             for ours, their in zip(constraint.columns, theirs))
        present = " AND ".join(f"t.{database.quote_identifier(column)} IS NOT NULL" for column in constraint.columns)
        condition = f"{present} AND NOT EXISTS (SELECT 1 FROM {_table(database, referenced)} r WHERE {match})"
        shown = ", ".join(f"t.{database.quote_identifier(column)}" for column in constraint.columns)
        return [_where(label, f"every ({', '.join(constraint.columns)}) of {table.name} in {referenced.name}",
                       "orphan rows", database, table, condition, shown)]
    return []


def _duplicates(label, database: Engine, table: TableFacts, columns) -> list[DataCheck]:
    if not _has_columns(table, columns):
        return []
    quoted = ", ".join(database.quote_identifier(column) for column in columns)
    present = " AND ".join(f"{database.quote_identifier(column)} IS NOT NULL" for column in columns)
    groups = (f"SELECT {quoted}, COUNT(*) AS n FROM {_table(database, table)} WHERE {present} "
              f"GROUP BY {quoted} HAVING COUNT(*) > 1")
    return [DataCheck(label, f"no duplicate ({', '.join(columns)}) in {table.name}", "duplicate groups",
                      f"SELECT COUNT(*) FROM ({groups}) d", database.sample(f"{groups} ORDER BY n DESC, {quoted}", SHOWN),
                      grouped=True)]


def _nulls(label, database: Engine, table: TableFacts, columns) -> list[DataCheck]:
    if not _has_columns(table, columns):
        return []
    condition = " OR ".join(f"{database.quote_identifier(column)} IS NULL" for column in columns)
    return [_where(label, f"no NULL in {table.name}.{', '.join(columns)}", "rows with NULL", database, table,
                   condition, _key_columns(database, table))]


def _uncastable(label, database: Engine, table: TableFacts, column: str, data_type) -> list[DataCheck]:
    if table.column(column) is None:
        return []
    quoted = database.quote_identifier(column)
    condition = database.uncastable(quoted, data_type.name, data_type.modifiers)
    if condition is None:
        return []
    return [_where(label, f"every {table.name}.{column} converts to {data_type.written or data_type.name}",
                   "values that do not convert", database, table, condition, quoted)]


def _where(label, requirement: str, what: str, database: Engine, table: TableFacts, condition: str,
           shown: str) -> DataCheck:
    source = f"{_table(database, table)} t"
    return DataCheck(label, requirement, what, f"SELECT COUNT(*) FROM {source} WHERE {condition}",
                     database.sample(f"SELECT {shown} FROM {source} WHERE {condition} ORDER BY {shown}", SHOWN))


def _key_columns(database: Engine, table: TableFacts) -> str:
    """What identifies a row to show: the primary key, or every column of a table without one."""
    columns = table.primary_key or tuple(column.name for column in table.columns)
    return ", ".join(f"t.{database.quote_identifier(column)}" for column in columns)


def _has_columns(table: TableFacts, columns) -> bool:
    return all(table.column(column) is not None for column in columns)


def _table(database: Engine, table: TableFacts) -> str:
    if table.schema is not None:
        return f"{database.quote_identifier(table.schema)}.{database.quote_identifier(table.name)}"
    return database.quote_identifier(table.name)


def _example(row: tuple, grouped: bool) -> str:
    values = ", ".join("NULL" if value is None else str(value) for value in (row[:-1] if grouped else row))
    return f"({values}) {row[-1]} times" if grouped else f"({values})"
