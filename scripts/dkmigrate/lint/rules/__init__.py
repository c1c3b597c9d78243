"""The rules, one module per rule or small group. Importing this package registers every rule in
lint.registry.RULES, in the order of the modules below."""

from . import (  # noqa: F401  (imported for their @rule registrations)
    indexes, columns, column_changes, constraints, tables, locking, mysql, sqlite, migrations, suppressions, unparsed,
    design, partitions,
)
