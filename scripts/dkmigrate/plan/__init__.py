"""The planner: plans for a goal in words (expand-contract for database patterns, phased API and infrastructure
moves) and for the pending migrations, with the pre-migration checklist and the rollback plan. It reads the
live database through the adapters and never changes it; nothing here prints.

plan.goals plans a goal, plan.pending the pending migrations, plan.document presents either; a plan of the pending
migrations imports none of the goal patterns."""
