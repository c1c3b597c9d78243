"""The planner's DDL as operations: plain values that know their inverse, rendered to SQL by an engine.

A phase of a plan is a list of operations. Its SQL is each operation rendered by the engine of the plan
(dkmigrate.engines: the SQL the planner emits for an engine lives there); its rollback is the reversed
list of the operations' reverses, unless the phase gives its own undo where the inverse is not mechanical
(a drop whose data comes back from elsewhere). A lint rule a step breaks on purpose is allowed on the
operation, by rule id, and reaches the migration file as a `-- migrate:allow` comment above its SQL.

Composite operations (Locked, Rebuild) expand into simpler ones; every other operation is rendered by the
engine's render_<kind> method.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .identifiers import Name, TableName, derived_name
from .model import BATCH_DIRECTIVE, Phase

if TYPE_CHECKING:
    from ..engines.base import Engine

Allowance = tuple[str, str]  # (lint rule id, why the step is meant)


class Value:
    """A plain immutable value: its fields are its annotations, in order (a class attribute of the same name is the
    field's default); built positionally or by keyword, compared and hashed by its fields. Written out here rather
    than as dataclasses, whose generated code would cost every plan's start-up some 20 ms for these few dozen."""

    _fields: tuple[str, ...] = ()
    _keyword_only: tuple[str, ...] = ()  # fields given by keyword only, whatever a subclass adds after them
    _defaults: dict = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = tuple(name for name in cls.__dict__.get("__annotations__", {}) if name not in cls._fields)
        cls._fields = cls._fields + own
        cls._defaults = {**cls._defaults, **{name: cls.__dict__[name] for name in own if name in cls.__dict__}}

    def __init__(self, *args, **kwargs):
        positional = [name for name in self._fields if name not in self._keyword_only]
        if len(args) > len(positional):
            raise TypeError(f"{type(self).__name__} takes {len(positional)} positional arguments")
        values = {**self._defaults, **dict(zip(positional, args)), **kwargs}
        missing = [name for name in self._fields if name not in values]
        unknown = [name for name in kwargs if name not in self._fields]
        if missing or unknown:
            raise TypeError(f"{type(self).__name__}: missing {missing}, unknown {unknown}")
        for name in self._fields:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name, value):
        raise AttributeError(f"{type(self).__name__} is immutable: replace() makes a changed copy")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other._values() == self._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{name}={getattr(self, name)!r}' for name in self._fields)})"


def replace(value: Value, **changes) -> Value:
    """A copy of the value with some fields changed."""
    return type(value)(**{**{name: getattr(value, name) for name in value._fields}, **changes})


class Operation(Value):
    kind = ""  # the engine renders it with render_<kind>
    _keyword_only = ("allow", "undo_allow")
    allow: tuple[Allowance, ...] = ()  # lint rules its SQL breaks on purpose
    undo_allow: tuple[Allowance, ...] = ()  # those its reverse breaks

    def allowing(self, rule: str, reason: str) -> "Operation":
        return replace(self, allow=(*self.allow, (rule, reason)))

    def allowing_undo(self, rule: str, reason: str) -> "Operation":
        return replace(self, undo_allow=(*self.undo_allow, (rule, reason)))

    def reverse(self) -> "Operation | None":
        """The operation that undoes this one; None when there is nothing to undo (a backfill into a column
        that goes with its own reverse)."""
        inverse = self.inverse()
        if inverse is None:
            return None
        return replace(inverse, allow=self.undo_allow, undo_allow=self.allow)

    def inverse(self) -> "Operation | None":
        raise NotImplementedError(f"{type(self).__name__} has no mechanical inverse: give the phase its undo")

    def parts(self, engine: "Engine") -> list["Operation"] | None:
        """The simpler operations a composite one stands for; None for an operation the engine renders."""
        return None


# --- structure -----------------------------------------------------------------------------------------

class Comment(Operation):
    """A line for the person reading the migration (what to do by hand, why nothing runs)."""

    kind = "comment"
    text: str

    def inverse(self) -> None:
        return None


class LockTimeout(Operation):
    kind = "lock_timeout"
    in_transaction: bool


