"""Whole migrations: can they be rolled back, and does rolling back restore what the up removed?"""

from ..findings import CAUTION
from ..registry import MIGRATION, Hit, rule


@rule(
    "missing-down", CAUTION, scope=MIGRATION,
    summary="a migration with no down section",
    why="`migrate down` refuses to roll back a migration without a down section, so a bad deploy cannot be undone "
        "with the tool.",
    safe_alternative="Add a down section (`-- migrate:down`, a .down.sql file, a Flyway U file) that reverses the "
                     "up; if nothing can be reversed, an empty down section says so and lets rollbacks pass.",
)
def missing_down(facts):
    if not facts.has_down:
        yield Hit("this migration has no down section: `migrate down` refuses to roll it back")


@rule(
    "irreversible-down", CAUTION, scope=MIGRATION,
    summary="a down that cannot restore what the up removed (the up drops a column or table)",
    why="Rolling back can recreate a dropped column or table, but not the data that was in it: after the down, the "
        "schema is back and the data is not.",
    safe_alternative="Keep the data until the change is proven: rename the column or table aside instead of "
                     "dropping it (or copy it out), and drop it in a later migration.",
)
def irreversible_down(facts):
    if not facts.has_down:
        return
    for removal in facts.removals:
        yield Hit(f"the up drops {removal.what}: rolling back cannot bring its data back", line=removal.line,
                  statement=removal.statement)
