"""`migrate verify`: proves each pending migration reversible by running up, down and up again where it cannot
hurt, comparing the schema and the data after each step.

Where it runs, first fit: a scratch database the user names; a private copy (SQLite); one transaction on the
real database, rolled back at the end (an engine with transactional DDL, when every section can run in a
transaction); a scratch database it creates, builds by replaying the applied migrations, and drops.
Engine-agnostic: the engines read their schemas (Adapter.read_schema) and make copies and scratch databases.
"""

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .adapters import adapter_for
from .adapters.base import Adapter
from .catalogue.model import Migration, Section
from .config import Settings
from .errors import DatabaseError, MigrateError, SafetyRefusal, StatementFailed, StateError, UsageError
from .operations import open_runner
from .runner import Runner
from .snapshot import Snapshot, differences
from .status import DIRTY, PENDING, applied_order
from .urls import DatabaseURL, parse_url

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


class _Failed(Exception):
    def __init__(self, description: str):
        self.description = description


def verify(settings: Settings, steps: int | None = None, scratch_url: str | None = None,
           listener=None, copy_only: bool = False) -> VerifyReport:
    """`copy_only`: verify only where the engine gives a private copy of the database (a read-only caller such
    as `plan`), never in a transaction on the database itself nor on a scratch database it would create."""
    if settings.protected:
        raise SafetyRefusal(
            f"environment '{settings.environment}' is protected: verify runs the migrations up, down and up again, "
            "and never runs there",
            hint="run it against a staging copy (`migrate --env staging verify`) or a development database")
    scratch = parse_url(scratch_url, settings.base_dir) if scratch_url else None
    if scratch is not None and scratch.dialect != settings.url.dialect:
        raise UsageError(f"--scratch-url is a {scratch.dialect} database, and the migrations are for "
                         f"{settings.url.dialect}")
    with open_runner(settings, lock=True, listener=listener) as runner:
        statuses = runner.statuses()
        dirty = [status for status in statuses if status.state == DIRTY]
        if dirty:
            raise StateError(f"{dirty[0].label} is dirty: verify needs a database in a known state",
                             hint=f"repair it first with `migrate repair {dirty[0].version} --applied` or `--rolled-back`")
        every_pending = [status.migration for status in statuses if status.state == PENDING]
        pending = every_pending[:steps]
        if not pending:
            return VerifyReport("nowhere: nothing is pending")
        applied = [status.migration for status in reversed(applied_order(statuses)) if status.migration is not None]
        with _sandbox(runner, settings, pending, applied, scratch, copy_only) as (adapter, report):
            report.pending = len(every_pending)
            _verify_all(adapter, settings.table, pending, report)
            return report


class NoPrivateCopy(MigrateError):
    exit_code = 2


@contextmanager
def _sandbox(runner: Runner, settings: Settings, pending: list[Migration], applied: list[Migration],
             scratch: DatabaseURL | None, copy_only: bool) -> Iterator[tuple[Adapter, VerifyReport]]:
    real = runner.adapter
    if scratch is not None:
        with _connected(scratch, settings.table) as adapter:
            report = VerifyReport(f"on the scratch database {scratch.masked}")
            _build_scratch(real, adapter, settings.table, applied, report)
            yield adapter, report
        return
    with tempfile.TemporaryDirectory(prefix="dkmigrate-verify-") as directory:
        copy = real.private_copy(Path(directory))
        if copy is not None:
            with _connected(copy, settings.table) as adapter:
                yield adapter, VerifyReport(f"on a copy of {settings.url.masked}")
            return
    if copy_only:
        raise NoPrivateCopy(
            f"{settings.url.masked} has no private copy to verify on, and a read-only command does not run "
            "migrations on the database itself (in a transaction rolled back at the end, it would hold their locks "
            "meanwhile) or create a scratch database",
            hint="run `migrate verify` where that is acceptable, or `migrate verify --scratch-url URL` (an empty "
                 "database)")
    outside = next((reason for migration in pending for section in (migration.up, migration.down)
                    if section is not None and (reason := _outside_reason(runner, section))), None)
    if outside is None and runner.database_exists:
        real.execute("BEGIN")
        try:
            yield real, VerifyReport(f"on {settings.url.masked}, in a transaction rolled back at the end")
        finally:
            real.execute("ROLLBACK")
        return
    created = real.create_scratch_database()
    try:
        with _connected(created, settings.table) as adapter:
            report = VerifyReport(f"on a scratch database built from {settings.url.masked} and dropped at the end"
                                  + (f" (a migration cannot run in a transaction: {outside})" if outside else ""))
            _build_scratch(real, adapter, settings.table, applied, report)
            yield adapter, report
    finally:
        real.drop_scratch_database(created)


def _outside_reason(runner: Runner, section: Section) -> str | None:
    return runner.outside_transaction_reason(section, section.statements(runner.adapter.dialect))


@contextmanager
def _connected(url: DatabaseURL, table: str) -> Iterator[Adapter]:
    adapter = adapter_for(url, table)
    adapter.open(create=True)
    try:
        yield adapter
    finally:
        adapter.close()


def _build_scratch(real: Adapter, scratch: Adapter, table: str, applied: list[Migration], report: VerifyReport) -> None:
    """Replays the applied migrations on the scratch database, and says where it differs from the real one."""
    if Snapshot.of(scratch.read_schema(), table).objects:
        raise UsageError(f"the scratch database {scratch.url.masked} is not empty",
                         hint="name an empty database with --scratch-url: verify builds the schema there")
    for migration in applied:
        try:
            _run_section(scratch, migration.up)
        except _Failed as failure:
            raise DatabaseError(f"cannot build the scratch database: replaying {migration.label} {failure.description}",
                                hint="name a database with the current schema with --scratch-url") from None
    built = differences(Snapshot.of(real.read_schema(), table), Snapshot.of(scratch.read_schema(), table),
                        "missing from the scratch database", "only in the scratch database")
    if built:
        report.notes.append("the applied migrations do not rebuild the real schema exactly: " + "; ".join(built))


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
    difference += _data_differences(first_up.data, second_up.data, "differ after up, down, up")
    compared = any(rows for rows in first_up.data.values() if rows)
    return Verdict(migration, not difference, difference, compared)


def _step(adapter: Adapter, section: Section, step: str, found: list[str]) -> None:
    try:
        _run_section(adapter, section, step)
    except _Failed as failure:
        raise _Stopped([*found, failure.description]) from None


def _run_section(adapter: Adapter, section: Section, step: str = "") -> None:
    for statement in section.statements(adapter.dialect):
        try:
            adapter.execute(statement.text)
        except StatementFailed as error:
            raise _Failed(f"{step + ' ' if step else ''}failed at {section.file.name}:{statement.line}: "
                          f"{error.message}") from None


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


def _data_differences(old: dict[str, dict | None], new: dict[str, dict | None], words: str,
                      filled_in_ok: bool = False) -> list[str]:
    """filled_in_ok: a NULL that became a value is no loss (a down that leaves a backfill in place)."""
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
        for column in sorted(columns):
            changed = sum(1 for key in kept if before[key][column] != after[key][column]
                          and not (filled_in_ok and before[key][column] is None))
            if changed:
                lines.append(f"data of {table}.{column}: values of {changed} of {len(before)} rows {words}")
    return lines