class ResetLockTimeout(Operation):
    kind = "reset_lock_timeout"


class Locked(Operation):
    """Operations that take a brief strong lock, each waiting for it at most the engine's lock timeout: inside the
    phase's transaction (the setting ends with it), or on the session (reset afterwards)."""

    operations: tuple[Operation, ...]
    in_transaction: bool = True

    def inverse(self) -> "Locked":
        return Locked(reverse(self.operations), self.in_transaction)

    def parts(self, engine) -> list[Operation]:
        reset = [] if self.in_transaction else [ResetLockTimeout()]
        return [LockTimeout(self.in_transaction), *self.operations, *reset]


class Group(Operation):
    """Operations that are one step for the phase (and come back as one, reversed)."""

    operations: tuple[Operation, ...]

    def inverse(self) -> "Group":
        return Group(reverse(self.operations))

    def parts(self, engine) -> list[Operation]:
        return list(self.operations)


# --- columns ---------------------------------------------------------------------------------------------

class AddColumn(Operation):
    kind = "add_column"
    table: TableName
    column: Name
    type: str
    not_null: bool = False
    default: str | None = None  # SQL text: from the catalogue, or a quoted literal

    def inverse(self) -> "DropColumn":
        return DropColumn(self.table, self.column, self.type, self.not_null, self.default)


class DropColumn(Operation):
    """Its reverse brings the column back empty: where its values must come back, the phase says how (undo)."""

    kind = "drop_column"
    table: TableName
    column: Name
    type: str
    not_null: bool = False
    default: str | None = None

    def inverse(self) -> AddColumn:
        return AddColumn(self.table, self.column, self.type, self.not_null, self.default)


class RenameColumn(Operation):
    kind = "rename_column"
    table: TableName
    old: Name
    new: Name

    def inverse(self) -> "RenameColumn":
        return RenameColumn(self.table, self.new, self.old)


class AlterColumn(Operation):
    """A column's NOT NULL and default changed in place (the engine says whether it can: SQLite rebuilds the
    table instead). `type` is the column's type, which some engines restate."""

    kind = "alter_column"
    table: TableName
    column: Name
    type: str
    not_null: bool
    default: str | None
    was_not_null: bool
    was_default: str | None

    def inverse(self) -> "AlterColumn":
        return AlterColumn(self.table, self.column, self.type, self.was_not_null, self.was_default,
                           self.not_null, self.default)


class Backfill(Operation):
    """UPDATE table SET assignment WHERE pending, over many rows: run by the runner in batches (`-- migrate:batch`).
    Its reverse is nothing: the values go with the column they were written to."""

    kind = "backfill"
    table: TableName
    assignment: str  # SQL: column = expression
    pending: str  # SQL: true for a row not done yet (and false once it is)

    def inverse(self) -> None:
        return None


class RestoreColumn(Operation):
    """A column's values put back from a copy of the table's key and the column (a drop's archive), matching rows by
    key, in batches where the engine commits them. Its reverse is nothing: the values go with the column."""

    kind = "restore_column"
    table: TableName
    archive: TableName
    key: tuple[Name, ...]
    column: Name

    def inverse(self) -> None:
        return None


# --- indexes and constraints ------------------------------------------------------------------------------

class CreateIndex(Operation):
    """Built without blocking writes where the engine can (CONCURRENTLY; ALGORITHM=INPLACE, LOCK=NONE)."""

    kind = "create_index"
    table: TableName
    name: str
    columns: tuple[Name, ...]
    unique: bool = False
    method: str | None = None  # an access method other than btree (PostgreSQL's USING gin)

    def inverse(self) -> "DropIndex":
        return DropIndex(self.table, self.name, self)


class RestoreIndex(Operation):
    """An index re-created from the definition the database's catalogue gave for it."""

    kind = "restore_index"
    table: TableName
    name: str
    definition: str

    def inverse(self) -> "DropIndex":
        return DropIndex(self.table, self.name, self)


