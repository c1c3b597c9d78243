"""Which statements cannot run inside a transaction block, per engine. The runner runs a migration holding
one outside a transaction (adapters use this module); the linter needs the same answer without a connection.
"""

import re

# Statements that manage the transaction themselves: a migration holding one runs outside ours.
_TRANSACTION_CONTROL = re.compile(
    r"^(BEGIN|COMMIT|END|ABORT|START\s+TRANSACTION|ROLLBACK(?!\s+TO\b))\b(?!\s+ATOMIC)", re.IGNORECASE
)
_POSTGRES_OUTSIDE_TRANSACTION = re.compile(
    r"""^(
        CREATE\s+(UNIQUE\s+)?INDEX\s+CONCURRENTLY
      | DROP\s+INDEX\s+CONCURRENTLY
      | REINDEX\b.*\bCONCURRENTLY
      | REINDEX\s+(\(.*?\)\s*)?(DATABASE|SYSTEM)
      | ALTER\s+TABLE\b.*\bDETACH\s+PARTITION\b.*\bCONCURRENTLY
      | VACUUM | CLUSTER\s*(VERBOSE\s*)?;?$
      | (CREATE|DROP)\s+(DATABASE|TABLESPACE|SUBSCRIPTION)
      | ALTER\s+SYSTEM
      | DO\b.*\bCOMMIT\b
    )\b""",
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
# Before PostgreSQL 12, ALTER TYPE ... ADD VALUE could not run inside a transaction block.
_ENUM_ADD_VALUE = re.compile(r"^ALTER\s+TYPE\b.*\bADD\s+VALUE\b", re.IGNORECASE | re.DOTALL)
# SQLite: VACUUM and ATTACH/DETACH fail inside a transaction; these PRAGMAs are silently ignored inside one.
_SQLITE_OUTSIDE_TRANSACTION = re.compile(
    r"^(VACUUM|ATTACH|DETACH|PRAGMA\s+(\w+\.)?(foreign_keys|journal_mode|legacy_alter_table)\b)", re.IGNORECASE
)


def runs_outside_transaction(statement: str, dialect: str, server_version: int | None = None) -> bool:
    """True for a statement that cannot run inside a transaction block (or that manages its own).

    `server_version` is PostgreSQL's major version; None means a current one.
    """
    if _TRANSACTION_CONTROL.match(statement):
        return True
    if dialect == "postgres":
        if _POSTGRES_OUTSIDE_TRANSACTION.match(statement):
            return True
        return server_version is not None and server_version < 12 and _ENUM_ADD_VALUE.match(statement) is not None
    if dialect == "sqlite":
        return _SQLITE_OUTSIDE_TRANSACTION.match(statement) is not None
    return False
