"""PostgreSQL's side of a statement: the strongest lock it takes on a table, and whether it rewrites the
table or scans it while holding that lock. tests/test_lint_locks.py checks these claims against a real
server (pg_locks, pg_relation_filenode and the transaction's scan counters)."""

from __future__ import annotations

from ..records import record
from .coercion import rebuilds_indexes, rewrites_table
from .schema import Schema
from .syntax import (
    AddColumn, AddConstraint, AlterColumnType, AlterTable, Cluster, ColumnDef, CreateIndex, CreateTable, DataChange,
    DropIndex, DropTable, LockTable, Name, OtherAction, Reindex, SetNotNull, Statement, Trigger, Truncate,
    ValidateConstraint, Vacuum,
)

ACCESS_SHARE = "ACCESS SHARE"
ROW_SHARE = "ROW SHARE"
ROW_EXCLUSIVE = "ROW EXCLUSIVE"
SHARE_UPDATE_EXCLUSIVE = "SHARE UPDATE EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"
EXCLUSIVE = "EXCLUSIVE"
ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
LOCKS = (ACCESS_SHARE, ROW_SHARE, ROW_EXCLUSIVE, SHARE_UPDATE_EXCLUSIVE, SHARE, SHARE_ROW_EXCLUSIVE, EXCLUSIVE,
         ACCESS_EXCLUSIVE)  # weakest first

SERIAL_TYPES = frozenset({"smallserial", "serial", "bigserial"})

# ALTER TABLE actions that copy the whole table into new files.
REWRITING_ACTIONS = ("SET TABLESPACE", "SET LOGGED", "SET UNLOGGED", "SET ACCESS")
_SHARE_UPDATE_EXCLUSIVE_ACTIONS = ("SET (", "RESET (", "ALTER COLUMN SET STATISTICS", "ALTER COLUMN SET (",
                                   "ALTER COLUMN RESET (", "CLUSTER ON", "SET WITHOUT",
                                   "DETACH PARTITION CONCURRENTLY", "DETACH PARTITION FINALIZE")
_SHARE_ROW_EXCLUSIVE_ACTIONS = ("ENABLE TRIGGER", "DISABLE TRIGGER")


@record
class Effect:
    lock: str | None = None  # the strongest lock it takes on a table
    rewrites: bool = False
    scans: bool = False
    tables: tuple[Name, ...] = ()  # every table it locks, the main one first
    exclusive: tuple[Name, ...] = ()  # the tables it locks ACCESS EXCLUSIVE

    def combine(self, other: Effect) -> Effect:
        return Effect(strongest(self.lock, other.lock), self.rewrites or other.rewrites, self.scans or other.scans,
                      _union(self.tables, other.tables), _union(self.exclusive, other.exclusive))


def _union(names: tuple[Name, ...], more: tuple[Name, ...]) -> tuple[Name, ...]:
    return names + tuple(name for name in more if name not in names)


def _on(lock: str, tables: tuple[Name, ...], rewrites: bool = False, scans: bool = False) -> Effect:
    """The effect of a statement that takes `lock` on each of `tables`."""
    return Effect(lock, rewrites, scans, tables, tables if lock == ACCESS_EXCLUSIVE else ())


NO_EFFECT = Effect()


def strongest(*locks: str | None) -> str | None:
    held = [lock for lock in locks if lock is not None]
    return max(held, key=LOCKS.index) if held else None


def statement_effect(statement: Statement, schema: Schema, pg_version: int) -> Effect:
    if isinstance(statement, AlterTable):
        effect = Effect(tables=(statement.name,))
        for action in statement.actions:
            effect = effect.combine(action_effect(statement.name, action, schema, pg_version))
        return effect
    if isinstance(statement, CreateTable):
        referenced = tuple(dict.fromkeys(
            [column.references for column in statement.columns if column.references]
            + [constraint.references for constraint in statement.constraints if constraint.references]))
        return Effect(SHARE_ROW_EXCLUSIVE if referenced else None, tables=(statement.name, *referenced))
    if isinstance(statement, CreateIndex):
        return Effect(SHARE_UPDATE_EXCLUSIVE if statement.concurrently else SHARE, scans=True,
                      tables=(statement.table,))
    if isinstance(statement, DropIndex):
        return _on(SHARE_UPDATE_EXCLUSIVE if statement.concurrently else ACCESS_EXCLUSIVE,
                   _index_tables(statement.names, schema))
    if isinstance(statement, (DropTable, Truncate)):
        return _on(ACCESS_EXCLUSIVE, statement.names)
    if isinstance(statement, DataChange):
        whole_table = statement.verb in ("UPDATE", "DELETE") and not statement.has_where
        return Effect(ROW_EXCLUSIVE, scans=whole_table, tables=(statement.table,))
    if isinstance(statement, Reindex):
        tables = {"TABLE": (statement.name,), "INDEX": _index_tables((statement.name,), schema)}.get(statement.target, ())
        return Effect(SHARE_UPDATE_EXCLUSIVE if statement.concurrently else SHARE, scans=True,
                      tables=tuple(name for name in tables if name))
    if isinstance(statement, Vacuum):
        return _on(ACCESS_EXCLUSIVE if statement.full else SHARE_UPDATE_EXCLUSIVE, statement.tables,
                   rewrites=statement.full, scans=True)
    if isinstance(statement, Cluster):
        return _on(ACCESS_EXCLUSIVE, (statement.table,) if statement.table else (), rewrites=True, scans=True)
    if isinstance(statement, LockTable):
        return _on(statement.mode, statement.names)
    if isinstance(statement, Trigger):
        return _on(SHARE_ROW_EXCLUSIVE if statement.create else ACCESS_EXCLUSIVE, (statement.table,))
    return NO_EFFECT


