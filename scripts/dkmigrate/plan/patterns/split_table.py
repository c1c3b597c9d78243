"""split-table, move-columns and merge-tables: columns change tables while both places stay in sync."""

from ...errors import UsageError
from ..identifiers import Name, TableName
from ..registry import Built, Context, Slots, register
from . import column_move


@register(
    "split-table", "split columns off a table into a new one", "split users table into user_profiles moving bio, avatar",
    intent=r"^split\b",
    forms=[
        r"split (?:the )?(?:table )?(?P<table>.+?)(?: table)? (?:into|to) (?P<new_table>.+?) (?:moving|with) (?:the )?(?:columns? )?(?P<columns>.+)",
        r"split (?:the )?(?:table )?(?P<table>.+?)(?: table)? (?:into|to) (?P<new_table>.+)",
        r"split (?:the )?table (?P<table>.+)",
        r"split (?:the )?(?P<table>.+?)(?: table)?",
    ],
    to_slot="new_table",
)
def split_table(slots: Slots, ctx: Context) -> Built:
    source = ctx.need_table(slots.table)
    if slots.new_table is not None:
        target = TableName(source.schema, slots.new_table.name)
    else:
        target = TableName(source.schema, ctx.missing("new table", "name it in the goal (... into NAME) or with --to"))
    columns, types = column_move.columns_to_move(ctx, source, slots.columns)
    facts = ctx.table_facts(source)
    if facts is not None and ctx.facts.knows(target.key) and ctx.facts.table(target.key) is not None:
        raise UsageError(f"table {target} already exists: to move columns into it, say \"move {source}.COLUMN to {target}\"")
    key = ctx.primary_key(source)
    if any(name.text in {k.text for k in key} for name in columns):
        raise UsageError(f"the primary key of {source} stays where it is: it links the two tables")
    target_key = [Name(f"{_singular(source.name.text)}_{key[0].text}")] if len(key) == 1 else list(key)
    move = column_move.Move(source, target, columns, types, key, target_key, True, facts)
    return Built(
        f"Split {', '.join(map(str, columns))} off {source} into a new table {target} (one row per {source} row, keyed "
        f"by its primary key), by expand-contract: both places stay in sync until the old columns are dropped.",
        column_move.phases(ctx, move),
    )


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 1:
        return word[:-1]
    return word


@register(
    "merge-tables", "merge a child table's columns into its parent", "merge user_profiles into users",
    intent=r"^merge\b",
    forms=[
        r"merge (?:the )?(?:table )?(?P<table>.+?)(?: table)? (?:into|with) (?:the )?(?:table )?(?P<target_table>.+?)(?: table)?",
    ],
    to_slot="target_table",
)
def merge_tables(slots: Slots, ctx: Context) -> Built:
    source = ctx.need_table(slots.table)
    target = slots.target_table or TableName(None, ctx.missing("table to merge into", "name it in the goal (... into NAME) or with --to"))
    source_key, target_key = column_move.link(ctx, source, target)
    facts = ctx.table_facts(source)
    names = slots.columns
    if not names and facts is not None:
        keys = {k.text for k in source_key} | set(facts.primary_key)
        names = [Name(c.name) for c in facts.columns if c.name not in keys]
    columns, types = column_move.columns_to_move(ctx, source, names)
    move = column_move.Move(source, target, columns, types, source_key, target_key, False, facts)
    built = column_move.phases(ctx, move)
    ctx.notes.append(f"After CONTRACT {source} holds only its keys: drop it with "
                     f"`migrate plan \"drop table {source}\"` once nothing reads it.")
    return Built(f"Merge {', '.join(map(str, columns))} of {source} into {target} by expand-contract.", built)


@register(
    "move-columns", "move columns to another existing table", "move users.phone to contacts",
    intent=r"^move\b.*\S\.\S|^move\s+(?:the\s+)?columns?\b",
    forms=[
        r"move (?:the )?(?:columns? )?(?P<columns>.+?) (?:from|of) (?:the )?(?:table )?(?P<table>.+?) (?:to|into) (?:the )?(?:table )?(?P<target_table>.+)",
        r"move (?:the )?(?:columns? )?(?P<column_refs>.+?) (?:to|into) (?:the )?(?:table )?(?P<target_table>.+)",
        r"move (?:the )?columns?",
    ],
    to_slot="target_table",
)
def move_columns(slots: Slots, ctx: Context) -> Built:
    source = ctx.need_table(slots.table)
    target = slots.target_table or TableName(None, ctx.missing("target table", "name it in the goal (... to TABLE) or with --to"))
    source_key, target_key = column_move.link(ctx, source, target)
    columns, types = column_move.columns_to_move(ctx, source, slots.columns)
    move = column_move.Move(source, target, columns, types, source_key, target_key, False, ctx.table_facts(source))
    return Built(f"Move {', '.join(map(str, columns))} from {source} to {target} by expand-contract, matching rows "
                 "through the foreign key between them.", column_move.phases(ctx, move))