class DropIndex(Operation):
    kind = "drop_index"
    table: TableName
    name: str
    created: Operation | None = None  # what builds it again, for the reverse

    def inverse(self) -> Operation:
        if self.created is None:
            raise NotImplementedError(f"the index {self.name} cannot be re-created: its definition is unknown")
        return self.created


class AddNotNullCheck(Operation):
    """CHECK (column IS NOT NULL) NOT VALID: a brief lock and no scan; every write is checked from now on."""

    kind = "add_not_null_check"
    table: TableName
    name: str
    column: Name

    def inverse(self) -> "DropCheck":
        return DropCheck(self.table, self.name, self.column, if_exists=True)


class ValidateConstraint(Operation):
    """The existing rows checked, under a lock that blocks no writes. Its reverse is nothing."""

    kind = "validate_constraint"
    table: TableName
    name: str

    def inverse(self) -> None:
        return None


class DropCheck(Operation):
    kind = "drop_check"
    table: TableName
    name: str
    column: Name  # the NOT NULL check's column, for the reverse
    if_exists: bool = False

    def inverse(self) -> AddNotNullCheck:
        return AddNotNullCheck(self.table, self.name, self.column)


class AddForeignKey(Operation):
    """A foreign key added without checking the existing rows (NOT VALID, or with the checks off where the engine
    has no NOT VALID): new writes are checked; the existing rows are validated later, or by the orphans query."""

    kind = "add_foreign_key"
    table: TableName
    name: str
    column: Name
    target: TableName
    referenced: Name

    def inverse(self) -> "DropForeignKey":
        return DropForeignKey(self.table, self.name)


class DropForeignKey(Operation):
    kind = "drop_foreign_key"
    table: TableName
    name: str


class AddUniqueUsingIndex(Operation):
    """A unique constraint that takes over an existing unique index: a brief lock, no scan. Dropping the constraint
    drops the index with it, so the reverse builds the index again."""

    kind = "add_unique_using_index"
    table: TableName
    index: CreateIndex

    def inverse(self) -> "Group":
        return Group((DropConstraint(self.table, self.index.name), self.index))


class DropConstraint(Operation):
    kind = "drop_constraint"
    table: TableName
    name: str


# --- a column kept in step with another -------------------------------------------------------------------

class Sync(Value):
    """Two columns of a table kept equal by triggers while old and new application versions run side by side.

    The column a statement wrote wins; a new row with only one of them gets it copied. `new` has no default
    during the change, so a value in it was written. Values are converted to each column's type."""

    table: TableName
    old: Name
    new: Name
    old_type: str
    new_type: str
    name: str  # the trigger (and function) name; engines with one trigger per event derive theirs from it
    convert: bool  # the types differ: copies are CAST
    key: tuple[Name, ...] = ()  # where an AFTER trigger finds its row again by the primary key (a table without rowid)

    @property
    def triggers(self) -> tuple[str, str]:
        """The names of its triggers on engines with one per event (INSERT, UPDATE)."""
        return (derived_name(self.name, suffix="insert"), derived_name(self.name, suffix="update"))


class CreateSync(Operation):
    kind = "create_sync"
    sync: Sync

    def inverse(self) -> "DropSync":
        return DropSync(self.sync)


class DropSync(Operation):
    kind = "drop_sync"
    sync: Sync

    def inverse(self) -> CreateSync:
        return CreateSync(self.sync)


# --- columns kept in step across two tables ---------------------------------------------------------------

class Link(Value):
    """Columns that live in two tables at once while they move: a source row's counterpart is the target row whose
    target_key equals its source_key. `new_target`: the target was created for them (one row per source row)."""

    source: TableName
    target: TableName
    columns: tuple[Name, ...]
    source_key: tuple[Name, ...]
    target_key: tuple[Name, ...]
    new_target: bool
    name: str  # the triggers' (and functions') base name

    def trigger(self, suffix: str) -> str:
        return derived_name(self.name, suffix=suffix)

    @property
    def keys(self) -> list[tuple[Name, Name]]:
        return list(zip(self.source_key, self.target_key))


class CreateLinkSync(Operation):
    """Triggers that copy every write of the columns to the other table (both ways where the engine can); they stop
    when both sides agree, so they never loop."""

    kind = "create_link_sync"
    link: Link

    def inverse(self) -> "DropLinkSync":
        return DropLinkSync(self.link)


