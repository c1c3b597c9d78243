"""`migrate plan`: a plan for a goal in words, or for the pending migrations; it never changes the database."""

import argparse

from ..parser import seconds

NAME = "plan"
HELP = "plan without executing: a goal in words (expand-contract, API, infrastructure) or the pending migrations"

EPILOG = """database goals the planner recognises (names as table.column, "Quoted" where needed):
  rename users.email to email_address         change orders.total to numeric(12,2)
  rename table users to accounts              split users table into user_profiles moving bio, avatar
  move users.phone to contacts                merge user_profiles into users
  add not null column orders.status text      add foreign key orders.customer_id references customers.id
  add unique constraint on users.email        drop column users.legacy_flag / drop table audit_old
  add an index on orders.customer_id          make users.age not null
a column's table may also come as "on users", "in users" or --table users
other goals: "deprecate v1 endpoints" (api), "move to kubernetes" (infrastructure)"""


DRY_RUN_NOTE = ("--dry-run: a plan never changes anything (no database is written to, no file is made); only --write "
                "writes migration files, and --write --dry-run shows them instead.")


def add_arguments(parser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("goal", nargs="?", help="what should change, in words; without it, plan the pending migrations")
    parser.add_argument("--kind", choices=("database", "api", "infrastructure"), help="the goal's kind (default: from its words)")
    parser.add_argument("--rollback-plan", action="store_true", help="include the rollback plan: every down step in order")
    parser.add_argument("--write", action="store_true", help="write the database phases as migration files (expand, migrate, contract)")
    parser.add_argument("--dry-run", action="store_true",
                        help="with --write: show the files and their content, write nothing (a plan never executes anything)")
    names = parser.add_argument_group("names (instead of, or in addition to, the goal's words)")
    names.add_argument("--table", metavar="TABLE", help="the table (schema.table allowed)")
    names.add_argument("--column", metavar="COLUMN", help="the column")
    names.add_argument("--to", metavar="TARGET", help="the new name, the new type, or the target table, as the goal needs")
    names.add_argument("--columns", metavar="A,B", help="the columns to move or split off")
    names.add_argument("--type", metavar="TYPE",
                       help="the column's type (of a new column, or of an existing one the database cannot be asked about)")
    names.add_argument("--default", metavar="VALUE", help="the value a new NOT NULL column gets in existing rows")
    parser.add_argument("--transaction-age", type=seconds, default=60.0, metavar="SECONDS",
                        help="list transactions open longer than this in the checklist (default: 60)")
    parser.add_argument("--trace-url", metavar="URL",
                        help="pending migrations: run them with `migrate trace` on this empty scratch database and show "
                             "the locks, rewrites and scans observed there instead of the predicted ones")
    parser.add_argument("--data-check-timeout", type=seconds, default=5.0, metavar="SECONDS",
                        help="how long each count of rows that would break a new constraint may run (default: 5)")


def run(args, settings, out) -> int:
    if args.goal is None:
        return _plan_pending(args, settings, out)
    from ...plan.document import plan_document, plan_markdown
    from ...plan.goals import GoalRequest, migration_drafts, plan_goal
    from ...plan.model import DATABASE
    from ...plan.rollback_check import PLAN_VERIFY_LIMIT, with_rollback_verified
    from ... import operations

    if args.trace_url is not None:
        from ...errors import UsageError

        raise UsageError("--trace-url traces the pending migrations: use it without a goal",
                         hint="`migrate plan --trace-url URL` plans the pending migrations with their observed locks")
    request = GoalRequest(args.goal, args.kind, args.table, args.column, args.to, args.columns, args.type, args.default)
    plan = plan_goal(settings, request, rollback_plan=args.rollback_plan, transaction_seconds=args.transaction_age)
    if args.dry_run and not args.write:
        plan.notes.insert(0, DRY_RUN_NOTE)
    files = None
    if args.write:
        drafts = migration_drafts(plan)
        created = operations.create_many(settings, [(d.name, d.up, d.down) for d in drafts], dry_run=args.dry_run)
        files = [(settings.relative(path), text) for path, text in created]
    if plan.kind == DATABASE:
        plan.checklist = with_rollback_verified(plan.checklist, settings if args.write and not args.dry_run else None,
                                                limit=PLAN_VERIFY_LIMIT)
    if out.json_mode:
        out.document(plan_document(plan, files, written=args.write and not args.dry_run))
    else:
        out.raw(plan_markdown(plan, files, written=args.write and not args.dry_run))
    return 0


def _plan_pending(args, settings, out) -> int:
    from ...errors import UsageError
    from ...plan.document import pending_document, pending_markdown
    from ...plan.pending import plan_pending
    from ...plan.rollback_check import PLAN_VERIFY_LIMIT, with_rollback_verified

    given = [option for option in ("table", "column", "to", "columns", "type", "default", "kind")
             if getattr(args, option) is not None] + (["write"] if args.write else [])
    if given:
        raise UsageError(f"--{given[0].replace('_', '-')} needs a goal: migrate plan \"GOAL\" --{given[0]} ...",
                         hint="without a goal, plan plans the pending migrations")
    plan = plan_pending(settings, rollback_plan=args.rollback_plan, transaction_seconds=args.transaction_age,
                        data_check_seconds=args.data_check_timeout, trace_url=args.trace_url)
    # plan is read-only: it verifies on a private copy of the database only (SQLite's), and only the first pending
    # migrations; `migrate verify` does more.
    plan.checklist = with_rollback_verified(plan.checklist, settings, copy_only=True, limit=PLAN_VERIFY_LIMIT)
    if out.json_mode:
        out.document(pending_document(plan))
    else:
        out.raw(pending_markdown(plan))
    return 0
