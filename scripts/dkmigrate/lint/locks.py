"""PostgreSQL's side of a statement: the strongest lock it takes on a table, and whether it rewrites the
table or scans it while holding that lock. tests/test_lint_locks.py checks these claims against a real
server (pg_locks, pg_relation_filenode and the transaction's scan counters)."""

from __future__ import annotations

from dataclasses import dataclass

from .coercion import rewrites_table
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
                                   "DETACH PARTITION CONCURRENTLY")
_SHARE_ROW_EXCLUSIVE_ACTIONS = ("ENABLE TRIGGER", "DISABLE TRIGGER")


@dataclass(frozen=True)
class Effect:
    lock: str | None = None
    rewrites: bool = False
    scans: bool = False
    tables: tuple[Name, ...] = ()  # every table it locks, the main one first

    def combine(self, other: Effect) -> Effect:
        tables = self.tables + tuple(name for name in other.tables if name not in self.tables)
        return Effect(strongest(self.lock, other.lock), self.rewrites or other.rewrites, self.scans or other.scans,
                      tables)


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
        return Effect(SHARE_UPDATE_EXCLUSIVE if statement.concurrently else ACCESS_EXCLUSIVE,
                      tables=_index_tables(statement.names, schema))
    if isinstance(statement, (DropTable, Truncate)):
        return Effect(ACCESS_EXCLUSIVE, tables=statement.names)
    if isinstance(statement, DataChange):
        whole_table = statement.verb in ("UPDATE", "DELETE") and not statement.has_where
        return Effect(ROW_EXCLUSIVE, scans=whole_table, tables=(statement.table,))
    if isinstance(statement, Reindex):
        tables = {"TABLE": (statement.name,), "INDEX": _index_tables((statement.name,), schema)}.get(statement.target, ())
        return Effect(SHARE_UPDATE_EXCLUSIVE if statement.concurrently else SHARE, scans=True,
                      tables=tuple(name for name in tables if name))
    if isinstance(statement, Vacuum):
        return Effect(ACCESS_EXCLUSIVE if statement.full else SHARE_UPDATE_EXCLUSIVE, rewrites=statement.full,
                      scans=True, tables=statement.tables)
    if isinstance(statement, Cluster):
        return Effect(ACCESS_EXCLUSIVE, rewrites=True, scans=True,
                      tables=(statement.table,) if statement.table else ())
    if isinstance(statement, LockTable):
        return Effect(statement.mode, tables=statement.names)
    if isinstance(statement, Trigger):
        return Effect(SHARE_ROW_EXCLUSIVE if statement.create else ACCESS_EXCLUSIVE, tables=(statement.table,))
    return NO_EFFECT


def action_effect(table: Name, action, schema: Schema, pg_version: int) -> Effect:
    if isinstance(action, AddColumn):
        return add_column_effect(action.column, pg_version)
    if isinstance(action, AlterColumnType):
        old = schema.column(table, action.column)
        rewrites = rewrites_table(old.type if old else None, action.type, action.using, action.column)
        return Effect(ACCESS_EXCLUSIVE, rewrites is not False, rewrites is not False or action.collate)
    if isinstance(action, SetNotNull):
        return Effect(ACCESS_EXCLUSIVE, scans=set_not_null_scans(table, action.column, schema, pg_version))
    if isinstance(action, AddConstraint):
        constraint = action.constraint
        if constraint.kind == "foreign_key":
            return Effect(SHARE_ROW_EXCLUSIVE, scans=not constraint.not_valid,
                          tables=(constraint.references,) if constraint.references else ())
        builds_index = constraint.kind in ("unique", "primary_key", "exclude") and constraint.using_index is None
        validates = constraint.kind == "check" and not constraint.not_valid
        return Effect(ACCESS_EXCLUSIVE, scans=builds_index or validates)
    if isinstance(action, ValidateConstraint):
        return Effect(SHARE_UPDATE_EXCLUSIVE, scans=True)
    if isinstance(action, OtherAction):
        return _other_action_effect(action, pg_version)
    return Effect(ACCESS_EXCLUSIVE)


def add_column_effect(column: ColumnDef, pg_version: int) -> Effect:
    default = column.default if column.default is not None and not column.default.is_null else None
    serial = column.type is not None and column.type.name in SERIAL_TYPES
    computed_per_row = default is not None and (
        pg_version < 11 or bool(default.volatile_functions) or bool(default.unknown_functions))
    rewrites = serial or column.generated in ("identity", "stored") or computed_per_row
    verifies_rows = column.check or column.unique or column.primary_key or (
        column.references is not None and default is not None) or (column.not_null and default is None)
    return Effect(ACCESS_EXCLUSIVE, rewrites, rewrites or verifies_rows,
                  (column.references,) if column.references else ())


def set_not_null_scans(table: Name, column: str, schema: Schema, pg_version: int) -> bool:
    """SET NOT NULL scans the table, unless the column already is NOT NULL, or (PostgreSQL 12 and later) a
    validated CHECK constraint proves it has no nulls."""
    known = schema.column(table, column)
    if known is not None and known.not_null:
        return False
    return not (pg_version >= 12 and schema.proves_not_null(table, column))


def _other_action_effect(action: OtherAction, pg_version: int) -> Effect:
    words = action.words
    target = (action.target,) if action.target else ()
    if words.startswith(REWRITING_ACTIONS):
        return Effect(ACCESS_EXCLUSIVE, rewrites=True, scans=True)
    if words.startswith(_SHARE_UPDATE_EXCLUSIVE_ACTIONS):
        return Effect(SHARE_UPDATE_EXCLUSIVE, tables=target)
    if words.startswith(_SHARE_ROW_EXCLUSIVE_ACTIONS):
        return Effect(SHARE_ROW_EXCLUSIVE)
    if words == "ATTACH PARTITION":  # ACCESS EXCLUSIVE on the partition, which is scanned
        return Effect(ACCESS_EXCLUSIVE, scans=True, tables=target)
    return Effect(ACCESS_EXCLUSIVE, tables=target)


def _index_tables(indexes: tuple[Name, ...], schema: Schema) -> tuple[Name, ...]:
    tables = []
    for index in indexes:
        key = schema.index_tables.get(index.last)
        if key is not None:
            tables.append(Name(tuple(key.split(".")), key))
    return tuple(tables)
