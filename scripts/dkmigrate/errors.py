"""Typed errors. Each carries the exit code of the command-line contract (design section 6)."""


class MigrateError(Exception):
    """Base of every error the program reports to the user as one clean line."""

    exit_code = 1

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint


class UsageError(MigrateError):
    """Bad usage, bad input or bad configuration; nothing was changed."""

    exit_code = 2


class ConfigError(UsageError):
    """migrate.yaml, an environment variable or a URL is wrong."""


class CatalogueError(UsageError):
    """A migration file or the migrations directory cannot be read as migrations."""


class SqlSyntaxError(CatalogueError):
    """SQL text that cannot be split into statements (an unterminated string, comment or block)."""

    def __init__(self, message: str, line: int):
        super().__init__(f"line {line}: {message}")
        self.line = line


class StateError(UsageError):
    """The database's migration state forbids the operation (dirty, modified, unknown version)."""


class ConnectionFailed(MigrateError):
    """The database could not be reached, opened or authenticated."""

    exit_code = 3


class LockTimeout(MigrateError):
    """Another migrator held the lock for longer than the allowed wait."""

    exit_code = 3


class DatabaseError(MigrateError):
    """The database refused a query the tool itself needed (reading or writing the tracking table)."""


class SafetyRefusal(MigrateError):
    """A safety gate refused the operation (protected environment, risky migration)."""

    exit_code = 4


class FindingsRefusal(SafetyRefusal):
    """A protected environment refused to apply migrations with risky or error lint findings."""

    def __init__(self, message: str, hint: str, findings: list):
        super().__init__(message, hint)
        self.findings = findings


class StatementFailed(Exception):
    """Raised by an adapter when the database rejects a statement.

    `position` is the 1-based character offset the server reported inside the statement, if any.
    `lock_not_granted`: the statement gave up waiting for a lock (lock_timeout, lock_wait_timeout, SQLite busy),
    so running it again later may succeed.
    """

    def __init__(self, message: str, position: int | None = None, lock_not_granted: bool = False):
        super().__init__(message)
        self.message = message
        self.position = position
        self.lock_not_granted = lock_not_granted
