"""Database engines behind one interface (base.Adapter). Drivers are imported only when used."""

from contextlib import contextmanager
from importlib import import_module

from ..engines import engine
from ..urls import DatabaseURL
from .base import Adapter, LockWait

def adapter_for(url: DatabaseURL, table: str) -> Adapter:
    module_name, class_name = engine(url.dialect).adapter
    adapter_class = getattr(import_module(f".{module_name}", __package__), class_name)
    return adapter_class(url, table)


@contextmanager
def open_database(url: DatabaseURL, table: str, create: bool = False, lock: LockWait | None = None):
    """The one way a command opens a database: yields (adapter, exists), the adapter connected (and holding the
    migrator lock, with `lock`) unless the database does not exist (and `create` is False); closes it when the
    block ends."""
    adapter = adapter_for(url, table)
    try:
        yield adapter, adapter.open(create=create, lock=lock)
    finally:
        adapter.close()
