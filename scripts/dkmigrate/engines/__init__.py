"""The database engines, one module each, and the registry that makes them exist.

An engine module holds everything that is true of its engine: URL schemes, quoting and literals, lexical
rules, what cannot run in a transaction, lock-timeout statements, the SQL the planner emits; its adapter
(dkmigrate.adapters) connects to it. Adding an engine is one module here, one adapter, one line below.
"""

from .base import Engine
from .mysql import MYSQL
from .postgres import POSTGRES
from .sqlite import SQLITE

ENGINES: dict[str, Engine] = {engine.name: engine for engine in (POSTGRES, MYSQL, SQLITE)}
DIALECTS = tuple(ENGINES)  # the names, as configuration and output spell them
DEFAULT_DIALECT = POSTGRES.name  # the linter's when no database is configured
SCHEMES = {scheme: engine.name for engine in ENGINES.values() for scheme in engine.schemes}


def known(name: str | None) -> bool:
    """Whether a dialect name is one an engine has."""
    return name in ENGINES


def engine(name: str) -> Engine:
    """The engine of a dialect name; ValueError for a name no engine has."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown SQL dialect {name!r} (expected one of: {', '.join(DIALECTS)})") from None
