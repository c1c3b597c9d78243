"""What the migrations read so far have built: tables, their columns' types and nullability, the CHECK
constraints that prove a column non-null, and which table each index belongs to.

The linter learns it from earlier migrations and from the statements before the one it checks, so it can
tell a varchar widening (no rewrite) from a type change that rewrites the table, or see that a validated
CHECK (c IS NOT NULL) lets SET NOT NULL skip its scan. It only knows what migrations wrote: a table it has
never seen is known only by what later statements do to it, never assumed empty or absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .syntax import (
    AddColumn, AddConstraint, AlterColumnType, AlterTable, ColumnDef, CreateIndex, CreateTable, DataType, DropColumn,
    DropConstraint, DropIndex, DropNotNull, DropTable, ModifyColumn, Name, RenameColumn, RenameTable, RenameTables, SetNotNull,
    Statement, ValidateConstraint,
)

# A serial column is an integer column with a sequence behind it.
_SERIAL_TYPES = {"smallserial": "smallint", "serial": "integer", "bigserial": "bigint"}


# Classes with slots: they cost a fraction of dataclasses at start-up, when the linter is imported.

class Column:
    __slots__ = ("type", "not_null", "primary_key", "unique")

    def __init__(self, type: DataType | None, not_null: bool = False, primary_key: bool = False, unique: bool = False):
        self.type = type
        self.not_null = not_null
        self.primary_key = primary_key
        self.unique = unique


class NotNullCheck:
    __slots__ = ("columns", "validated")

    def __init__(self, columns: tuple[str, ...], validated: bool):
        self.columns = columns
        self.validated = validated


class Check:
    __slots__ = ("names", "validated")

    def __init__(self, names: tuple[str, ...], validated: bool):
        self.names = names  # the names its expression mentions (its columns among them)
        self.validated = validated


# The constraints of a table that has none, shared by all such tables (most never have a CHECK); a table gets a
# dict of its own with its first one (Table.add).
_NONE: Mapping = MappingProxyType({})


class Table:
    __slots__ = ("columns", "not_null_checks", "indexes", "checks")

    def __init__(self, columns: dict[str, Column] | None = None,
                 not_null_checks: Mapping[str, NotNullCheck] = _NONE,
                 indexes: dict[str, tuple[str, ...]] | None = None, checks: Mapping[str, Check] = _NONE):
        self.columns = {} if columns is None else columns
        self.not_null_checks = not_null_checks  # by constraint name
        self.indexes = {} if indexes is None else indexes  # index name -> its plain columns
        self.checks = checks  # every CHECK constraint, by name

    def add(self, constraint: str, check: Check | NotNullCheck) -> None:
        """A CHECK constraint into `checks`, or one that proves columns non-null into `not_null_checks`."""
        kind = "checks" if isinstance(check, Check) else "not_null_checks"
        checks = getattr(self, kind)
        if checks is _NONE:
            checks = {}
            setattr(self, kind, checks)
        checks[constraint] = check

    def drop_constraint(self, constraint: str) -> None:
        for checks in (self.not_null_checks, self.checks):
            if constraint in checks:
                del checks[constraint]

    def indexed(self, column: str) -> bool:
        return any(column in columns for columns in self.indexes.values())

    def indexes_on(self, column: str) -> list[str]:
        return [name for name, columns in self.indexes.items() if column in columns]

    def validated_checks_on(self, column: str) -> list[str]:
        return [name for name, check in self.checks.items() if check.validated and column in check.names]

    def copy(self) -> Table:
        return Table({name: Column(c.type, c.not_null, c.primary_key, c.unique) for name, c in self.columns.items()},
                     {name: NotNullCheck(c.columns, c.validated) for name, c in self.not_null_checks.items()} or _NONE,
                     dict(self.indexes), {name: Check(c.names, c.validated) for name, c in self.checks.items()} or _NONE)


class Schema:
    """Tables by Name.key, and which table each index belongs to.

    fork() gives a schema that starts as this one and then changes on its own, copying a table only when
    it changes it: a down section is judged on a fork of what its up left, at the cost of the tables it
    touches rather than of the whole schema.
    """

    def __init__(self, base: Schema | None = None):
        self._base = base
        self._tables: dict[str, Table | None] = {}  # None: dropped here
        self._index_tables: dict[str, str | None] = {}  # index name -> table key; None: dropped here
        # Each distinct column name, type and index column list, kept once for all the tables that hold an equal
        # one (id, integer, created_at, ...): a schema learnt from 10,000 migrations would otherwise keep a copy of
        # each per column. Shared with forks.
        self._values: dict = base._values if base is not None else {}

    def fork(self) -> Schema:
        return Schema(self)

    def table(self, name: Name) -> Table | None:
        return self._table(name.key)

    def column(self, table: Name, column: str) -> Column | None:
        known = self._table(table.key)
        return known.columns.get(column) if known else None

    def proves_not_null(self, table: Name, column: str) -> bool:
        """Whether a validated CHECK constraint proves the column non-null."""
        known = self._table(table.key)
        return known is not None and any(
            check.validated and column in check.columns for check in known.not_null_checks.values())

    def table_of_index(self, index: str) -> str | None:
        if index in self._index_tables:
            return self._index_tables[index]
        return self._base.table_of_index(index) if self._base else None

    def learn(self, statement: Statement) -> None:
        if isinstance(statement, CreateTable):
            self._create(statement)
        elif isinstance(statement, AlterTable):
            for action in statement.actions:
                self._alter(statement.name, action)
        elif isinstance(statement, DropTable):
            for name in statement.names:
                self._tables[name.key] = None
        elif isinstance(statement, RenameTables):
            for old, new in statement.pairs:
                self._rename_table(old, new)
        elif isinstance(statement, CreateIndex) and statement.name:
            self._index_tables[statement.name] = statement.table.key
            if self._table(statement.table.key) is not None:
                self._changing(statement.table.key).indexes[statement.name] = self._shared(statement.columns)
        elif isinstance(statement, DropIndex):
            for name in statement.names:
                owner = self.table_of_index(name.last)
                self._index_tables[name.last] = None
                if owner is not None and self._table(owner) is not None:
                    self._changing(owner).indexes.pop(name.last, None)

    def _table(self, key: str) -> Table | None:
        if key in self._tables:
            return self._tables[key]
        return self._base._table(key) if self._base else None

    def _changing(self, key: str) -> Table:
        """The table to change: this schema's own copy (made the first time), or a new one if it is unknown."""
        table = self._tables.get(key)
        if table is None:
            inherited = self._table(key)
            table = inherited.copy() if inherited is not None else Table()
            self._tables[key] = table
        return table

    def _create(self, statement: CreateTable) -> None:
        if self._table(statement.name.key) is not None:  # CREATE TABLE IF NOT EXISTS of a table that is there
            return
        table = Table({self._shared(column.name): self._column(column) for column in statement.columns})
        for column in statement.columns:
            if column.check:
                table.add(f"{statement.name.last}_{column.name}_check", Check((column.name,), validated=True))
        for constraint in statement.constraints:
            if constraint.kind == "check":
                table.add(constraint.name or f"{statement.name.last}_check", Check(constraint.columns, True))
            if constraint.kind in ("primary_key", "unique"):
                for name in constraint.columns:
                    if name in table.columns:
                        setattr(table.columns[name], constraint.kind, True)
            if constraint.proves_not_null:
                key = constraint.name or f"{statement.name.last}_{constraint.proves_not_null[0]}_check"
                table.add(key, NotNullCheck(constraint.proves_not_null, validated=True))
        self._tables[statement.name.key] = table

    def _alter(self, name: Name, action) -> None:
        if isinstance(action, RenameTable):
            self._rename_table(name, action.new)
            return
        table = self._changing(name.key)  # altered, so it exists, even if unseen so far
        if isinstance(action, AddColumn):
            table.columns[self._shared(action.column.name)] = self._column(action.column)
            if action.column.check:
                table.add(f"{name.last}_{action.column.name}_check", Check((action.column.name,), True))
        elif isinstance(action, ModifyColumn):
            table.columns.pop(action.old_name or action.column.name, None)
            table.columns[self._shared(action.column.name)] = self._column(action.column)
        elif isinstance(action, DropColumn):
            table.columns.pop(action.column, None)
        elif isinstance(action, RenameColumn) and action.old in table.columns:
            table.columns[action.new] = table.columns.pop(action.old)
        elif isinstance(action, AlterColumnType) and action.column in table.columns:
            table.columns[action.column].type = self._shared(action.type)
        elif isinstance(action, SetNotNull) and action.column in table.columns:
            table.columns[action.column].not_null = True
        elif isinstance(action, DropNotNull) and action.column in table.columns:
            table.columns[action.column].not_null = False
        elif isinstance(action, AddConstraint) and action.constraint.kind == "check":
            constraint = action.constraint
            table.add(constraint.name or f"{name.last}_check", Check(constraint.columns, not constraint.not_valid))
            if not constraint.proves_not_null:
                return
            key = constraint.name or f"{name.last}_{constraint.proves_not_null[0]}_check"
            table.add(key, NotNullCheck(constraint.proves_not_null, not constraint.not_valid))
        elif isinstance(action, ValidateConstraint):
            for checks in (table.not_null_checks, table.checks):
                if action.name in checks:
                    checks[action.name].validated = True
        elif isinstance(action, DropConstraint):
            table.drop_constraint(action.name)

    def _rename_table(self, old: Name, new: Name) -> None:
        if self._table(old.key) is None:
            return
        self._tables[new.key] = self._changing(old.key)
        self._tables[old.key] = None
        for index in self._changing(new.key).indexes:
            self._index_tables[index] = new.key

    def _column(self, definition: ColumnDef) -> Column:
        data_type = definition.type
        if data_type is not None and data_type.name in _SERIAL_TYPES:
            data_type = DataType(_SERIAL_TYPES[data_type.name], written=data_type.written)
        return Column(self._shared(data_type), definition.not_null or definition.primary_key, definition.primary_key,
                      definition.unique)

    def _shared(self, value):
        """The value kept for all equal ones (an immutable one: a name, a DataType, a tuple of names)."""
        return self._values.setdefault(value, value)
