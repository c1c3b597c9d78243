"""Partitions and domains: statements that lock or check more than the table they name."""

from ..findings import CAUTION, POSTGRES
from ..registry import Hit, rule
from ..syntax import AlterDomain, AlterTable, OtherAction
from .wording import NO_TRANSACTION


@rule(
    "detach-partition-not-concurrently", CAUTION, dialects=(POSTGRES,), statements=(AlterTable,),
    actions=(OtherAction,),
    summary="ALTER TABLE ... DETACH PARTITION without CONCURRENTLY",
    why="DETACH PARTITION takes an ACCESS EXCLUSIVE lock on the partitioned table: every query on any partition "
        "waits for it, and it waits for every query already running there.",
    safe_alternative=f"DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14 and later), {NO_TRANSACTION}; it takes only "
                     "SHARE UPDATE EXCLUSIVE on the parent. If it is interrupted, finish it with DETACH PARTITION "
                     "... FINALIZE.",
)
def detach_partition_not_concurrently(statement: AlterTable, context):
    if context.is_new(statement.name):
        return
    for action in statement.actions:
        if isinstance(action, OtherAction) and action.words == "DETACH PARTITION":
            partition = action.target.written if action.target else "the partition"
            if context.pg_version >= 14:
                alternative = (f"ALTER TABLE {statement.name.written} DETACH PARTITION {partition} CONCURRENTLY;\n"
                               f"{NO_TRANSACTION}.")
            else:
                alternative = (f"PostgreSQL {context.pg_version} has no DETACH PARTITION CONCURRENTLY (14 and later "
                               "do): set a short lock_timeout and detach when the table is quiet")
            yield Hit(f"DETACH PARTITION {partition} locks {statement.name.written} ACCESS EXCLUSIVE: queries on every "
                      "partition wait", alternative)


@rule(
    "add-domain-constraint-validating", CAUTION, dialects=(POSTGRES,), statements=(AlterDomain,),
    summary="ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID",
    why="Adding a constraint to a domain checks every value of every column of every table that uses the domain, "
        "holding a lock on each of those tables for the whole scan. Creating a domain with a CHECK costs "
        "nothing (squawk's ban-create-domain-with-constraint flags it): only adding one later scans.",
    safe_alternative="ALTER DOMAIN ... ADD CONSTRAINT ... NOT VALID (new values are checked at once, no scan), then "
                     "ALTER DOMAIN ... VALIDATE CONSTRAINT in a later migration.",
)
def add_domain_constraint_validating(statement: AlterDomain, context):
    constraint = statement.constraint
    if constraint is None or constraint.not_valid:
        return
    name = constraint.name or f"{statement.name.last}_check"
    yield Hit(f"ADD CONSTRAINT on domain {statement.name.written} checks every column that uses it, in every table, "
              "under lock",
              f"ALTER DOMAIN {statement.name.written} ADD CONSTRAINT {name} {constraint.definition} NOT VALID;\n"
              f"then, in a later migration: ALTER DOMAIN {statement.name.written} VALIDATE CONSTRAINT {name};")
