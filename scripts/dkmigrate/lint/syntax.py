"""What the linter understands of a statement: the statement kinds that matter to a migration's safety,
and the actions of an ALTER TABLE. Built by lint.parser; everything else is an Other. Immutable named
tuples: the model is plain data, and tuples cost a fraction of dataclasses at start-up.

Names are normalized the way the engine compares them (dkmigrate.lint.tokens.identifier); `written`
keeps them as the migration spells them, for messages.
"""

from __future__ import annotations

from ..records import record


@record
class Name:
    """A possibly qualified name as the linter parsed it from the lexer's tokens. The planner carries it into its
    own identifier (plan.identifiers.TableName.of) by `stored`, never by reading `written` again."""

    parts: tuple[str, ...]  # schema first, when written; as the engine compares them
    written: str
    stored: tuple[str, ...] = ()  # the same parts as the engine stores them: what the planner looks the name up by

    @property
    def key(self) -> str:
        """How the linter tells tables apart: the name, with its schema unless that is `public`."""
        parts = self.parts[1:] if len(self.parts) > 1 and self.parts[0] == "public" else self.parts
        return ".".join(parts)

    @property
    def last(self) -> str:
        return self.parts[-1]


@record
class DataType:
    name: str  # canonical where known: integer, bigint, varchar, char, text, numeric, timestamptz, ...
    modifiers: tuple[int, ...] | None = None  # (255,) or (10, 2); None when none were written
    array: bool = False
    written: str = ""

    def same_as(self, other: DataType) -> bool:
        return (self.name, self.modifiers, self.array) == (other.name, other.modifiers, other.array)


@record
class Default:
    text: str
    is_null: bool = False  # DEFAULT NULL, the same as no default
    volatile_functions: tuple[str, ...] = ()  # known volatile functions it calls
    unknown_functions: tuple[str, ...] = ()  # functions whose volatility the linter does not know


@record
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


@record
class Constraint:
    kind: str  # check, foreign_key, unique, primary_key, exclude, index (MySQL keys)
    name: str | None
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None
    references: Name | None = None
    proves_not_null: tuple[str, ...] = ()  # CHECK (c IS NOT NULL [AND ...]): the columns it proves non-null
    definition: str = ""  # as written, from its kind on: "CHECK (n > 0)", "FOREIGN KEY (a) REFERENCES b (id)"
    referenced_columns: tuple[str, ...] = ()  # a foreign key's REFERENCES b (id): ("id",); () when not written


# The actions of ALTER TABLE.

@record
class AddColumn:
    column: ColumnDef
    if_not_exists: bool = False


@record
class DropColumn:
    column: str


@record
class RenameColumn:
    old: str
    new: str


@record
class RenameTable:
    new: Name


@record
class AlterColumnType:
    column: str
    type: DataType
    using: str | None = None
    collate: bool = False


@record
class SetNotNull:
    column: str


@record
class DropNotNull:
    column: str


@record
class SetDefault:
    column: str
    default: Default | None  # None: DROP DEFAULT


@record
class AddConstraint:
    constraint: Constraint


@record
class ValidateConstraint:
    name: str


@record
class DropConstraint:
    name: str


@record
class ModifyColumn:
    """MySQL's MODIFY (old_name None) and CHANGE: the column's whole new definition."""

    column: ColumnDef
    old_name: str | None = None


@record
class OtherAction:
    """Any other action, by its leading keywords (SET TABLESPACE, OWNER TO, DROP NOT NULL, ...)."""

    words: str
    target: Name | None = None  # ATTACH / DETACH PARTITION: the partition


Action = (AddColumn | DropColumn | RenameColumn | RenameTable | AlterColumnType | SetNotNull | DropNotNull
          | SetDefault | AddConstraint | ValidateConstraint | DropConstraint | ModifyColumn | OtherAction)


# Statements.

@record
class CreateTable:
    name: Name
    columns: tuple[ColumnDef, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    complete: bool = True  # False for AS SELECT, LIKE, PARTITION OF: the columns are not all written here


@record
class AlterTable:
    name: Name
    actions: tuple[Action, ...]
    algorithm: str | None = None  # MySQL ALGORITHM=
    lock: str | None = None  # MySQL LOCK=


@record
class CreateIndex:
    name: str | None
    table: Name
    unique: bool = False
    concurrently: bool = False
    columns: tuple[str, ...] = ()  # the plain columns it indexes (not expressions)


@record
class DropIndex:
    names: tuple[Name, ...]
    concurrently: bool = False
    table: Name | None = None  # MySQL: DROP INDEX i ON t


@record
class DropTable:
    names: tuple[Name, ...]


@record
class RenameTables:
    """MySQL's RENAME TABLE a TO b, c TO d."""

    pairs: tuple[tuple[Name, Name], ...]


@record
class Truncate:
    names: tuple[Name, ...]
    cascade: bool = False


@record
class DataChange:
    """UPDATE, DELETE or INSERT."""

    verb: str
    table: Name
    has_where: bool = False
    from_query: bool = False  # INSERT ... SELECT


@record
class Reindex:
    target: str  # TABLE, INDEX, SCHEMA, DATABASE or SYSTEM
    name: Name | None
    concurrently: bool = False


@record
class Vacuum:
    full: bool
    tables: tuple[Name, ...] = ()


@record
class Cluster:
    table: Name | None


@record
class SetSetting:
    name: str
    value: str | None  # None: RESET, or SET ... TO DEFAULT
    local: bool = False


@record
class TransactionControl:
    action: str  # begin, commit or rollback


@record
class LockTable:
    names: tuple[Name, ...]
    mode: str


@record
class Trigger:
    table: Name
    create: bool


@record
class AlterDomain:
    name: Name
    constraint: Constraint | None = None  # ADD CONSTRAINT; None for the other forms
    validates: str | None = None  # VALIDATE CONSTRAINT: its name


@record
class DropDatabase:
    name: Name


@record
class RenameSchema:
    old: Name
    new: Name


@record
class Other:
    """A statement the linter reads as harmless to a table by its kind: CREATE FUNCTION, GRANT, COMMENT ON."""

    verb: str  # its first keywords, e.g. "CREATE FUNCTION"


@record
class Unparsed:
    """A statement the linter could not read: a typo, or SQL it does not know. It is reported, never silent."""

    verb: str  # its first words, as far as they go
    reason: str


Statement = (CreateTable | AlterTable | CreateIndex | DropIndex | DropTable | RenameTables | Truncate | DataChange
             | Reindex | Vacuum | Cluster | SetSetting | TransactionControl | LockTable | Trigger | AlterDomain
             | DropDatabase | RenameSchema | Other | Unparsed)