class DropLinkSync(Operation):
    kind = "drop_link_sync"
    link: Link

    def inverse(self) -> CreateLinkSync:
        return CreateLinkSync(self.link)


class CopyAcross(Operation):
    """The columns' values copied to the other table for the existing rows (in batches where the engine commits
    them): into the target (new rows for a new target), or back into the source. Its reverse is nothing."""

    kind = "copy_across"
    link: Link
    into_source: bool = False

    def inverse(self) -> None:
        return None


# --- tables ---------------------------------------------------------------------------------------------------

class ColumnShape(Value):
    name: str
    type: str
    not_null: bool = False
    default: str | None = None  # SQL text, from the database's catalogue


class TableShape(Value):
    """A table as a rebuild re-creates it: columns, keys and the statements of its other indexes."""

    columns: tuple[ColumnShape, ...]
    primary_key: tuple[str, ...]
    uniques: tuple[tuple[str, ...], ...]
    foreign_keys: tuple[tuple[tuple[str, ...], str, tuple[str, ...]], ...]  # (columns, table, referenced)
    indexes: tuple[str, ...]  # CREATE INDEX statements
    autoincrement: bool = False


class CreateTable(Operation):
    """A new table: its columns (name, type, NOT NULL), primary key, and a foreign key whose rows' deletes cascade."""

    kind = "create_table"
    table: TableName
    columns: tuple[tuple[Name, str, bool], ...]
    primary_key: tuple[Name, ...]
    references: TableName
    referenced: tuple[Name, ...]  # the referenced table's columns, the primary key's counterparts

    def inverse(self) -> "DropTable":
        return DropTable(self.table)


class CreateShapedTable(Operation):
    """A new table with a shape (the temporary table of a rebuild)."""

    kind = "create_shaped_table"
    table: TableName
    shape: TableShape

    def inverse(self) -> "DropTable":
        return DropTable(self.table)


class KeepCopy(Operation):
    """A new table holding a copy of some columns of another (a drop's archive of the key and the dropped column)."""

    kind = "keep_copy"
    copy: TableName
    table: TableName
    columns: tuple[Name, ...]

    def inverse(self) -> "DropTable":
        return DropTable(self.copy)


class CopyRows(Operation):
    """INSERT INTO target (columns) SELECT expressions FROM source."""

    kind = "copy_rows"
    target: TableName
    source: TableName
    columns: tuple[str, ...]
    expressions: tuple[str, ...]  # SQL, one per column

    def inverse(self) -> None:
        return None


class DropTable(Operation):
    kind = "drop_table"
    table: TableName


class RenameTable(Operation):
    kind = "rename_table"
    table: TableName
    new: TableName

    def inverse(self) -> "RenameTable":
        return RenameTable(self.new, self.table)


class CreateView(Operation):
    """A view under a table's old name over the renamed table. Where views take no writes (SQLite), INSTEAD OF
    triggers pass them to the table: `columns` and `key` (SQL names) and `defaults` (column -> SQL) say how."""

    kind = "create_view"
    view: TableName
    table: TableName
    columns: tuple[Name, ...]
    key: tuple[Name, ...]
    defaults: tuple[tuple[str, str], ...] = ()

    @property
    def triggers(self) -> tuple[str, str, str]:
        return tuple(f"{self.view.name.text}_view_{verb}" for verb in ("insert", "update", "delete"))

    def inverse(self) -> "DropView":
        return DropView(self)


class DropView(Operation):
    kind = "drop_view"
    created: CreateView

    def inverse(self) -> CreateView:
        return self.created


class RenameIndex(Operation):
    kind = "rename_index"
    table: TableName
    name: str
    new: str

    def inverse(self) -> "RenameIndex":
        return RenameIndex(self.table, self.new, self.name)


