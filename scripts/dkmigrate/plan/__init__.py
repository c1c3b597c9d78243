"""The planner: plans for a goal in words (expand-contract for database patterns, phased API and infrastructure
moves) and for the pending migrations, with the pre-migration checklist and the rollback plan. It reads the
live database through the adapters and never changes it; nothing here prints."""

from .goals import GoalRequest, migration_drafts, plan_goal
from .model import Plan

__all__ = ["GoalRequest", "Plan", "migration_drafts", "plan_goal"]
