"""`migrate verify`: proves each pending migration reversible by running up, down and up again where it cannot
hurt, comparing the schema and the data after each step.

Where it runs: see scratch.sandbox. Engine-agnostic: the engines read their schemas (Adapter.read_schema).
"""

from dataclasses import dataclass, field

from .adapters.base import Adapter
from .catalogue.model import Migration, Section
from .config import Settings
from .errors import SafetyRefusal
from .lexer import tokenize
from .operations import open_runner
from .scratch import ReplayFailed, refuse_dirty, run_section, sandbox, scratch_url_of
from .snapshot import Snapshot, differences
from .status import PENDING, applied_order

DATA_ROW_LIMIT = 100_000  # per table; a larger table's values are not compared


@dataclass(frozen=True)
class Verdict:
    migration: Migration
    reversible: bool
    difference: list[str]  # what down left behind or failed to restore, schema and data, in words
    data_compared: bool  # rows were present to compare


@dataclass
class VerifyReport:
    where: str  # where the migrations ran, in words
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    not_verified: list[Migration] = field(default_factory=list)  # after a migration that failed
    pending: int = 0  # how many migrations are pending: `steps` may have verified fewer

    @property
    def reversible(self) -> bool:
        return all(verdict.reversible for verdict in self.verdicts) and not self.not_verified


def verify(settings: Settings, steps: int | None = None, scratch_url: str | None = None,
           listener=None, copy_only: bool = False) -> VerifyReport:
    """`copy_only`: verify only where the engine gives a private copy of the database (a read-only caller such
    as `plan`), never in a transaction on the database itself nor on a scratch database it would create."""
    if settings.protected:
        raise SafetyRefusal(
            f"environment '{settings.environment}' is protected: verify runs the migrations up, down and up again, "
            "and never runs there",
            hint="run it against a staging copy (`migrate --env staging verify`) or a development database")
    scratch = scratch_url_of(settings, scratch_url)
    with open_runner(settings, lock=True, listener=listener) as runner:
        statuses = runner.statuses()
        refuse_dirty(statuses, "verify")
        every_pending = [status.migration for status in statuses if status.state == PENDING]
        pending = every_pending[:steps]
        if not pending:
            return VerifyReport("nowhere: nothing is pending")
        applied = [status.migration for status in reversed(applied_order(statuses)) if status.migration is not None]
        with sandbox(runner, settings, pending, applied, scratch, command="verify", copy_only=copy_only) as box:
            report = VerifyReport(box.where, notes=box.notes, pending=len(every_pending))
            _verify_all(box.adapter, settings.table, pending, report)
            return report


def _verify_all(adapter: Adapter, table: str, pending: list[Migration], report: VerifyReport) -> None:
    for position, migration in enumerate(pending):
        try:
            report.verdicts.append(_verify_one(adapter, table, migration))
        except _Stopped as stop:
            report.verdicts.append(Verdict(migration, False, stop.difference, False))
            report.not_verified = pending[position + 1:]
            return


class _Stopped(Exception):
    """A step failed: what was found so far, and the failure. The migrations after it cannot be verified."""

    def __init__(self, difference: list[str]):
        self.difference = difference


def _verify_one(adapter: Adapter, table: str, migration: Migration) -> Verdict:
    if migration.down is None:
        _step(adapter, migration.up, "up", [])
        return Verdict(migration, False, ["it has no down section, so it cannot be rolled back"], False)
    before = _State.read(adapter, table)
    _step(adapter, migration.up, "up", [])
    first_up = _State.read(adapter, table)
    _step(adapter, migration.down, "down", [])
    after_down = _State.read(adapter, table)
    difference = differences(before.schema, after_down.schema, "not restored by down", "left behind by down")
    difference += _data_differences(before.data, after_down.data, "not restored by down", filled_in_ok=True)
    _step(adapter, migration.up, "up again", difference)
    second_up = _State.read(adapter, table)
    if not difference:  # down restored everything; the up may still not be repeatable
        difference += differences(first_up.schema, second_up.schema, "missing after up, down, up",
                                  "extra after up, down, up")
    difference += _data_differences(first_up.data, second_up.data, "differ after up, down, up",
                                    ignored=_computed_columns(adapter, second_up.schema))
    compared = any(rows for rows in first_up.data.values() if rows)
    return Verdict(migration, not difference, difference, compared)


def _step(adapter: Adapter, section: Section, step: str, found: list[str]) -> None:
    try:
        run_section(adapter, section, step)
    except ReplayFailed as failure:
        raise _Stopped([*found, failure.description]) from None


@dataclass(frozen=True)
class _State:
    schema: Snapshot
    data: dict[str, dict | None]  # table -> {row key: {column: value}}; None: too many rows to compare

    @classmethod
    def read(cls, adapter: Adapter, table: str) -> "_State":
        schema = Snapshot.of(adapter.read_schema(), table)
        return cls(schema, {obj.name: _rows(adapter, schema, obj) for obj in schema.tables()})


def _rows(adapter: Adapter, schema: Snapshot, table) -> dict | None:
    columns = schema.columns(table.name)
    if not columns:
        return {}
    selected = ", ".join(adapter.quote_identifier(column) for column in columns)
    rows = adapter.query(f"SELECT {selected} FROM {adapter.quote_table(table.name)} LIMIT {DATA_ROW_LIMIT + 1}")
    if len(rows) > DATA_ROW_LIMIT:
        return None
    key_columns = [columns.index(name) for name in table.attributes.get("_primary_key", "").split(", ")
                   if name in columns]
    if key_columns:
        return {tuple(row[i] for i in key_columns): dict(zip(columns, row)) for row in rows}
    return {position: dict(zip(columns, row)) for position, row in enumerate(sorted(rows, key=repr))}


def _computed_columns(adapter: Adapter, schema: Snapshot) -> dict[str, set[str]]:
    """The columns, by table, whose default is computed when a row is inserted (a clock, a sequence, a random
    value): a row that up, down, up inserts twice gets a new value there, which is no difference."""
    computed: dict[str, set[str]] = {}
    for obj in schema.objects.values():
        default = obj.attributes.get("default") if obj.kind == "column" else None
        if default and any(token.text == "(" or token.upper in _CLOCK_WORDS
                           for token in tokenize(default, adapter.dialect)):
            computed.setdefault(obj.table, set()).add(obj.attributes["_column"])
    return computed


_CLOCK_WORDS = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME"})


def _data_differences(old: dict[str, dict | None], new: dict[str, dict | None], words: str,
                      filled_in_ok: bool = False, ignored: dict[str, set[str]] | None = None) -> list[str]:
    """filled_in_ok: a NULL that became a value is no loss (a down that leaves a backfill in place); ignored: columns
    not compared, by table."""
    lines = []
    for table in sorted(old.keys() & new.keys()):
        before, after = old[table], new[table]
        if not before or after is None:
            continue
        lost = len(before.keys() - after.keys())
        if lost:
            lines.append(f"data of {table}: {lost} of {len(before)} rows {words}")
        kept = before.keys() & after.keys()
        columns = {column for row in before.values() for column in row} & {column for row in after.values() for column in row}
        columns -= (ignored or {}).get(table, set())
        for column in sorted(columns):
            changed = sum(1 for key in kept if before[key][column] != after[key][column]
                          and not (filled_in_ok and before[key][column] is None))
            if changed:
                lines.append(f"data of {table}.{column}: values of {changed} of {len(before)} rows {words}")
    return lines
