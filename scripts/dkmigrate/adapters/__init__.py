"""Database engines behind one interface (base.Adapter). Drivers are imported only when used."""

from importlib import import_module

from ..errors import ConfigError
from ..engines import engine
from ..urls import DatabaseURL
from .base import Adapter

_IMPLEMENTED = {"sqlite", "postgres"}  # the engines whose adapter module exists


def has_adapter(dialect: str) -> bool:
    return dialect in _IMPLEMENTED


def adapter_for(url: DatabaseURL, table: str) -> Adapter:
    if not has_adapter(url.dialect):
        raise ConfigError(f"{url.masked}: {url.dialect} databases are not supported yet "
                          f"(supported: {', '.join(sorted(_IMPLEMENTED))})")
    module_name, class_name = engine(url.dialect).adapter
    adapter_class = getattr(import_module(f".{module_name}", __package__), class_name)
    return adapter_class(url, table)
