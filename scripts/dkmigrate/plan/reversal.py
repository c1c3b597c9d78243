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

from dataclasses import dataclass, field

from ..lexer import QUOTED, STRING, WORD, Token, name_of, string_content, tokenize
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
    statements: tuple[str, ...] = ()
    dialect: str = ""

    @classmethod
    def read(cls, statements: list[str], dialect: str) -> "_Section":
        section = cls(statements=tuple(statements), dialect=dialect)
        for text in statements:
            statement = parse(text, dialect)
            if isinstance(statement, CreateTable):
                section.created.add(statement.name.key)
                if _as_query(tokenize(text, dialect)):
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
            return any(_sets_column(tokenize(text, self.dialect), table, column, self.dialect)
                       for text in self.statements)
        built = self.makes(table)
        return built is not None and built in self.filled_from_query

    def refills_table(self, table: str) -> bool:
        built = self.makes(table)
        return built is not None and built in self.filled_from_query


def _as_query(tokens: list[Token]) -> bool:
    """CREATE TABLE ... AS [(] SELECT: a table filled from a query."""
    keywords = [token.keyword or token.text for token in tokens]
    return any(keywords[index:index + 2] == ["AS", "SELECT"] or keywords[index:index + 3] == ["AS", "(", "SELECT"]
               for index, keyword in enumerate(keywords) if keyword == "AS")


_SET_LIST_ENDS = frozenset({"WHERE", "FROM", "RETURNING"})


def _sets_column(tokens: list[Token], table: str, column: str, dialect: str) -> bool:
    """An UPDATE of the table that sets the column: UPDATE [schema.]table [[AS] alias] SET ..., column = ...; also
    inside a DO block or a function (a string's body, read as SQL in turn)."""
    table_name = table.split(".")[-1].lower()
    for index, token in enumerate(tokens):
        if token.kind == STRING:
            if _sets_column(tokenize(string_content(token), dialect), table, column, dialect):
                return True
        elif token.keyword == "UPDATE":
            at = index + 1
            if tokens[at + 1:at + 2] and tokens[at + 1].text == "." and tokens[at + 2:at + 3]:
                at += 2  # schema.
            if at >= len(tokens) or tokens[at].kind not in (WORD, QUOTED) or \
                    name_of(tokens[at], dialect).lower() != table_name:
                continue
            at += 1
            alias = at
            while at < len(tokens) and tokens[at].keyword not in ("SET", "") and at < alias + 2:
                at += 1  # [AS] alias
            if at < len(tokens) and tokens[at].keyword == "SET" and _assigns(tokens, at + 1, column, dialect):
                return True
    return False


def _assigns(tokens: list[Token], start: int, column: str, dialect: str) -> bool:
    """Whether the SET list from `start` assigns the column ([alias.]column = ...)."""
    depth, item_start = 0, start
    for index in range(start, len(tokens)):
        token = tokens[index]
        if index == item_start and depth == 0:
            target = index + 2 if tokens[index + 1:index + 2] and tokens[index + 1].text == "." else index
            if (target + 1 < len(tokens) and tokens[target].kind in (WORD, QUOTED)
                    and name_of(tokens[target], dialect).lower() == column.lower() and tokens[target + 1].text == "="):
                return True
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        elif depth == 0 and (token.text == ";" or token.keyword in _SET_LIST_ENDS):
            return False
        elif depth == 0 and token.text == ",":
            item_start = index + 1
    return False


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
