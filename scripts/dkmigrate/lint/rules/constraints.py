"""Adding constraints to existing tables: validation scans, index builds, NOT VALID done right."""

from ..findings import CAUTION, POSTGRES
from ..locks import set_not_null_scans
from ..registry import Hit, rule
from ..syntax import AddColumn, AddConstraint, AlterTable, ColumnDef, Constraint, ValidateConstraint
from .wording import NO_TRANSACTION


def _added(statement: AlterTable, context, kinds: tuple[str, ...]) -> list[Constraint]:
    return [action.constraint for action in context.actions_on_existing_table(statement, AddConstraint)
            if action.constraint.kind in kinds]


def _added_columns(statement: AlterTable, context) -> list[ColumnDef]:
    return [action.column for action in context.actions_on_existing_table(statement, AddColumn)]


def _not_valid_steps(table: str, name: str, definition: str) -> str:
    return (f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition} NOT VALID;  -- new rows are checked at once, "
            "no scan\n"
            f"then, in a later migration: ALTER TABLE {table} VALIDATE CONSTRAINT {name};  -- scans, but reads and "
            "writes go on (SHARE UPDATE EXCLUSIVE)")


@rule(
    "add-foreign-key-validating", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AddConstraint, AddColumn),
    summary="FOREIGN KEY added to an existing table without NOT VALID",
    why="Adding the foreign key checks every existing row while holding SHARE ROW EXCLUSIVE locks on both tables: "
        "writes to the table and to the referenced table wait for the whole scan. A REFERENCES on a column added "
        "without a default is not flagged (squawk's adding-foreign-key-constraint does): every existing row holds "
        "NULL, so PostgreSQL checks nothing and the locks last a moment.",
    safe_alternative="ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID (no scan), then VALIDATE CONSTRAINT in a later "
                     "migration (it scans without blocking writes).",
)
def add_foreign_key_validating(statement: AlterTable, context):
    table = statement.name.written
    for constraint in _added(statement, context, ("foreign_key",)):
        if constraint.not_valid:
            continue
        name = constraint.name or f"{statement.name.last}_{'_'.join(constraint.columns)}_fkey"
        referenced = constraint.references.written if constraint.references else "the referenced table"
        yield Hit(f"FOREIGN KEY {name} checks every row of {table} while writes to {table} and {referenced} wait",
                  _not_valid_steps(table, name, constraint.definition))
    for column in _added_columns(statement, context):
        if column.references is not None and column.default is not None and not column.default.is_null:
            yield Hit(f"ADD COLUMN {table}.{column.name} with a default and REFERENCES {column.references.written} "
                      f"checks every row of {table} against it while writes to both tables wait",
                      f"ALTER TABLE {table} ADD COLUMN {column.name} {column.type.written if column.type else ''};\n"
                      + _not_valid_steps(table, f"{statement.name.last}_{column.name}_fkey",
                                         f"FOREIGN KEY ({column.name}) REFERENCES {column.references.written}")
                      + f"\nand SET DEFAULT {column.default.text} separately, then backfill in batches")


@rule(
    "add-check-validating", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AddConstraint, AddColumn),
    summary="CHECK added to an existing table without NOT VALID",
    why="Adding the CHECK scans every existing row while holding an ACCESS EXCLUSIVE lock: nothing can read or "
        "write the table until the scan ends.",
    safe_alternative="ADD CONSTRAINT ... CHECK (...) NOT VALID (no scan), then VALIDATE CONSTRAINT in a later "
                     "migration (it scans without blocking reads or writes).",
)
def add_check_validating(statement: AlterTable, context):
    table = statement.name.written
    for constraint in _added(statement, context, ("check",)):
        if constraint.not_valid:
            continue
        name = constraint.name or f"{statement.name.last}_check"
        yield Hit(f"CHECK constraint {name} scans every row of {table} under an ACCESS EXCLUSIVE lock",
                  _not_valid_steps(table, name, constraint.definition))
    for column in _added_columns(statement, context):
        if column.check:
            yield Hit(f"ADD COLUMN {table}.{column.name} with a CHECK scans every row of {table} under an ACCESS "
                      "EXCLUSIVE lock",
                      "add the column without the CHECK, then:\n"
                      + _not_valid_steps(table, f"{statement.name.last}_{column.name}_check", "CHECK (...)"))


@rule(
    "validate-in-same-transaction", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(ValidateConstraint,),
    summary="NOT VALID and VALIDATE CONSTRAINT in one transaction",
    why="The ADD ... NOT VALID lock (ACCESS EXCLUSIVE for a CHECK, SHARE ROW EXCLUSIVE for a foreign key) is held "
        "until the transaction ends, so the validation scan runs under it: NOT VALID gains nothing.",
    safe_alternative="VALIDATE CONSTRAINT in a later migration (or in a section marked transaction:false), so the "
                     "ADD's lock is released before the scan.",
)
def validate_in_same_transaction(statement: AlterTable, context):
    for action in statement.actions:
        if (isinstance(action, ValidateConstraint)
                and f"{statement.name.key}.{action.name}" in context.not_valid_constraints):
            yield Hit(f"VALIDATE CONSTRAINT {action.name} runs in the transaction that added it NOT VALID: the "
                      f"scan of {statement.name.written} happens while that ADD's lock is still held",
                      f"move ALTER TABLE {statement.name.written} VALIDATE CONSTRAINT {action.name}; into a later "
                      "migration")


