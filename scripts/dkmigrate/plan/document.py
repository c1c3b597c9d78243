"""A plan as the JSON of design section 6, and as Markdown through templates/plan.md.j2."""

from dataclasses import asdict

from ..rendering import render
from .facts import LiveFacts
from .identifiers import TableName, comment, show_placeholders
from .model import DATABASE, Plan


def plan_document(plan: Plan, files: list[tuple[str, str]] | None = None, written: bool = False) -> dict:
    """The JSON of design section 6; "migrations" holds the files --write would make, once every name is known."""
    return _shown(_goal_document(plan, files, written))


def _shown(value):
    """The document with every placeholder written as <what>."""
    if isinstance(value, str):
        return show_placeholders(value)
    if isinstance(value, list):
        return [_shown(item) for item in value]
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in value.items()}
    return value


def _goal_document(plan: Plan, files: list[tuple[str, str]] | None, written: bool) -> dict:
    from .goals import migration_drafts  # the goal patterns: a plan of the pending migrations needs none of them

    drafts = migration_drafts(plan) if plan.kind == DATABASE and plan.pattern and plan.complete else []
    document = {
        "kind": plan.kind,
        "goal": plan.goal,
        "pattern": plan.pattern,
        "dialect": plan.dialect,
        "summary": plan.summary,
        "phases": [
            {"name": phase.name, "title": phase.title, "steps": phase.steps, "sql": phase.sql,
             "verify": phase.verify, "rollback": phase.rollback, "transaction": phase.transaction,
             "rollback_loses_data": phase.rollback_loses_data}
            for phase in plan.phases
        ],
        "migrations": [{"name": draft.name, "up": draft.up, "down": draft.down} for draft in drafts],
        "fill_in": plan.fill_in,
        "notes": plan.notes,
        "live": facts_document(plan.facts),
        "checklist": [asdict(item) for item in plan.checklist],
    }
    if plan.rollback_plan is not None:
        document["rollback_plan"] = asdict(plan.rollback_plan)
    if files is not None:
        document["files"] = [{"path": path, "content": content, "written": written} for path, content in files]
    return document


def facts_document(facts: LiveFacts | None) -> dict | None:
    if facts is None:
        return None
    return {
        "database": facts.database,
        "available": facts.live,
        "reason": facts.unavailable,
        "server": facts.server.version if facts.server else None,
        "tables": [
            {"table": f"{schema}.{name}" if schema else name, "exists": table is not None,
             "rows": table.rows if table else None, "rows_exact": table.rows_exact if table else None,
             "bytes": table.bytes if table else None,
             "columns": [asdict(column) for column in table.columns] if table else [],
             "indexes": [index.definition for index in table.indexes] if table else []}
            for (schema, name), table in facts.tables.items()
        ],
    }


def plan_markdown(plan: Plan, files: list[tuple[str, str]] | None = None, written: bool = False) -> str:
    text = render("plan.md.j2", plan=plan, sql_plan=plan.kind == DATABASE and plan.pattern is not None,
                  live=facts_document(plan.facts), files=files or [], written=written,
                  rows=human_rows, size=human_bytes, script=sql_script)
    return show_placeholders(tidy_markdown(text))


def tidy_markdown(text: str) -> str:
    """One blank line at most between blocks, outside code blocks; one newline at the end."""
    lines, blank, fenced = [], False, False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not line.strip() and not fenced:
            if blank:
                continue
            blank = True
        else:
            blank = False
        lines.append(line.rstrip() if not fenced else line)
    return "\n".join(lines).strip("\n") + "\n"


def human_rows(rows: int | None, exact: bool = False) -> str:
    if rows is None:
        return "unknown"
    prefix = "" if exact else "~"
    for limit, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if rows >= limit:
            return f"{prefix}{rows / limit:.{0 if rows >= 10 * limit else 1}f}{unit}"
    return f"{prefix}{rows}"


def human_bytes(size: int | None) -> str:
    if size is None:
        return "unknown"
    for limit, unit in ((1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if size >= limit:
            return f"{size / limit:.1f} {unit}"
    return f"{size} B"


def pending_document(plan) -> dict:
    return {
        "kind": "database",
        "goal": None,
        "pattern": None,
        "dialect": plan.dialect,
        "database": plan.database,
        "pg_version": plan.pg_version,
        "traced": plan.traced,
        "phases": [],
        "migrations": [
            {"version": planned.migration.version, "name": planned.migration.name, "file": planned.file,
             "risk": planned.risk, "transaction": planned.transaction,
             "transaction_reason": planned.transaction_reason, "has_down": planned.has_down, "tables": planned.tables,
             "findings": [finding._asdict() for finding in planned.findings],
             "statements": [
                 {"line": s.analysis.line, "sql": s.text, "tables": s.tables, "risk": s.analysis.risk,
                  "lock": s.lock, "rewrites": s.rewrites, "scans": s.scans, "lock_source": s.lock_source,
                  "impact": s.impact, "findings": [finding._asdict() for finding in s.analysis.findings]}
                 for s in planned.statements]}
            for planned in plan.migrations
        ],
        "live": facts_document(plan.facts),
        "checklist": [asdict(item) for item in plan.checklist],
        "data_checks": [{"statement": r.check.label, "requirement": r.check.requirement, "counts": r.check.what,
                         "count": r.count, "examples": list(r.examples), "skipped": r.skipped,
                         "query": r.check.count_sql} for r in plan.data_checks],
        **({"rollback_plan": asdict(plan.rollback_plan)} if plan.rollback_plan is not None else {}),
    }


def pending_markdown(plan) -> str:
    keys = {name.written: TableName.of(name, plan.dialect).key for planned in plan.migrations for statement in planned.statements
            for name in statement.analysis.table_names}

    def table_facts(written: str):
        """The live facts of a table a statement names, looked up as the linter parsed it."""
        return plan.facts.table(keys[written]) if plan.facts.live and written in keys else None

    return tidy_markdown(render("pending_plan.md.j2", plan=plan, live=facts_document(plan.facts), script=sql_script,
                                rows=human_rows, size=human_bytes, table_facts=table_facts, risk_word=risk_word))


def risk_word(severity: str) -> str:
    """The seed's words for a statement's risk: Safe, Caution, Risky (and Error for one that will fail)."""
    return severity.capitalize()


def sql_script(statements: list[str], allow: dict[str, list[tuple[str, str]]] | None = None) -> str:
    """Statements as a script: each ended by a semicolon (a comment needs none), a blank line around long ones,
    and the `-- migrate:allow` comments of `allow` above their statements. A comment is one line, whatever it
    quotes."""
    parts: list[str] = []
    for statement in statements:
        is_comment = statement.lstrip().startswith("--")
        text = comment(statement.lstrip()[2:].lstrip()) if is_comment else f"{statement};"
        allowed = (allow or {}).get(statement, [])
        text = "".join(comment(f"migrate:allow {rule} {reason}") + "\n" for rule, reason in allowed) + text
        if parts:
            parts.append("\n\n" if "\n" in text or "\n" in parts[-1] else "\n")
        parts.append(text)
    return "".join(parts)
