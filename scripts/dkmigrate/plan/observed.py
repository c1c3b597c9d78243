"""`plan --trace-url`: the pending migrations' locks, rewrites and scans as `migrate trace` observed them on a
scratch database, in place of the linter's prediction."""

from ..config import Settings
from ..errors import DatabaseError


def observe(settings: Settings, planned: list, trace_url: str) -> str:
    """Traces the pending migrations on trace_url and gives each planned statement its observation; returns where
    they ran, in words. A statement that failed there is a DatabaseError (exit 1)."""
    from ..trace import trace

    report = trace(settings, scratch_url=trace_url)
    seen = {(traced.migration.version, step.line): step for traced in report.migrations for step in traced.statements}
    for migration in planned:
        for statement in migration.statements:
            step = seen.get((migration.migration.version, statement.analysis.line))
            if step is not None and step.error:
                raise DatabaseError(f"tracing {migration.migration.label} on {report.where}: line {step.line} "
                                    f"failed: {step.error}")
            if step is not None:
                statement.observed = step
    return report.where
