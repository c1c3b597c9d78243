"""rename-column: users.email becomes users.email_address while old and new application versions run."""

from ..model import DEPLOY, Phase
from ..registry import Built, Context, Slots, register
from . import column_copy


@register(
    "rename-column", "rename a column", "rename users.email to email_address",
    intent=r'^rename\s+(?:(?:a|the)\s+)?(?:column\b|[^\s.]+\.|"[^"]*"\.|`[^`]*`\.)'
           r"|^rename\s+\S+\s+to\s+\S+\s+(?:in|on|of)\s",
    forms=[
        r"rename (?:the )?column (?P<column>.+?) (?:in|on|of) (?:the )?(?:table )?(?P<table>.+?)(?: table)? to (?P<new_column>.+)",
        r"rename (?:the )?(?:column )?(?P<column_ref>\S+?) (?:column )?to (?P<new_column>\S+) (?:in|on|of) (?:the )?(?:table )?(?P<table>\S+?)(?: table)?",
        r"rename (?:the )?(?:column )?(?P<column_ref>.+?) (?:column )?to (?P<new_column>.+)",
        # the new name from --to
        r"rename (?:the )?column (?P<column>\S+?) (?:in|on|of) (?:the )?(?:table )?(?P<table>\S+?)(?: table)?",
        r"rename (?:the )?column (?P<column_ref>\S+)",
        r"rename (?P<column_ref>[^\s.]+\.[^\s.]+)",
    ],
    to_slot="new_column",
)
def rename_column(slots: Slots, ctx: Context) -> Built:
    table = ctx.need_table(slots.table)
    old = slots.column or ctx.missing("column to rename", "name it in the goal (table.column) or with --column")
    new = slots.new_column or ctx.missing("new column name", "name it in the goal (... to NAME) or with --to")
    old_facts = ctx.column_facts(table, old)
    column_type = ctx.column_type(table, old, slots.type)
    copy = column_copy.ColumnCopy(table, old, new, column_type, column_type, swap=False, old_facts=old_facts,
                                  table_facts=ctx.table_facts(table))
    column_copy.refuse_keys(ctx, copy, "rename")
    deploy = Phase(
        DEPLOY, f"switch the application to {new}",
        [f"Release the application version that reads and writes {new} instead of {old} (ORM mappings, raw SQL, "
         "reports, background jobs, anything that names the column).",
         "Old instances may keep running during the rollout: the trigger copies their writes into the new column.",
         f"Wait until no old instance, job or consumer reads {old} any more before CONTRACT."],
        verify=["No running instance of the previous version (deploy status shows the new version everywhere).",
                f"No query names {old} any more (pg_stat_statements, the slow-query log, or the application's logs)."],
        rollback=["Redeploy the previous version: both columns still hold the same values in every row."],
    )
    return Built(
        f"Rename {table}.{old} to {new} by expand-contract: a synchronised copy, then the switch, then the drop.",
        column_copy.phases(ctx, copy, deploy),
    )