class Rebuild(Operation):
    """SQLite's procedure for a change ALTER TABLE cannot make (sqlite.org/lang_altertable.html, section 7): create
    the new table, copy the rows, drop the old one, rename the new one, re-create the indexes.

    `copy` maps a column of the new shape to the SQL that fills it from the old table (by default the column of
    the same name); `back` does the same for the reverse. The migrating connection leaves foreign key
    enforcement off (SQLite's default), so dropping the old table deletes no child rows, and references from
    other tables keep pointing at the name."""

    table: TableName
    shape: TableShape  # the table after
    before: TableShape  # the table before, which the reverse re-creates
    copy: tuple[tuple[str, str], ...] = ()
    back: tuple[tuple[str, str], ...] = ()

    def inverse(self) -> "Rebuild":
        return Rebuild(self.table, self.before, self.shape, self.back, self.copy)

    def parts(self, engine) -> list[Operation]:
        temporary = self.table.sibling(derived_name(self.table.name.text, suffix="rebuild"))
        names = tuple(column.name for column in self.shape.columns)
        filled = dict(self.copy)
        reason = "SQLite's table rebuild: every row was copied into the new table, which takes this name next"
        return [
            CreateShapedTable(temporary, self.shape),
            CopyRows(temporary, self.table, names, tuple(filled.get(name, Name(name).sql(engine.name)) for name in names)),
            DropTable(self.table, allow=(("drop-table", reason), ("irreversible-down", reason))),
            RenameTable(temporary, self.table),
            *(Statement(index) for index in self.shape.indexes),
        ]


class Statement(Operation):
    """SQL the database itself wrote (an index definition from its catalogue), run as it is."""

    kind = "statement"
    sql: str


# --- rendering -----------------------------------------------------------------------------------------------

def reverse(operations) -> tuple[Operation, ...]:
    """What undoes the operations: their reverses, last first."""
    return tuple(inverse for inverse in (operation.reverse() for operation in reversed(list(operations)))
                 if inverse is not None)


def on_session(operations) -> tuple[Operation, ...]:
    """The operations with their lock timeouts set on the session (reset afterwards), for a migration that runs
    outside a transaction block (one that commits batches as it goes)."""
    return tuple(replace(o, in_transaction=False) if isinstance(o, Locked) else o for o in operations)


def render(operations, engine: "Engine") -> list[tuple[str, tuple[Allowance, ...]]]:
    """Each statement of the operations with the lint rules allowed on it."""
    rendered = []
    for operation in operations:
        parts = operation.parts(engine)
        if parts is not None:
            for statement, allowed in render(parts, engine):
                rendered.append((statement, (*operation.allow, *allowed)))
        else:
            rendered += [(statement, operation.allow) for statement in engine.render(operation)]
    return rendered


def sql(operations, engine: "Engine") -> list[str]:
    return [statement for statement, _ in render(operations, engine)]


def phase(engine: "Engine", name: str, title: str, steps: list[str], operations, *, verify: list[str],
          undo=None, nothing_to_undo: str | None = None, transaction: bool | None = None,
          rollback_loses_data: str | None = None) -> Phase:
    """A database phase whose SQL and rollback are its operations rendered for the engine.

    undo replaces the mechanical reverse where it is not enough; nothing_to_undo is the rollback's comment when
    the reverse is empty (a backfill, a validation). transaction defaults to whether the engine can run the
    statements as one transaction (its DDL is transactional, none of them refuses a transaction block, and none
    runs in batches that commit as they go)."""
    operations = tuple(operations)
    undo = reverse(operations) if undo is None else tuple(undo)
    if not undo and nothing_to_undo:
        undo = (Comment(nothing_to_undo),)
    up, down = render(operations, engine), render(undo, engine)
    if transaction is None:
        transaction = engine.transactional_ddl and not any(
            engine.runs_outside_transaction(s) or s.startswith(BATCH_DIRECTIVE) for s, _ in up)
    result = Phase(name, title, steps, sql=[s for s, _ in up], verify=verify, rollback=[s for s, _ in down],
                   transaction=transaction, rollback_loses_data=rollback_loses_data,
                   operations=list(operations), undo=list(undo))
    for statement, allowed in up + down:
        for rule, reason in allowed:
            result.allowing(statement, rule, reason)
    return result