@rule(
    "add-unique-constraint", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AddConstraint, AddColumn),
    summary="ADD UNIQUE / PRIMARY KEY not USING INDEX",
    why="The constraint builds its index while holding an ACCESS EXCLUSIVE lock: nothing can read or write the "
        "table during the build.",
    safe_alternative="CREATE UNIQUE INDEX CONCURRENTLY first (its own migration, transaction:false), then ADD "
                     "CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX), which takes a moment.",
)
def add_unique_constraint(statement: AlterTable, context):
    table, last = statement.name.written, statement.name.last
    for constraint in _added(statement, context, ("unique", "primary_key")):
        if constraint.using_index is not None:
            continue
        kind = "PRIMARY KEY" if constraint.kind == "primary_key" else "UNIQUE"
        name = constraint.name or f"{last}_{'_'.join(constraint.columns)}_{'pkey' if kind == 'PRIMARY KEY' else 'key'}"
        yield Hit(f"ADD {kind} on {table} builds its index under an ACCESS EXCLUSIVE lock", _unique_steps(
            table, name, kind, ", ".join(constraint.columns) or "..."))
    for column in _added_columns(statement, context):
        if column.unique or column.primary_key:
            kind = "PRIMARY KEY" if column.primary_key else "UNIQUE"
            yield Hit(f"ADD COLUMN {table}.{column.name} {kind} builds an index under an ACCESS EXCLUSIVE lock",
                      f"add the column without {kind}, then:\n"
                      + _unique_steps(table, f"{last}_{column.name}_key", kind, column.name))


def _unique_steps(table: str, name: str, kind: str, columns: str) -> str:
    return (f"CREATE UNIQUE INDEX CONCURRENTLY {name} ON {table} ({columns});  -- {NO_TRANSACTION}\n"
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {kind} USING INDEX {name};  -- brief lock, no build")


@rule(
    "add-exclusion-constraint", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AddConstraint,),
    summary="ADD CONSTRAINT ... EXCLUDE on an existing table",
    why="An exclusion constraint builds its index under an ACCESS EXCLUSIVE lock, and unlike UNIQUE it cannot be "
        "attached from an index built concurrently.",
    safe_alternative="Run it when the table can be unavailable for the build (measure the build on a copy), or "
                     "enforce the rule in the application until then.",
)
def add_exclusion_constraint(statement: AlterTable, context):
    for constraint in _added(statement, context, ("exclude",)):
        name = f" {constraint.name}" if constraint.name else ""
        yield Hit(f"EXCLUDE constraint{name} builds its index on {statement.name.written} under an ACCESS EXCLUSIVE "
                  "lock; there is no concurrent way to add it")


@rule(
    "primary-key-using-index-nullable", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(AddConstraint,),
    summary="ADD PRIMARY KEY USING INDEX on a column that is not yet NOT NULL",
    why="A primary key's columns must be NOT NULL: on a column that is not, ADD PRIMARY KEY USING INDEX runs an "
        "implicit SET NOT NULL, a full scan of the table under ACCESS EXCLUSIVE, which the index built "
        "concurrently was meant to avoid.",
    safe_alternative="Make the columns NOT NULL first without a scan (PostgreSQL 12+): ADD CONSTRAINT ... CHECK "
                     "(col IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, SET NOT NULL; then ADD PRIMARY KEY USING "
                     "INDEX.",
)
def primary_key_using_index_nullable(statement: AlterTable, context):
    table = statement.name.written
    for constraint in _added(statement, context, ("primary_key",)):
        if constraint.using_index is None:
            continue
        known = context.schema.table(statement.name)
        columns = known.indexes.get(constraint.using_index) if known else None
        if columns is None:
            nullable = None
        else:
            nullable = [column for column in columns
                        if set_not_null_scans(statement.name, column, context.schema, context.pg_version)]
            if not nullable:
                continue
        named = ", ".join(nullable) if nullable else f"the columns of {constraint.using_index}"
        steps = "\n".join(
            f"ALTER TABLE {table} ADD CONSTRAINT {statement.name.last}_{column}_not_null CHECK ({column} IS NOT NULL) "
            f"NOT VALID;\nALTER TABLE {table} VALIDATE CONSTRAINT {statement.name.last}_{column}_not_null;\n"
            f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;  -- no scan now"
            for column in (nullable or ["<column>"]))
        yield Hit(f"PRIMARY KEY USING INDEX {constraint.using_index} sets {named} NOT NULL, scanning {table} under an "
                  "ACCESS EXCLUSIVE lock" + ("" if nullable else " (unless they already are NOT NULL: the linter "
                                             "has not seen the index)"),
                  f"{steps}\nthen ALTER TABLE {table} ADD CONSTRAINT ... PRIMARY KEY USING INDEX "
                  f"{constraint.using_index};")
