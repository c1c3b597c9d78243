"""What rolling a migration back cannot bring back, read from its up and down SQL.

One analysis serves both rollback plans: a goal's (each phase as the migration file --write makes of it)
and the pending migrations' (the files themselves), so the two can never disagree about the point of no
return. It reads the statements with the linter's parser:

- the up destroys a column or a table it did not create (DROP COLUMN, DROP TABLE, TRUNCATE, DELETE) unless
  it is a table rebuild (the table is dropped after its rows were copied into the one renamed to its name);
  the down brings the data back only when it re-creates the column or table *and* fills it from data that
  still exists (an UPDATE that sets the column, an INSERT ... SELECT into the table);
- the down discards what was written since into a column or table the up created, unless it is a copy:
  kept in sync with another place by a trigger on its table (expand-contract), or filled from a query.
"""

import re
from dataclasses import dataclass, field

from ..lint.parser import parse
from ..lint.syntax import AddColumn, AlterTable, CreateTable, DataChange, DropColumn, DropTable, RenameTable, \
    RenameTables, Trigger, Truncate


@dataclass
class Losses:
    destroyed: list[str] = field(default_factory=list)  # what the up removes that the down does not bring back
    discarded: list[str] = field(default_factory=list)  # what the down itself throws away

    @property
    def words(self) -> str | None:
        said = [f"the up removes {what}, which the down does not bring back" for what in self.destroyed]
        said += [f"the down drops {what}: what was written to it since is lost" for what in self.discarded]
        return "; ".join(said) or None


@dataclass
class _Section:
    """What a section's statements do, by table key."""

    created: set[str] = field(default_factory=set)
    added: set[tuple[str, str]] = field(default_factory=set)  # (table, column)
    dropped_tables: dict[str, str] = field(default_factory=dict)  # key -> as written
    dropped_columns: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> as written
    emptied: dict[str, str] = field(default_factory=dict)  # tables whose rows it deletes
    renamed_into: dict[str, str] = field(default_factory=dict)  # new key -> old key
    filled_from_query: set[str] = field(default_factory=set)  # INSERT ... SELECT targets, CREATE TABLE ... AS
    triggers_on: set[str] = field(default_factory=set)
    text: str = ""

    @classmethod
    def read(cls, statements: list[str], dialect: str) -> "_Section":
        section = cls(text="\n".join(statements))
        for text in statements:
            statement = parse(text, dialect)
            if isinstance(statement, CreateTable):
                section.created.add(statement.name.key)
                if re.search(r"\bAS\s*\(?\s*SELECT\b", text, re.IGNORECASE):
                    section.filled_from_query.add(statement.name.key)
            elif isinstance(statement, DropTable):
                for name in statement.names:
                    section.dropped_tables[name.key] = name.written
            elif isinstance(statement, Truncate):
                for name in statement.names:
                    section.emptied[name.key] = name.written
            elif isinstance(statement, DataChange):
                if statement.verb == "DELETE":
                    section.emptied[statement.table.key] = statement.table.written
                elif statement.verb == "INSERT" and statement.from_query:
                    section.filled_from_query.add(statement.table.key)
            elif isinstance(statement, Trigger) and statement.create:
                section.triggers_on.add(statement.table.key)
            elif isinstance(statement, RenameTables):
                for old, new in statement.pairs:
                    section.renamed_into[new.key] = old.key
            elif isinstance(statement, AlterTable):
                key = statement.name.key
                for action in statement.actions:
                    if isinstance(action, AddColumn):
                        section.added.add((key, action.column.name))
                    elif isinstance(action, DropColumn):
                        section.dropped_columns[(key, action.column)] = f"{statement.name.written}.{action.column}"
                    elif isinstance(action, RenameTable):
                        section.renamed_into[action.new.key] = key
        return section

    def rebuilt(self, table: str) -> bool:
        """The table was dropped only to be replaced by a copy renamed to its name (SQLite's rebuild)."""
        copy = self.renamed_into.get(table)
        return copy is not None and (copy in self.filled_from_query or copy in self.created)

    def makes(self, table: str) -> str | None:
        """The table this section builds under the name `table` (itself, or a copy renamed to it)."""
        if table in self.created:
            return table
        copy = self.renamed_into.get(table)
        return copy if copy is not None and copy in self.created else None

    def refills_column(self, table: str, column: str) -> bool:
        if (table, column) in self.added:
            return _sets_column(self.text, table, column)
        built = self.makes(table)
        return built is not None and built in self.filled_from_query

    def refills_table(self, table: str) -> bool:
        built = self.makes(table)
        return built is not None and built in self.filled_from_query


def _sets_column(text: str, table: str, column: str) -> bool:
    """An UPDATE of the table that sets the column (also inside a DO block or a function)."""
    pattern = rf"\bUPDATE\s+(?:\w+\.)?\"?{re.escape(table.split('.')[-1])}\"?\s+(?:(?:AS\s+)?\w+\s+)?SET\s+" \
              rf"(?:[^;]*?,\s*)?(?:\w+\.)?\"?{re.escape(column)}\"?\s*="
    return re.search(pattern, text, re.IGNORECASE | re.DOTALL) is not None


def losses(up: list[str], down: list[str] | None, dialect: str) -> Losses:
    """What rolling back a migration (its up, then its down) cannot restore; down None: it has no down."""
    applied = _Section.read(up, dialect)
    undone = _Section.read(down or [], dialect)
    result = Losses()
    for key, written in applied.dropped_tables.items():
        if key in applied.created or applied.rebuilt(key) or undone.refills_table(key):
            continue
        result.destroyed.append(f"the rows of {written}")
    for (table, column), written in applied.dropped_columns.items():
        if table in applied.created or (table, column) in applied.added or undone.refills_column(table, column):
            continue
        result.destroyed.append(f"the values of {written}")
    for key, written in applied.emptied.items():
        if key not in applied.created:
            result.destroyed.append(f"the rows it deletes from {written}")
    for key, written in undone.dropped_tables.items():
        copy = key in applied.filled_from_query  # a copy of data that still exists where it came from
        if key in applied.created and not copy and not undone.rebuilt(key) and key not in applied.triggers_on:
            result.discarded.append(written)
    for (table, column), written in undone.dropped_columns.items():
        if (table, column) in applied.added and table not in applied.triggers_on:
            result.discarded.append(column)
    return result
