"""What SQL the linter knows exists, so that a statement it does not read is told apart from a typo: the
commands of PostgreSQL, MySQL/MariaDB and SQLite, the kinds of object CREATE, ALTER and DROP name, and the
actions of PostgreSQL's ALTER TABLE. A statement outside these is reported (unparsed-statement)."""

COMMANDS = frozenset({
    # PostgreSQL
    "ABORT", "ALTER", "ANALYZE", "ANALYSE", "BEGIN", "CALL", "CHECKPOINT", "CLOSE", "CLUSTER", "COMMENT", "COMMIT",
    "COPY", "CREATE", "DEALLOCATE", "DECLARE", "DELETE", "DISCARD", "DO", "DROP", "END", "EXECUTE", "EXPLAIN",
    "FETCH", "GRANT", "IMPORT", "INSERT", "LISTEN", "LOAD", "LOCK", "MERGE", "MOVE", "NOTIFY", "PREPARE",
    "REASSIGN", "REFRESH", "REINDEX", "RELEASE", "RESET", "REVOKE", "ROLLBACK", "SAVEPOINT", "SECURITY", "SELECT",
    "SET", "SHOW", "START", "TABLE", "TRUNCATE", "UNLISTEN", "UPDATE", "VACUUM", "VALUES", "WITH",
    # MySQL and MariaDB
    "RENAME", "REPLACE", "USE", "HANDLER", "OPTIMIZE", "REPAIR", "CHECK", "CHECKSUM", "FLUSH", "KILL", "PURGE",
    "DESCRIBE", "DESC", "INSTALL", "UNINSTALL", "XA", "SIGNAL", "RESIGNAL", "GET", "CHANGE", "STOP", "RESTART",
    "SHUTDOWN", "BINLOG", "CACHE", "HELP", "DELIMITER",
    # SQLite
    "PRAGMA", "ATTACH", "DETACH",
})

OBJECTS = frozenset({
    "TABLE", "INDEX", "TRIGGER", "VIEW", "MATERIALIZED", "FUNCTION", "PROCEDURE", "ROUTINE", "AGGREGATE", "SEQUENCE",
    "SCHEMA", "EXTENSION", "TYPE", "DOMAIN", "ROLE", "USER", "GROUP", "DATABASE", "POLICY", "RULE", "CAST",
    "COLLATION", "CONVERSION", "EVENT", "FOREIGN", "LANGUAGE", "TRUSTED", "PROCEDURAL", "OPERATOR", "PUBLICATION",
    "SUBSCRIPTION", "SERVER", "STATISTICS", "TABLESPACE", "TEXT", "TRANSFORM", "ACCESS", "DEFAULT", "LARGE",
    "SYSTEM", "OWNED", "RECURSIVE",
    # MySQL and MariaDB: CREATE DEFINER=... VIEW, CREATE ALGORITHM=... VIEW, CREATE SQL SECURITY ... VIEW
    "DEFINER", "ALGORITHM", "SQL", "LOGFILE", "INSTANCE", "RESOURCE", "REFERENCE", "PACKAGE",
    # SQLite
    "VIRTUAL",
})

# PostgreSQL's ALTER TABLE actions, by their first word.
ALTER_TABLE_ACTIONS = frozenset({
    "ADD", "DROP", "ALTER", "RENAME", "VALIDATE", "SET", "RESET", "CLUSTER", "ENABLE", "DISABLE", "INHERIT", "NO",
    "OF", "NOT", "OWNER", "REPLICA", "ATTACH", "DETACH", "FORCE",
})
# What follows ALTER [COLUMN] name, other than TYPE.
ALTER_COLUMN_ACTIONS = frozenset({"SET", "DROP", "ADD", "RESET", "RESTART", "OPTIONS"})
