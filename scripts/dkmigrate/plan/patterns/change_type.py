"""change-column-type: orders.total becomes numeric(12,2) without a table rewrite under an exclusive lock."""

from ..identifiers import Name, derived_name
from ..model import DEPLOY, Phase
from ..registry import Built, Context, Slots, register
from . import column_copy


@register(
    "change-column-type", "change a column's type", "change orders.total to numeric(12,2)",
    intent=r"^(?:change|alter|convert)\b.*\btype\b|^(?:change|alter|convert)\s+(?:the\s+)?(?:column\s+)?\S*\.\S*\s+(?:to|into)\b",
    forms=[
        r"(?:change|alter|convert) (?:the )?(?:column )?type of (?:the )?(?:column )?(?P<column_ref>.+?) (?:to|into) (?:type )?(?P<new_type>.+)",
        r"(?:change|alter|convert) (?:the )?(?:column )?(?P<column_ref>.+?) (?:column )?(?:type )?(?:to|into) (?:type )?(?P<new_type>.+)",
        r"(?:change|alter|convert) (?:the )?(?:column )?type of (?:the )?(?:column )?(?P<column_ref>\S+)",  # type: --to
    ],
    to_slot="new_type",
)
def change_column_type(slots: Slots, ctx: Context) -> Built:
    table = ctx.need_table(slots.table)
    column = slots.column or ctx.missing("column to change", "name it in the goal (table.column) or with --column")
    new_type = slots.new_type or ctx.missing("new type", "name it in the goal (... to TYPE) or with --to").text
    old_facts = ctx.column_facts(table, column)
    old_type = ctx.column_type(table, column, slots.type)
    copy = column_copy.ColumnCopy(table, column, Name(derived_name(column.text, suffix="new")), new_type, old_type,
                                  swap=True, old_facts=old_facts, table_facts=ctx.table_facts(table))
    column_copy.refuse_keys(ctx, copy, "change the type of")
    deploy = Phase(
        DEPLOY, f"use {column} as {new_type}",
        [f"Until CONTRACT the application keeps using {column} as it is: write only values {old_type} can hold "
         "(the trigger copies them into the new column).",
         f"After CONTRACT {column} is {new_type}: reload the application's schema cache (ORMs that read column types "
         "at start-up need a restart), then release code that relies on the new type."],
        verify=[f"The application reads and writes {column} without type errors (logs, error tracker)."],
        rollback=[f"Redeploy the previous version; to go back to {old_type}, roll back CONTRACT first."],
    )
    return Built(
        f"Change {table}.{column} from {old_type} to {new_type} by expand-contract: a synchronised copy of the "
        "new type, backfilled in batches, then swapped in under the old name in one short transaction.",
        column_copy.phases(ctx, copy, deploy),
    )
