"""MySQL and MariaDB: table copies, and DDL that cannot be rolled back as a unit."""

from ..coercion import mysql_changes_type
from ..findings import CAUTION, MYSQL
from ..registry import Hit, rule
from ..syntax import AddColumn, AddConstraint, AlterTable, DropColumn, ModifyColumn, OtherAction, RenameTable

_ONLINE_ALGORITHMS = ("INPLACE", "INSTANT", "NOCOPY")

# Column changes the server makes by changing the table's metadata alone (ALGORITHM=INSTANT), and since which
# versions: dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html (column operations) and
# mariadb.com/kb/en/innodb-online-ddl-operations-with-the-instant-alter-algorithm.
_INSTANT = {
    AddColumn: "MySQL 8.0.12+ adds a column last instantly, 8.0.29+ anywhere; MariaDB 10.3+ last, 10.4+ anywhere",
    DropColumn: "MySQL 8.0.29+ and MariaDB 10.4+ drop a column instantly",
}


def _instant(statement: AlterTable) -> list[str]:
    """What makes every action of the ALTER instant, where each can be (an added column that needs no values
    computed for the rows: not AUTO_INCREMENT, not a stored generated column); [] otherwise."""
    kinds = {type(action) for action in statement.actions}
    if not statement.actions or not kinds <= _INSTANT.keys():
        return []
    if any(isinstance(action, AddColumn) and (action.column.auto_increment or action.column.generated == "stored")
           for action in statement.actions):
        return []
    return [_INSTANT[kind] for kind in _INSTANT if kind in kinds]


def _copy_reason(statement: AlterTable, context) -> str | None:
    """Why the ALTER needs ALGORITHM=COPY, if it does."""
    adds_primary_key = any(isinstance(action, AddConstraint) and action.constraint.kind == "primary_key"
                           for action in statement.actions)
    for action in statement.actions:
        if isinstance(action, ModifyColumn):
            known = context.schema.column(statement.name, action.old_name or action.column.name)
            if known and known.type and action.column.type and mysql_changes_type(known.type, action.column.type):
                return f"it changes the type of {action.old_name or action.column.name}"
        elif isinstance(action, OtherAction) and action.words.startswith("CONVERT TO"):
            return "it converts the table's character set"
        elif isinstance(action, OtherAction) and action.words == "DROP PRIMARY" and not adds_primary_key:
            return "it drops the primary key without adding another"
    return None


@rule(
    "mysql-table-copy", CAUTION, dialects=(MYSQL,), statements=(AlterTable,),
    summary="(MySQL/MariaDB) an ALTER that needs ALGORITHM=COPY, or that states no ALGORITHM/LOCK",
    why="A table copy blocks every write to the table until it ends; an ALTER that states no ALGORITHM is copied "
        "silently whenever MySQL cannot make the change in place.",
    safe_alternative="State ALGORITHM=INPLACE, LOCK=NONE (or ALGORITHM=INSTANT): MySQL then refuses a change it "
                     "cannot make online instead of copying. For a change that needs a copy, use an online schema "
                     "change tool (gh-ost, pt-online-schema-change).",
)
def mysql_table_copy(statement: AlterTable, context):
    if context.is_new(statement.name) or statement.algorithm in _ONLINE_ALGORITHMS:
        return
    if statement.actions and all(isinstance(action, RenameTable) for action in statement.actions):
        return  # a rename is always instant
    table = statement.name.written
    if statement.algorithm == "COPY":
        yield Hit(f"ALTER TABLE {table} states ALGORITHM=COPY: the table is copied while writes wait")
    elif (reason := _copy_reason(statement, context)) is not None:
        yield Hit(f"ALTER TABLE {table} needs a table copy (ALGORITHM=COPY): {reason}; writes wait for the whole "
                  "copy")
    elif instant := _instant(statement):
        yield Hit(f"ALTER TABLE {table} states no ALGORITHM/LOCK: {'; '.join(instant)} (ALGORITHM=INSTANT, the "
                  "table's metadata alone), but an older server copies the table while writes wait, without a word",
                  f"{context.statement_text.rstrip().rstrip(';')}, ALGORITHM=INSTANT\n(a server that cannot make it "
                  "instantly then refuses it instead of copying the table: use ALGORITHM=INPLACE, LOCK=NONE there)")
    elif any(isinstance(action, AddColumn) and action.column.auto_increment for action in statement.actions):
        yield Hit(f"ALTER TABLE {table} adds an AUTO_INCREMENT column and states no ALGORITHM/LOCK: numbering the "
                  "rows rebuilds the table, and writes wait for it even in place (LOCK=NONE is refused)",
                  f"{context.statement_text.rstrip().rstrip(';')}, ALGORITHM=INPLACE, LOCK=SHARED\n(reads go on; "
                  "on a large table, run it when writes can wait, or use gh-ost / pt-online-schema-change)")
    else:
        yield Hit(f"ALTER TABLE {table} states no ALGORITHM/LOCK: if MySQL cannot make the change in place it "
                  "copies the table while writes wait, without a word",
                  f"{context.statement_text.rstrip().rstrip(';')}, ALGORITHM=INPLACE, LOCK=NONE")


@rule(
    "mysql-multiple-ddl", CAUTION, dialects=(MYSQL,),
    summary="(MySQL/MariaDB) more than one DDL statement in one migration (cannot be rolled back as a unit)",
    why="MySQL commits each DDL statement on its own: if a later statement fails, the earlier ones stay applied and "
        "the migration is left half done (dk migrate marks it dirty).",
    safe_alternative="One DDL statement per migration; several changes to one table can share one ALTER TABLE.",
)
def mysql_multiple_ddl(statement, context):
    if context.ddl_statements == 2 and context.statement_is_ddl:
        yield Hit("a second DDL statement in this migration: MySQL commits each one, so if this or a later one "
                  "fails, the ones before it stay applied and the migration is half done")
