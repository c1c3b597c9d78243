"""What the linter understands of a statement: the statement kinds that matter to a migration's safety,
and the actions of an ALTER TABLE. Built by lint.parser; everything else is an Other.

Names are normalized the way the engine compares them (dkmigrate.lint.tokens.identifier); `written`
keeps them as the migration spells them, for messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Name:
    parts: tuple[str, ...]  # schema first, when written
    written: str

    @cached_property
    def key(self) -> str:
        """How the linter tells tables apart: the name, with its schema unless that is `public`."""
        parts = self.parts[1:] if len(self.parts) > 1 and self.parts[0] == "public" else self.parts
        return ".".join(parts)

    @property
    def last(self) -> str:
        return self.parts[-1]


@dataclass(frozen=True)
class DataType:
    name: str  # canonical where known: integer, bigint, varchar, char, text, numeric, timestamptz, ...
    modifiers: tuple[int, ...] | None = None  # (255,) or (10, 2); None when none were written
    array: bool = False
    written: str = ""

    def same_as(self, other: DataType) -> bool:
        return (self.name, self.modifiers, self.array) == (other.name, other.modifiers, other.array)


@dataclass(frozen=True)
class Default:
    text: str
    is_null: bool = False  # DEFAULT NULL, the same as no default
    volatile_functions: tuple[str, ...] = ()  # known volatile functions it calls
    unknown_functions: tuple[str, ...] = ()  # functions whose volatility the linter does not know


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: DataType | None
    default: Default | None = None
    not_null: bool = False
    primary_key: bool = False
    unique: bool = False
    check: bool = False
    references: Name | None = None
    generated: str | None = None  # "identity", "stored" or "virtual"
    auto_increment: bool = False  # MySQL AUTO_INCREMENT, SQLite AUTOINCREMENT


@dataclass(frozen=True)
class Constraint:
    kind: str  # check, foreign_key, unique, primary_key, exclude, index (MySQL keys)
    name: str | None
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None
    references: Name | None = None
    proves_not_null: tuple[str, ...] = ()  # CHECK (c IS NOT NULL [AND ...]): the columns it proves non-null
    definition: str = ""  # as written, from its kind on: "CHECK (n > 0)", "FOREIGN KEY (a) REFERENCES b (id)"


# The actions of ALTER TABLE.

@dataclass(frozen=True)
class AddColumn:
    column: ColumnDef
    if_not_exists: bool = False


@dataclass(frozen=True)
class DropColumn:
    column: str


@dataclass(frozen=True)
class RenameColumn:
    old: str
    new: str


@dataclass(frozen=True)
class RenameTable:
    new: Name


@dataclass(frozen=True)
class AlterColumnType:
    column: str
    type: DataType
    using: str | None = None
    collate: bool = False


@dataclass(frozen=True)
class SetNotNull:
    column: str


@dataclass(frozen=True)
class DropNotNull:
    column: str


@dataclass(frozen=True)
class SetDefault:
    column: str
    default: Default | None  # None: DROP DEFAULT


@dataclass(frozen=True)
class AddConstraint:
    constraint: Constraint


@dataclass(frozen=True)
class ValidateConstraint:
    name: str


@dataclass(frozen=True)
class DropConstraint:
    name: str


@dataclass(frozen=True)
class ModifyColumn:
    """MySQL's MODIFY (old_name None) and CHANGE: the column's whole new definition."""

    column: ColumnDef
    old_name: str | None = None


@dataclass(frozen=True)
class OtherAction:
    """Any other action, by its leading keywords (SET TABLESPACE, OWNER TO, DROP NOT NULL, ...)."""

    words: str
    target: Name | None = None  # ATTACH / DETACH PARTITION: the partition


Action = (AddColumn | DropColumn | RenameColumn | RenameTable | AlterColumnType | SetNotNull | DropNotNull
          | SetDefault | AddConstraint | ValidateConstraint | DropConstraint | ModifyColumn | OtherAction)


# Statements.

@dataclass(frozen=True)
class CreateTable:
    name: Name
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    complete: bool = True  # False for AS SELECT, LIKE, PARTITION OF: the columns are not all written here


@dataclass(frozen=True)
class AlterTable:
    name: Name
    actions: tuple[Action, ...]
    algorithm: str | None = None  # MySQL ALGORITHM=
    lock: str | None = None  # MySQL LOCK=


@dataclass(frozen=True)
class CreateIndex:
    name: str | None
    table: Name
    unique: bool = False
    concurrently: bool = False
    columns: tuple[str, ...] = ()  # the plain columns it indexes (not expressions)


@dataclass(frozen=True)
class DropIndex:
    names: tuple[Name, ...]
    concurrently: bool = False
    table: Name | None = None  # MySQL: DROP INDEX i ON t


@dataclass(frozen=True)
class DropTable:
    names: tuple[Name, ...]


@dataclass(frozen=True)
class RenameTables:
    """MySQL's RENAME TABLE a TO b, c TO d."""

    pairs: tuple[tuple[Name, Name], ...]


@dataclass(frozen=True)
class Truncate:
    names: tuple[Name, ...]
    cascade: bool = False


@dataclass(frozen=True)
class DataChange:
    """UPDATE, DELETE or INSERT."""

    verb: str
    table: Name
    has_where: bool = False
    from_query: bool = False  # INSERT ... SELECT


@dataclass(frozen=True)
class Reindex:
    target: str  # TABLE, INDEX, SCHEMA, DATABASE or SYSTEM
    name: Name | None
    concurrently: bool = False


@dataclass(frozen=True)
class Vacuum:
    full: bool
    tables: tuple[Name, ...] = ()


@dataclass(frozen=True)
class Cluster:
    table: Name | None


@dataclass(frozen=True)
class SetSetting:
    name: str
    value: str | None  # None: RESET, or SET ... TO DEFAULT
    local: bool = False


@dataclass(frozen=True)
class TransactionControl:
    action: str  # begin, commit or rollback


@dataclass(frozen=True)
class LockTable:
    names: tuple[Name, ...]
    mode: str


@dataclass(frozen=True)
class Trigger:
    table: Name
    create: bool


@dataclass(frozen=True)
class Other:
    verb: str  # its first keywords, e.g. "CREATE FUNCTION"


Statement = (CreateTable | AlterTable | CreateIndex | DropIndex | DropTable | RenameTables | Truncate | DataChange
             | Reindex | Vacuum | Cluster | SetSetting | TransactionControl | LockTable | Trigger | Other)
