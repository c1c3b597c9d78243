"""Live facts about the database a plan is for, read through the engine's adapter; nothing is changed.

Both kinds of plan use them: a goal plan reads the real columns, types, indexes and size of the tables it
touches; every plan's checklist reads long-running transactions, locks and replicas. When the database
cannot be read (no adapter for the engine yet, a SQLite file not created yet, a server that does not
answer) the plan is still made, from what the goal and options say, and says why it has no live facts.
"""

from dataclasses import dataclass, field

from ..adapters import open_database
from ..adapters.base import Adapter, LockFacts, ServerFacts, TableFacts
from ..config import Settings
from ..errors import ConnectionFailed, StatementFailed

DEFAULT_TRANSACTION_SECONDS = 60.0

TableKey = tuple[str | None, str]  # (schema, name)


@dataclass
class LiveFacts:
    database: str  # the masked URL
    dialect: str
    unavailable: str | None = None  # why there are no live facts; None when they were read
    server: ServerFacts | None = None
    tables: dict[TableKey, TableFacts | None] = field(default_factory=dict)  # None: no such table
    locks: list[LockFacts] | None = None
    transaction_seconds: float = DEFAULT_TRANSACTION_SECONDS

    @property
    def live(self) -> bool:
        return self.unavailable is None

    def table(self, key: TableKey) -> TableFacts | None:
        return self.tables.get(key)

    def knows(self, key: TableKey) -> bool:
        """Whether the database was read for this table (it may then be known not to exist)."""
        return self.live and key in self.tables


def gather(settings: Settings, tables: list[TableKey],
           transaction_seconds: float = DEFAULT_TRANSACTION_SECONDS) -> LiveFacts:
    url = settings.url
    facts = LiveFacts(url.masked, url.dialect, transaction_seconds=transaction_seconds)
    try:
        with open_database(url, settings.table) as (adapter, exists):
            if not exists:
                facts.unavailable = f"{url.masked} does not exist yet, so there is nothing live to read"
                return facts
            read_facts(adapter, facts, tables)
    except ConnectionFailed as error:
        facts.unavailable = f"the database could not be read ({error.message})"
    return facts


def read_facts(adapter: Adapter, facts: LiveFacts, tables: list[TableKey]) -> LiveFacts:
    """Fill facts through an adapter that is already open."""
    try:
        inspector = adapter.inspector()
        tables = list(dict.fromkeys(tables))
        facts.tables = {key: inspector.describe_table(*key) for key in tables}
        facts.server = inspector.server_facts(facts.transaction_seconds)
        facts.locks = inspector.locks_on([key for key in tables if facts.tables[key] is not None])
    except StatementFailed as error:
        facts.unavailable = f"the database refused a catalogue query ({error.message})"
    return facts
