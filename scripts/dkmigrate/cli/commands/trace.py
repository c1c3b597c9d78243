from ..parser import add_lock_wait

NAME = "trace"
HELP = ("run the pending migrations where it cannot hurt and show what each statement really did: locks, rewrites, "
        "scans, durations, beside the linter's prediction")


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="trace these pending migration files only (the pending ones before them run untraced)")
    parser.add_argument("--scratch-url", metavar="URL",
                        help="an empty database of the same engine to trace on (it is left with what trace built)")
    add_lock_wait(parser)


def run(args, settings, out) -> int:
    from ...trace import trace
    from .migration_run import ProgressListener

    report = trace(settings, files=args.files, scratch_url=args.scratch_url,
                   listener=ProgressListener(out, False, settings))
    if out.json_mode:
        out.document(document(settings, report))
    else:
        out.line(text(report))
    return 1 if report.failed else 0


def document(settings, report) -> dict:
    return {
        "database": settings.url.masked,
        "environment": settings.environment,
        "dialect": settings.url.dialect,
        "where": report.where,
        "rolled_back": report.rolled_back,
        "migrations": [
            {"version": traced.migration.version, "name": traced.migration.name,
             "file": settings.relative(traced.migration.up.file), "transaction": traced.transaction,
             "duration_ms": traced.duration_ms, "error": traced.error,
             "statements": [_statement(step) for step in traced.statements],
             "access_exclusive": [{"table": hold.table, "line": hold.line, "held_ms": hold.held_ms}
                                  for hold in traced.exclusive]}
            for traced in report.migrations],
        "not_traced": [migration.version for migration in report.not_traced],
        "notes": report.notes,
        "summary": summary(report),
    }


def _statement(step) -> dict:
    seen = step.observation
    predicted = step.predicted
    return {
        "line": step.line, "sql": step.sql,
        "duration_ms": seen.duration_ms if seen else None,
        "locks": [{"table": table, "mode": mode} for table, mode in seen.locks] if seen else [],
        "rewrote": list(seen.rewrote) if seen else [],
        "scanned": list(seen.scanned) if seen else [],
        "rows": seen.rows if seen and seen.rows >= 0 else None,
        "held_before": [{"table": table, "mode": mode} for table, mode in seen.held] if seen else [],
        "runs_under": step.runs_under,
        "predicted": {"lock": predicted.lock, "rewrites": predicted.rewrites, "scans": predicted.scans}
        if predicted else None,
        "disagreements": step.disagreements,
        "error": step.error,
    }


def summary(report) -> dict:
    steps = report.statements
    return {"migrations": len(report.migrations), "statements": len(steps),
            "rewrites": sum(1 for step in steps if step.observation and step.observation.rewrote),
            "access_exclusive": sum(1 for step in steps if step.exclusive),
            "disagreements": sum(len(step.disagreements) for step in steps),
            "failed": sum(1 for step in steps if step.error)}


def text(report) -> str:
    from ...excerpts import sql_excerpt

    if not report.migrations:
        return "Nothing to trace: no migration is pending."
    lines = [f"Traced {report.where}:"]
    for traced in report.migrations:
        how = "in one transaction" if traced.transaction else "outside a transaction"
        lines.append(f"  {traced.migration.label} ({how}, {_ms(traced.duration_ms)})")
        for step in traced.statements:
            lines.append(f"    line {step.line}: {sql_excerpt(step.sql, 100)}")
            if step.error:
                lines.append(f"      FAILED: {step.error}")
                continue
            seen = step.observation
            facts = [_ms(seen.duration_ms)]
            if seen.locks:
                facts.append("locks " + ", ".join(f"{mode} on {table}" for table, mode in seen.locks))
            elif seen.held:
                facts.append("no new lock (the transaction already holds "
                             + ", ".join(f"{mode} on {table}" for table, mode in seen.held) + ")")
            if seen.rewrote:
                facts.append("rewrote " + ", ".join(seen.rewrote))
            if seen.scanned:
                facts.append("scanned " + ", ".join(seen.scanned))
            lines.append(f"      {' · '.join(facts)}")
            lines += [f"      differs from the linter: {line}" for line in step.disagreements]
        for hold in traced.exclusive:
            until = "the end of the transaction" if traced.transaction else "the end of the statement"
            lines.append(f"    ACCESS EXCLUSIVE on {hold.table} held {_ms(hold.held_ms)} (from line {hold.line} "
                         f"to {until})")
    for migration in report.not_traced:
        lines.append(f"  {migration.label}  not traced (an earlier statement failed)")
    lines += [f"note: {note}" for note in report.notes]
    counts = summary(report)
    lines.append(f"{counts['statements']} statements: {counts['rewrites']} rewrote a table, "
                 f"{counts['access_exclusive']} ran under ACCESS EXCLUSIVE, {counts['disagreements']} "
                 f"disagreement{'' if counts['disagreements'] == 1 else 's'} with the linter"
                 + (f", {counts['failed']} failed." if counts["failed"] else "."))
    return "\n".join(lines)


def _ms(milliseconds: float) -> str:
    return f"{milliseconds:.1f} ms"
