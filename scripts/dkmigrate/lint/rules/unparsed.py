"""Statements the linter could not read: reported, never passed over in silence."""

from ...engines import engine
from ..findings import CAUTION
from ..parser.known import ALTER_COLUMN_ACTIONS, ALTER_TABLE_ACTIONS
from ..registry import Hit, rule
from ..syntax import AlterTable, OtherAction, Unparsed


@rule(
    "unparsed-statement", CAUTION, statements=(Unparsed, AlterTable),
    summary="a statement the linter could not read (a typo, or SQL it does not know)",
    why="A statement the linter cannot read is not checked by any rule: a typo such as ALTER TABEL fails when "
        "the migration runs, and SQL the linter does not know may lock or rewrite a table without a word.",
    safe_alternative="Correct the statement; if it is valid SQL the linter does not know, review its locks by hand "
                     "and allow it: -- migrate:allow unparsed-statement <what it does and why it is safe>.",
)
def unparsed_statement(statement, context):
    if isinstance(statement, Unparsed):
        yield Hit(f"the linter could not read this statement ({statement.reason}: {statement.verb!r}), so no rule "
                  "checked it")
        return
    if "alter-actions-known" not in engine(context.dialect).grammar:  # the ALTER TABLE actions it lists
        return
    for action in statement.actions:
        if isinstance(action, OtherAction) and _unknown(action.words.split()):
            yield Hit(f"the linter could not read the ALTER TABLE action {action.words!r}, so no rule checked it")


def _unknown(words: list[str]) -> bool:
    if not words or words[0] not in ALTER_TABLE_ACTIONS:
        return True
    return words[:2] == ["ALTER", "COLUMN"] and (len(words) < 3 or words[2] not in ALTER_COLUMN_ACTIONS)
