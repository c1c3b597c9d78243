"""The seed's pre-migration checklist, each item ok, fail or manual with the evidence behind it."""

from ..adapters.base import SessionFacts
from ..engines import engine
from ..excerpts import sql_excerpt
from .facts import LiveFacts, TableKey
from .model import API, FAIL, MANUAL, OK, ChecklistItem

REPLICA_LAG_LIMIT_SECONDS = 10.0


def checklist(facts: LiveFacts | None, tables: list[TableKey], lock_timeout: tuple[str, str],
              rehearsal: str, data: ChecklistItem | None = None) -> list[ChecklistItem]:
    """The database checklist. facts None: the database could not be asked (only the manual items apply).
    lock_timeout: the (status, detail) of "lock_timeout set for risky statements", which the caller knows.
    rehearsal: how to apply it to a staging copy (see staging_rehearsal)."""
    items = [
        ChecklistItem("Backup of the database (production)", MANUAL,
                      "take a backup and prove it restores (a snapshot, pg_dump, or point-in-time recovery); "
                      "backups are out of this tool's sight"),
        ChecklistItem("Migration tested in staging", MANUAL,
                      f"apply it to a staging copy with production-like data ({rehearsal}), "
                      "with the application running against it"),
        ChecklistItem("Rollback verified", MANUAL,
                      "run `migrate verify`: each pending migration up, down and up again where it cannot hurt, "
                      "the schema and the data compared"),
    ]
    if facts is not None:
        items += [_long_transactions(facts), _locks(facts, tables),
                  ChecklistItem("lock_timeout set for risky statements", *lock_timeout), _replication(facts)]
        if data is not None:
            items.append(data)
    items.append(ChecklistItem("Scheduled during a low-traffic period", MANUAL,
                               "pick the quietest hour from the traffic graphs; DDL waits behind running queries, "
                               "and everything queued behind it waits too"))
    return items


def data_item(results) -> ChecklistItem:
    """Whether the live rows fit the constraints the pending statements add (plan.datachecks' results)."""
    item = "Existing rows fit the new constraints"
    failing = [result for result in results if result.count]
    skipped = [result for result in results if result.count is None]
    parts = [f"{r.check.label}: {r.check.requirement}: {r.count} {r.check.what}, e.g. {'; '.join(r.examples)}"
             for r in failing]
    parts += [f"{r.check.label}: {r.check.requirement}: check skipped ({r.skipped}); run it by hand: "
              f"{r.check.count_sql}" for r in skipped]
    if failing:
        return ChecklistItem(item, FAIL, "; ".join(parts) + ". The statement would fail on them: fix the rows first "
                                         "(counted on the live data, before the pending migrations run)")
    if skipped:
        return ChecklistItem(item, MANUAL, "; ".join(parts))
    checked = "; ".join(f"{r.check.label}: {r.check.requirement}" for r in results)
    return ChecklistItem(item, OK, f"no live row breaks them ({checked})")


def staging_rehearsal(environments: tuple[str, ...], current: str | None) -> str:
    """How to apply the migrations to staging: the environment of migrate.yaml that is one, or how to add it."""
    others = [name for name in environments if name != current]
    staging = next((name for name in others if name == "staging"), None) or \
        next((name for name in others if any(word in name.lower() for word in _STAGING_WORDS)), None)
    if staging is not None:
        return f"`migrate --env {staging} up`"
    return ("no staging environment is configured yet: add one to migrate.yaml (`environments: staging: url: ...`, "
            "the copy's URL), then `migrate --env staging up`")


_STAGING_WORDS = ("stag", "preprod", "pre-prod", "uat", "qa", "test")


def move_checklist(kind: str) -> list[ChecklistItem]:
    """The seed's checklist for an API or infrastructure move, which touches no database by itself."""
    if kind == API:
        return [
            ChecklistItem("Consumers and their owners known", MANUAL,
                          "every consumer in the access logs has an owner who acknowledged the dates"),
            ChecklistItem("Tested in staging", MANUAL,
                          "the consumers' contract tests pass against the new endpoints in a staging environment"),
            ChecklistItem("Rollback verified", MANUAL,
                          "each phase's rollback (headers off, routes back, brownout flag off) was rehearsed"),
            ChecklistItem("Scheduled during a low-traffic period", MANUAL,
                          "brownouts and the removal in the consumers' quietest hours, announced in advance"),
        ]
    return [
        ChecklistItem("Backup of the data that moves", MANUAL,
                      "a backup of every data store that moves, proven to restore on the target platform"),
        ChecklistItem("Tested in staging", MANUAL, "the whole move rehearsed on a staging environment first"),
        ChecklistItem("Rollback verified", MANUAL,
                      "shifting traffic back and the reverse data sync were rehearsed before the cutover"),
        ChecklistItem("Scheduled during a low-traffic period", MANUAL,
                      "the cutover in the quietest window, with DNS TTLs lowered a day before"),
    ]


