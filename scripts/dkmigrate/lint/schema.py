"""What the migrations read so far have built: tables, their columns' types and nullability, the CHECK
constraints that prove a column non-null, and which table each index belongs to.

The linter learns it from earlier migrations and from the statements before the one it checks, so it can
tell a varchar widening (no rewrite) from a type change that rewrites the table, or see that a validated
CHECK (c IS NOT NULL) lets SET NOT NULL skip its scan. It only knows what migrations wrote: a table it has
never seen is known only by what later statements do to it, never assumed empty or absent.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from .syntax import (
    AddColumn, AddConstraint, AlterColumnType, AlterTable, ColumnDef, CreateIndex, CreateTable, DataType, DropColumn,
    DropConstraint, DropIndex, DropNotNull, DropTable, ModifyColumn, Name, RenameColumn, RenameTable, RenameTables, SetNotNull,
    Statement, ValidateConstraint,
)

# A serial column is an integer column with a sequence behind it.
_SERIAL_TYPES = {"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}


@dataclass
class Column:
    type: DataType | None
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False


@dataclass
class NotNullCheck:
    columns: tuple[str, ...]
    validated: bool


@dataclass
class Table:
    columns: dict[str, Column] = field(default_factory=dict)
    not_null_checks: dict[str, NotNullCheck] = field(default_factory=dict)  # by constraint name
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # index name -> its plain columns

    def indexed(self, column: str) -> bool:
        return any(column in columns for columns in self.indexes.values())


@dataclass
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)  # by Name.key
    index_tables: dict[str, str] = field(default_factory=dict)  # index name -> table key

    def copy(self) -> Schema:
        return copy.deepcopy(self)

    def table(self, name: Name) -> Table | None:
        return self.tables.get(name.key)

    def column(self, table: Name, column: str) -> Column | None:
        known = self.tables.get(table.key)
        return known.columns.get(column) if known else None

    def proves_not_null(self, table: Name, column: str) -> bool:
        """Whether a validated CHECK constraint proves the column non-null."""
        known = self.tables.get(table.key)
        return known is not None and any(
            check.validated and column in check.columns for check in known.not_null_checks.values())

    def learn(self, statement: Statement) -> None:
        if isinstance(statement, CreateTable):
            self._create(statement)
        elif isinstance(statement, AlterTable):
            for action in statement.actions:
                self._alter(statement.name, action)
        elif isinstance(statement, DropTable):
            for name in statement.names:
                self.tables.pop(name.key, None)
        elif isinstance(statement, RenameTables):
            for old, new in statement.pairs:
                self._rename_table(old, new)
        elif isinstance(statement, CreateIndex) and statement.name:
            self.index_tables[statement.name] = statement.table.key
            if (table := self.tables.get(statement.table.key)) is not None:
                table.indexes[statement.name] = statement.columns
        elif isinstance(statement, DropIndex):
            for name in statement.names:
                owner = self.tables.get(self.index_tables.pop(name.last, ""))
                if owner is not None:
                    owner.indexes.pop(name.last, None)

    def _create(self, statement: CreateTable) -> None:
        if statement.name.key in self.tables:  # CREATE TABLE IF NOT EXISTS of a table that is there
            return
        table = Table({column.name: _column(column) for column in statement.columns})
        for constraint in statement.constraints:
            if constraint.kind in ("primary_key", "unique"):
                for name in constraint.columns:
                    if name in table.columns:
                        setattr(table.columns[name], constraint.kind, True)
            if constraint.proves_not_null:
                key = constraint.name or f"{statement.name.last}_{constraint.proves_not_null[0]}_check"
                table.not_null_checks[key] = NotNullCheck(constraint.proves_not_null, validated=True)
        self.tables[statement.name.key] = table

    def _alter(self, name: Name, action) -> None:
        if isinstance(action, RenameTable):
            self._rename_table(name, action.new)
            return
        table = self.tables.setdefault(name.key, Table())  # altered, so it exists, even if unseen so far
        if isinstance(action, AddColumn):
            table.columns[action.column.name] = _column(action.column)
        elif isinstance(action, ModifyColumn):
            table.columns.pop(action.old_name or action.column.name, None)
            table.columns[action.column.name] = _column(action.column)
        elif isinstance(action, DropColumn):
            table.columns.pop(action.column, None)
        elif isinstance(action, RenameColumn) and action.old in table.columns:
            table.columns[action.new] = table.columns.pop(action.old)
        elif isinstance(action, AlterColumnType) and action.column in table.columns:
            table.columns[action.column].type = action.type
        elif isinstance(action, SetNotNull) and action.column in table.columns:
            table.columns[action.column].not_null = True
        elif isinstance(action, DropNotNull) and action.column in table.columns:
            table.columns[action.column].not_null = False
        elif isinstance(action, AddConstraint) and action.constraint.proves_not_null:
            constraint = action.constraint
            key = constraint.name or f"{name.last}_{constraint.proves_not_null[0]}_check"
            table.not_null_checks[key] = NotNullCheck(constraint.proves_not_null, not constraint.not_valid)
        elif isinstance(action, ValidateConstraint) and action.name in table.not_null_checks:
            table.not_null_checks[action.name].validated = True
        elif isinstance(action, DropConstraint):
            table.not_null_checks.pop(action.name, None)

    def _rename_table(self, old: Name, new: Name) -> None:
        table = self.tables.pop(old.key, None)
        if table is not None:
            self.tables[new.key] = table
        for index, owner in self.index_tables.items():
            if owner == old.key:
                self.index_tables[index] = new.key


def _column(definition: ColumnDef) -> Column:
    data_type = definition.type
    if data_type is not None and data_type.name in _SERIAL_TYPES:
        data_type = DataType(_SERIAL_TYPES[data_type.name], written=data_type.written)
    return Column(data_type, definition.not_null or definition.primary_key, definition.primary_key, definition.unique)