def action_effect(table: Name, action, schema: Schema, pg_version: int) -> Effect:
    """The effect of one ALTER TABLE action on `table` (and the tables it references)."""
    if isinstance(action, AddColumn):
        return add_column_effect(table, action.column, pg_version)
    if isinstance(action, AlterColumnType):
        cost = type_change_cost(table, action, schema)
        return _on(ACCESS_EXCLUSIVE, (table,), cost.rewrites, cost.rewrites or bool(cost.indexes or cost.checks))
    if isinstance(action, SetNotNull):
        return _on(ACCESS_EXCLUSIVE, (table,), scans=set_not_null_scans(table, action.column, schema, pg_version))
    if isinstance(action, AddConstraint):
        constraint = action.constraint
        if constraint.kind == "foreign_key":
            referenced = (constraint.references,) if constraint.references else ()
            return _on(SHARE_ROW_EXCLUSIVE, (table, *referenced), scans=not constraint.not_valid)
        builds_index = constraint.kind in ("unique", "primary_key", "exclude") and constraint.using_index is None
        validates = constraint.kind == "check" and not constraint.not_valid
        sets_not_null = constraint.kind == "primary_key" and constraint.using_index is not None and any(
            set_not_null_scans(table, column, schema, pg_version) for column in _index_columns(table, constraint, schema))
        return _on(ACCESS_EXCLUSIVE, (table,), scans=builds_index or validates or sets_not_null)
    if isinstance(action, ValidateConstraint):
        return _on(SHARE_UPDATE_EXCLUSIVE, (table,), scans=True)
    if isinstance(action, OtherAction):
        return _other_action_effect(table, action, pg_version)
    return _on(ACCESS_EXCLUSIVE, (table,))


def add_column_effect(table: Name, column: ColumnDef, pg_version: int) -> Effect:
    default = column.default if column.default is not None and not column.default.is_null else None
    serial = column.type is not None and column.type.name in SERIAL_TYPES
    computed_per_row = default is not None and (
        pg_version < 11 or bool(default.volatile_functions) or bool(default.unknown_functions))
    rewrites = serial or column.generated in ("identity", "stored") or computed_per_row
    verifies_rows = column.check or column.unique or column.primary_key or (
        column.references is not None and default is not None) or (column.not_null and default is None)
    effect = _on(ACCESS_EXCLUSIVE, (table,), rewrites, rewrites or verifies_rows)
    return effect.combine(_on(SHARE_ROW_EXCLUSIVE, (column.references,))) if column.references else effect


@record
class TypeChangeCost:
    rewrites: bool  # the table and all its indexes are written anew (also when the old type is unknown)
    indexes: tuple[str, ...] = ()  # without a rewrite: the indexes rebuilt (each reads the whole table)
    checks: tuple[str, ...] = ()  # the validated CHECK constraints re-verified (each a full scan)


def type_change_cost(table: Name, action: AlterColumnType, schema: Schema) -> TypeChangeCost:
    """What ALTER COLUMN TYPE costs beyond its lock: a rewrite, or, without one, the CHECK constraints it
    re-verifies and the indexes it rebuilds (see lint.coercion)."""
    known = schema.table(table)
    old = known.columns.get(action.column) if known else None
    rewrites = rewrites_table(old.type if old else None, action.type, action.using, action.column)
    if rewrites is not False:
        return TypeChangeCost(True)
    indexes = known.indexes_on(action.column) if rebuilds_indexes(old.type, action.type, rewrites, action.collate) else []
    return TypeChangeCost(False, tuple(indexes), tuple(known.validated_checks_on(action.column)))


def set_not_null_scans(table: Name, column: str, schema: Schema, pg_version: int) -> bool:
    """SET NOT NULL scans the table, unless the column already is NOT NULL, or (PostgreSQL 12 and later) a
    validated CHECK constraint proves it has no nulls."""
    known = schema.column(table, column)
    if known is not None and known.not_null:
        return False
    return not (pg_version >= 12 and schema.proves_not_null(table, column))


def _other_action_effect(table: Name, action: OtherAction, pg_version: int) -> Effect:
    words = action.words
    if words.startswith(REWRITING_ACTIONS):
        return _on(ACCESS_EXCLUSIVE, (table,), rewrites=True, scans=True)
    if words.startswith(_SHARE_UPDATE_EXCLUSIVE_ACTIONS):
        return _on(SHARE_UPDATE_EXCLUSIVE, (table, action.target) if action.target else (table,))
    if words.startswith(_SHARE_ROW_EXCLUSIVE_ACTIONS):
        return _on(SHARE_ROW_EXCLUSIVE, (table,))
    if words == "ATTACH PARTITION":  # the partition is scanned; the parent is locked less from PostgreSQL 12
        parent = _on(SHARE_UPDATE_EXCLUSIVE if pg_version >= 12 else ACCESS_EXCLUSIVE, (table,))
        return parent.combine(_on(ACCESS_EXCLUSIVE, (action.target,), scans=True))
    return _on(ACCESS_EXCLUSIVE, (table, action.target) if action.target else (table,))


def _index_columns(table: Name, constraint, schema: Schema) -> tuple[str, ...]:
    """The columns of the index a constraint is added USING; one unknown column when the index is unseen."""
    known = schema.table(table)
    columns = known.indexes.get(constraint.using_index) if known else None
    return ("?",) if columns is None else columns


def _index_tables(indexes: tuple[Name, ...], schema: Schema) -> tuple[Name, ...]:
    tables = []
    for index in indexes:
        key = schema.table_of_index(index.last)
        if key is not None:
            tables.append(Name(tuple(key.split(".")), key))
    return tuple(tables)
