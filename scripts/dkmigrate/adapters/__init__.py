"""Database engines behind one interface (base.Adapter). Drivers are imported only when used."""

from importlib import import_module

from ..errors import ConfigError
from ..urls import DatabaseURL
from .base import Adapter

_ADAPTERS = {
    "sqlite": ("sqlite", "SQLiteAdapter"),
    "postgres": ("postgres", "PostgresAdapter"),
}


def adapter_for(url: DatabaseURL, table: str) -> Adapter:
    if url.dialect not in _ADAPTERS:
        raise ConfigError(f"{url.masked}: {url.dialect} databases are not supported yet (supported: sqlite, postgres)")
    module_name, class_name = _ADAPTERS[url.dialect]
    adapter_class = getattr(import_module(f".{module_name}", __package__), class_name)
    return adapter_class(url, table)
