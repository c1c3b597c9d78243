"""Where a command may run pending migrations without harm (`verify`, `trace`), first fit: a scratch database the
user names; a private copy (SQLite); one transaction on the real database, rolled back at the end (an engine with
transactional DDL, when every section can run in a transaction); a scratch database it creates on the same
server and drops: copied from the real one where the engine copies (MySQL/MariaDB: schema and rows), else built
by replaying the applied migrations (PostgreSQL). Engine-agnostic: the adapters read their schemas
and make the copies and scratch databases."""

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .adapters import adapter_for
from .adapters.base import Adapter
from .catalogue.model import Migration, Section
from .config import Settings
from .engines import engine
from .errors import DatabaseError, MigrateError, StateError, StatementFailed, UsageError
from .runner import Runner
from .snapshot import Snapshot, differences
from .status import DIRTY, MigrationStatus
from .urls import DatabaseURL, parse_url

COPIED_ROWS = 10_000  # per table, into a scratch database copied from the real one (MySQL/MariaDB)


class NoPrivateCopy(MigrateError):
    exit_code = 2


class ReplayFailed(Exception):
    def __init__(self, description: str):
        self.description = description


@dataclass
class Sandbox:
    adapter: Adapter
    where: str  # where the migrations run, in words
    rolled_back: bool  # on the real database, inside one transaction that is rolled back at the end
    notes: list[str] = field(default_factory=list)


def scratch_url_of(settings: Settings, scratch_url: str | None) -> DatabaseURL | None:
    """--scratch-url, parsed; a database of another engine than the migrations' is a usage error."""
    scratch = parse_url(scratch_url, settings.base_dir) if scratch_url else None
    if scratch is not None and scratch.dialect != settings.url.dialect:
        raise UsageError(f"--scratch-url is a {scratch.dialect} database, and the migrations are for "
                         f"{settings.url.dialect}")
    return scratch


def refuse_dirty(statuses: list[MigrationStatus], command: str) -> None:
    dirty = [status for status in statuses if status.state == DIRTY]
    if dirty:
        raise StateError(f"{dirty[0].label} is dirty: {command} needs a database in a known state",
                         hint=f"repair it first with `migrate repair {dirty[0].version} --applied` or `--rolled-back`")


@contextmanager
def sandbox(runner: Runner, settings: Settings, pending: list[Migration], applied: list[Migration],
            scratch: DatabaseURL | None, *, command: str, copy_only: bool = False, with_down: bool = True,
            refuses_real: Callable[[Migration], str | None] = lambda migration: None) -> Iterator[Sandbox]:
    """`copy_only`: only where the engine gives a private copy (a read-only caller). `with_down`: the down sections
    run too. `refuses_real`: why a migration may not run in a transaction on the real database (beyond the runner's
    own reasons), or None."""
    real = runner.adapter
    if scratch is not None:
        with connected(scratch, settings.table) as adapter:
            box = Sandbox(adapter, f"on the scratch database {scratch.masked}", False)
            box.notes += build_scratch(real, adapter, settings.table, applied, command)
            yield box
        return
    with tempfile.TemporaryDirectory(prefix=f"dkmigrate-{command}-") as directory:
        copy = real.private_copy(Path(directory))
        if copy is not None:
            with connected(copy, settings.table) as adapter:
                yield Sandbox(adapter, f"on a copy of {settings.url.masked}", False)
            return
    if copy_only:
        raise NoPrivateCopy(
            f"{settings.url.masked} has no private copy to {command} on, and a read-only command does not run "
            "migrations on the database itself (in a transaction rolled back at the end, it would hold their locks "
            "meanwhile) or create a scratch database",
            hint=f"run `migrate {command}` where that is acceptable, or `migrate {command} --scratch-url URL` (an "
                 "empty database)")
    outside = next((reason for migration in pending
                    for reason in [refuses_real(migration)] + [_outside_reason(runner, section)
                                                                for section in (migration.up, migration.down)[:1 + with_down]
                                                                if section is not None]
                    if reason), None)
    rolls_back_ddl = runner.database_exists and engine(real.dialect).transactional_ddl
    if rolls_back_ddl and outside is None:
        real.execute("BEGIN")
        try:
            yield Sandbox(real, f"on {settings.url.masked}, in a transaction rolled back at the end", True)
        finally:
            real.execute("ROLLBACK")
        return
    why = f" (a migration cannot run in a transaction: {outside})" if rolls_back_ddl and outside else ""
    copied = real.scratch_copy(COPIED_ROWS)
    created = copied or real.create_scratch_database()
    try:
        with connected(created, settings.table) as adapter:
            if copied is not None:
                yield Sandbox(adapter, f"on the scratch database {created.masked}, copied from {settings.url.masked} "
                                       f"(its schema and up to {COPIED_ROWS} rows of each table) and dropped at the "
                                       f"end{why}", False)
            else:
                box = Sandbox(adapter, f"on the scratch database {created.masked}, built from {settings.url.masked} "
                                       f"and dropped at the end{why}", False)
                box.notes += build_scratch(real, adapter, settings.table, applied, command)
                yield box
    finally:
        real.drop_scratch_database(created)


def _outside_reason(runner: Runner, section: Section) -> str | None:
    return runner.outside_transaction_reason(section, section.statements(runner.adapter.dialect))


@contextmanager
def connected(url: DatabaseURL, table: str) -> Iterator[Adapter]:
    adapter = adapter_for(url, table)
    adapter.open(create=True)
    try:
        yield adapter
    finally:
        adapter.close()


def build_scratch(real: Adapter, scratch: Adapter, table: str, applied: list[Migration], command: str) -> list[str]:
    """Replays the applied migrations on the scratch database; returns where it differs from the real one, in
    words (or that the engine cannot tell)."""
    schema = Snapshot.of(scratch.read_schema(), table)
    if schema.objects:
        raise UsageError(f"the scratch database {scratch.url.masked} is not empty",
                         hint=f"name an empty database with --scratch-url: {command} builds the schema there")
    for migration in applied:
        try:
            run_section(scratch, migration.up)
        except ReplayFailed as failure:
            raise DatabaseError(f"cannot build the scratch database: replaying {migration.label} {failure.description}",
                                hint="name a database with the current schema with --scratch-url") from None
    built = differences(Snapshot.of(real.read_schema(), table), Snapshot.of(scratch.read_schema(), table),
                        "missing from the scratch database", "only in the scratch database")
    return ["the applied migrations do not rebuild the real schema exactly: " + "; ".join(built)] if built else []


def run_section(adapter: Adapter, section: Section, step: str = "") -> None:
    for statement in section.statements(adapter.dialect):
        try:
            adapter.execute(statement.text)
        except StatementFailed as error:
            raise ReplayFailed(f"{step + ' ' if step else ''}failed at {section.file.name}:{statement.line}: "
                               f"{error.message}") from None