def _unavailable(facts: LiveFacts, item: str, by_hand: str) -> ChecklistItem | None:
    reason = facts.unavailable or (facts.server.notes[0] if facts.server and facts.server.notes else None)
    if reason is None:
        return None
    query = getattr(engine(facts.dialect).by_hand, by_hand)
    return ChecklistItem(item, MANUAL, f"{reason}" + (f"; check by hand: {query}" if query else ""))


def _long_transactions(facts: LiveFacts) -> ChecklistItem:
    item = "No long-running transactions"
    if facts.server is None or facts.server.long_transactions is None:
        return _unavailable(facts, item, "long_transactions")
    limit = f"{facts.transaction_seconds:g} s"
    sessions = facts.server.long_transactions
    if not sessions:
        return ChecklistItem(item, OK, f"no other transaction has been open longer than {limit} (pg_stat_activity)")
    listed = "; ".join(_session(session) for session in sessions)
    return ChecklistItem(item, FAIL, f"{len(sessions)} transaction{'s' if len(sessions) > 1 else ''} open longer than "
                                     f"{limit}: {listed}. A DDL lock request would queue behind them, and all "
                                     "traffic on the table behind it: wait, or end them (pg_terminate_backend)")


def _session(session: SessionFacts) -> str:
    query = sql_excerpt(session.query, 80)
    return (f"pid {session.pid} ({session.state or 'unknown state'}, open {_duration(session.transaction_seconds)} "
            f"since {session.transaction_start}, query started {session.query_start or 'never'}: {query})")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _locks(facts: LiveFacts, tables: list[TableKey]) -> ChecklistItem:
    item = "No locks held on the tables it touches"
    if facts.locks is None:
        return _unavailable(facts, item, "locks") or ChecklistItem(item, MANUAL, "the engine does not list locks")
    names = ", ".join(f"{schema}.{name}" if schema else name for schema, name in tables) or "no table"
    if not facts.locks:
        return ChecklistItem(item, OK, f"no other session holds or waits for a lock on {names} (pg_locks)")
    held = "; ".join(f"pid {lock.pid} {'holds' if lock.granted else 'waits for'} {lock.mode} on {lock.table}"
                     f" ({sql_excerpt(lock.query, 80)})" for lock in facts.locks)
    return ChecklistItem(item, FAIL, f"{held}. Even ACCESS SHARE (a running SELECT) makes an ALTER TABLE wait")


def _replication(facts: LiveFacts) -> ChecklistItem:
    item = "Replication lag under control"
    server = facts.server
    if server is None or server.replicas is None:
        return _unavailable(facts, item, "replicas") or ChecklistItem(item, MANUAL, "the engine does not tell")
    if server.is_replica:
        return ChecklistItem(item, FAIL, "this server is a standby (pg_is_in_recovery): migrate the primary")
    if not server.replicas:
        return ChecklistItem(item, OK, "no replicas attached (pg_stat_replication is empty)")
    lagging = [r for r in server.replicas if r.lag_seconds is not None and r.lag_seconds > REPLICA_LAG_LIMIT_SECONDS]
    listed = "; ".join(f"{r.name} ({r.state}, replay lag {'unknown' if r.lag_seconds is None else f'{r.lag_seconds:.1f} s'}"
                       f"{'' if r.lag_bytes is None else f', {r.lag_bytes} bytes behind'})" for r in server.replicas)
    if lagging:
        return ChecklistItem(item, FAIL, f"replicas behind by more than {REPLICA_LAG_LIMIT_SECONDS:g} s: {listed}; "
                                         "a migration's writes (backfills, rewrites) add to the lag")
    return ChecklistItem(item, OK, f"{listed}; watch the lag during backfills")
