"""SQLite's ALTER TABLE, which can only rename a table or a column, add a column or drop one."""

from ..findings import ERROR, SQLITE
from ..registry import Hit, rule
from ..syntax import (
    AddColumn, AddConstraint, AlterColumnType, AlterTable, DropColumn, DropConstraint, DropNotNull, ModifyColumn,
    OtherAction, RenameColumn, RenameTable, SetDefault, SetNotNull, ValidateConstraint,
)

_SUPPORTED = (AddColumn, DropColumn, RenameColumn, RenameTable)
_NON_CONSTANT_DEFAULTS = ("CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP")
_REBUILD = ("rebuild the table (https://www.sqlite.org/lang_altertable.html#otheralter): with PRAGMA foreign_keys=OFF "
            "(a migration marked transaction:false runs it outside the transaction), CREATE TABLE new_{table} with "
            "the new definition; INSERT INTO new_{table} SELECT ... FROM {table}; DROP TABLE {table}; ALTER TABLE "
            "new_{table} RENAME TO {table}; recreate its indexes, triggers and views; PRAGMA foreign_key_check; "
            "PRAGMA foreign_keys=ON")


@rule(
    "sqlite-unsupported-alter", ERROR, dialects=(SQLITE,), statements=(AlterTable,),
    summary="(SQLite) an ALTER TABLE form SQLite does not support (needs the table-rebuild procedure)",
    why="SQLite's ALTER TABLE can only rename the table, rename a column, add a column (not UNIQUE, PRIMARY KEY, "
        "STORED, or with a non-constant default) or drop a column (not a key, unique or indexed one), one change "
        "per statement. Anything else fails.",
    safe_alternative="The table-rebuild procedure: create the new table, copy the rows, drop the old table, rename "
                     "the new one, recreate indexes and triggers, with foreign keys off.",
)
def sqlite_unsupported_alter(statement: AlterTable, context):
    alternative = _REBUILD.format(table=statement.name.written)
    if len(statement.actions) > 1:
        yield Hit("SQLite's ALTER TABLE makes one change per statement: this one makes "
                  f"{len(statement.actions)} and fails", "one ALTER TABLE statement per change")
        return
    for action in statement.actions:
        problem = _problem(statement, action, context)
        if problem:
            yield Hit(f"SQLite cannot {problem}: the statement fails", alternative)


def _problem(statement: AlterTable, action, context) -> str | None:
    if not isinstance(action, _SUPPORTED):
        return f"{_describe(action)} with ALTER TABLE"
    if isinstance(action, AddColumn):
        column = action.column
        if column.primary_key or column.unique:
            return f"add a {'PRIMARY KEY' if column.primary_key else 'UNIQUE'} column"
        if column.generated == "stored":
            return "add a STORED generated column"
        default = column.default.text.strip().upper() if column.default else ""
        if default.startswith("(") or default in _NON_CONSTANT_DEFAULTS:
            return f"add a column with a non-constant default ({column.default.text})"
    if isinstance(action, DropColumn):
        known = context.schema.table(statement.name)
        column = known.columns.get(action.column) if known else None
        if column is not None and (column.primary_key or column.unique):
            return f"drop {action.column}, a {'PRIMARY KEY' if column.primary_key else 'UNIQUE'} column"
        if known is not None and known.indexed(action.column):
            return f"drop {action.column} while an index uses it (drop the index first)"
    return None


def _describe(action) -> str:
    if isinstance(action, OtherAction):
        return action.words.removesuffix(" (")
    return _UNSUPPORTED_CHANGES.get(type(action), "make this change")


_UNSUPPORTED_CHANGES = {
    AlterColumnType: "change a column's type", SetNotNull: "set NOT NULL on a column",
    DropNotNull: "drop NOT NULL from a column",
    SetDefault: "change a column's default", AddConstraint: "add a constraint", DropConstraint: "drop a constraint",
    ValidateConstraint: "validate a constraint", ModifyColumn: "modify a column",
}
