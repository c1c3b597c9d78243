"""`migrate trace` on MySQL and MariaDB: each statement's duration, the rows it reported, and the tables it copied or
rebuilt - an InnoDB table whose name comes back with another table id (ALGORITHM=COPY, or an in-place rebuild),
where ALGORITHM=INSTANT or an in-place index build keeps the id. Metadata locks are not observed: a DDL statement
releases them as it ends."""

from ..errors import StatementFailed
from .base import StorageTracer

# MariaDB and MySQL 5.7 name the InnoDB dictionary table INNODB_SYS_TABLES, MySQL 8 INNODB_TABLES; NAME is db/table.
_DICTIONARIES = ("INNODB_SYS_TABLES", "INNODB_TABLES")


class MySQLTracer(StorageTracer):
    def __init__(self, adapter):
        super().__init__(adapter)
        self.dictionary: str | None = None

    def notes(self) -> list[str]:
        from .mysql import _metadata_locks_enabled

        if not _metadata_locks_enabled(self.adapter):
            return ["performance_schema is off on this server, so the metadata locks the statements take are not "
                    "observed (the server must start with performance_schema=ON)"]
        return ["a DDL statement releases its metadata locks as it ends, so trace does not list them; "
                "performance_schema.metadata_locks shows them while a statement runs"]

    def storage(self) -> dict[str, int]:
        """Each InnoDB table's id, by name."""
        prefix = self.adapter.literal(f"{self.adapter.query('SELECT DATABASE()')[0][0]}/")
        for dictionary in ([self.dictionary] if self.dictionary else _DICTIONARIES):
            try:
                rows = self.adapter.query(
                    f"SELECT SUBSTRING(NAME, CHAR_LENGTH({prefix}) + 1), TABLE_ID FROM information_schema.{dictionary}"
                    f" WHERE LEFT(NAME, CHAR_LENGTH({prefix})) = {prefix}")
            except StatementFailed:
                continue
            self.dictionary = dictionary
            return {name: table_id for name, table_id in rows if not name.startswith("#sql")}
        return {}
