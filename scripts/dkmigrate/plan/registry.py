"""The database patterns a goal can name, as data: each with the words that say it is meant, the ways
its names can be written in a goal, and the function that builds its phases.

Pattern modules register themselves (plan/patterns/); recognition takes the first pattern, in
registration order, whose intent the goal's words match, so more specific patterns register first.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..adapters.base import ColumnFacts, TableFacts
from ..errors import UsageError
from . import identifiers as ids
from .facts import LiveFacts
from .identifiers import Name, TableName
from .model import Phase

# A goal names things in slots (table, column, new_column, ...): each pattern's forms name them in their
# groups, and each pattern says which slot --to fills.


@dataclass
class Slots:
    table: TableName | None = None
    column: Name | None = None
    columns: list[Name] = field(default_factory=list)
    new_column: Name | None = None
    new_table: TableName | None = None
    type: str | None = None  # a column's type, where the database cannot tell it
    new_type: str | None = None  # the type a column changes to
    target_table: TableName | None = None
    target_column: Name | None = None
    default: str | None = None


@dataclass
class Built:
    summary: str
    phases: list[Phase]


@dataclass(frozen=True)
class Pattern:
    name: str  # the stable id in JSON: rename-column, ...
    does: str  # what it plans, in words
    example: str  # a goal it recognises
    intent: re.Pattern  # searched in the goal: says this pattern is meant
    forms: tuple[re.Pattern, ...]  # full matches of the goal, naming slots in their groups
    to_slot: str  # the slot --to fills
    build: Callable[[Slots, "Context"], Built]


PATTERNS: list[Pattern] = []


def register(name: str, does: str, example: str, intent: str, forms: list[str], to_slot: str):
    """Decorator for a pattern's build function."""

    def decorate(build):
        PATTERNS.append(Pattern(name, does, example, re.compile(intent, re.IGNORECASE),
                                tuple(re.compile(form, re.IGNORECASE) for form in forms), to_slot, build))
        return build

    return decorate


def recognise(goal: str) -> Pattern | None:
    return next((pattern for pattern in PATTERNS if pattern.intent.search(goal)), None)


# Words that say what kind of thing a goal is about: a form that would read one of them as a name (the
# column of "add unique constraint", the table of "drop table") does not fit the goal.
STRUCTURE_WORDS = frozenset({"column", "columns", "table", "tables", "constraint", "index", "key", "unique"})


def slots_from_goal(pattern: Pattern, goal: str, dialect: str) -> Slots:
    slots = Slots()
    for form in pattern.forms:
        match = form.fullmatch(goal)
        if match and not any(text is not None and text.lower() in STRUCTURE_WORDS for text in match.groupdict().values()):
            for kind, text in match.groupdict().items():
                if text is not None:
                    fill_slot(slots, kind.rstrip("0123456789"), text, dialect)
            break
    return slots


def fill_option(slots: Slots, kind: str, text: str, dialect: str, option: str) -> None:
    """An option fills its slot; where the goal's words already named that slot differently, the two disagree."""
    given = Slots()
    fill_slot(given, kind, text, dialect)
    for name in vars(given):
        value, said = getattr(given, name), getattr(slots, name)
        if value not in (None, []) and said not in (None, []) and said != value:
            raise UsageError(f"{option} {text} contradicts the goal, which names {_shown(said)}",
                             hint=f"leave {option} out, or say the same in the goal")
        if value not in (None, []):
            setattr(slots, name, value)


def _shown(value) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def fill_slot(slots: Slots, kind: str, text: str, dialect: str) -> None:
    """Parse one named thing into its slot; a name that cannot be one is refused here."""
    if kind == "column_ref":  # table.column, or a column whose table comes from "on TABLE" or --table
        parts = ids.parse_names(text, dialect, "column")
        if len(parts) == 1:
            slots.column = parts[0]
        else:
            slots.table, slots.column = ids.parse_column_ref(text, dialect)
    elif kind == "column_refs":
        refs = [ids.parse_column_ref(piece, dialect) for piece in ids.split_list(text)]
        tables = {table for table, _ in refs}
        if len(tables) > 1:
            raise UsageError(f"'{text}' names columns of several tables: move the columns of one table at a time")
        slots.table, slots.columns = refs[0][0], [column for _, column in refs]
    elif kind == "table":
        slots.table = ids.parse_table(text, dialect)
    elif kind == "column":
        slots.column = ids.parse_name(text, dialect, "column")
    elif kind == "columns":
        slots.columns = ids.parse_name_list(text, dialect, "columns")
    elif kind == "new_column":
        slots.new_column = ids.parse_name(text, dialect, "new column name")
    elif kind == "new_table":
        slots.new_table = ids.parse_table(text, dialect, "new table name")
    elif kind == "type":
        slots.type = ids.parse_type(text)
    elif kind == "new_type":
        slots.new_type = ids.parse_type(text, "new type")
    elif kind == "target_ref":
        parts = ids.parse_names(text, dialect, "referenced table")
        if len(parts) == 1:
            slots.target_table = TableName(None, parts[0])
        else:
            slots.target_table, slots.target_column = ids.parse_column_ref(text, dialect, "referenced column")
    elif kind == "target_table":
        slots.target_table = ids.parse_table(text, dialect, "target table")
    elif kind == "default":
        slots.default = text
    else:
        raise AssertionError(f"unknown slot kind {kind}")


class Placeholder(Name):
    """A name the goal did not give (see identifiers.placeholder_text): it keeps the plan from being written."""

    def __init__(self, what: str):
        super().__init__(ids.placeholder_text(what))


class Context:
    """What a pattern builds with: the dialect, the live facts, and where it records what is missing."""

    def __init__(self, dialect: str, facts: LiveFacts):
        self.dialect = dialect
        self.facts = facts
        self.fill_in: list[str] = []
        self.placeholders: list[str] = []
        self.notes: list[str] = []

    def q(self, name: Name | TableName) -> str:
        return name.sql(self.dialect)

    def missing(self, what: str, how: str) -> Placeholder:
        what = ids.show_placeholders(what)  # a description is words, even when it names another unknown
        if what not in self.placeholders:
            self.placeholders.append(what)
            self.fill_in.append(f"{what}: {how}")
        return Placeholder(what)

    def need_table(self, table: TableName | None, what: str = "table", option: str = "--table") -> TableName:
        if table is None:
            return TableName(None, self.missing(what, f"name it in the goal or with {option}"))
        return table

    def table_facts(self, table: TableName) -> TableFacts | None:
        """The live table, when the database could be read. A table the database lacks is an error."""
        if isinstance(table.name, Placeholder) or not self.facts.knows(table.key):
            return None
        facts = self.facts.table(table.key)
        if facts is None:
            raise UsageError(f"table {table} does not exist in {self.facts.database}",
                             hint="check the name, or plan against the database that has it (--url or --env)")
        return facts

    def column_facts(self, table: TableName, column: Name) -> ColumnFacts | None:
        facts = self.table_facts(table)
        if facts is None or isinstance(column, Placeholder):
            return None
        found = facts.column(column.text)
        if found is None:
            names = ", ".join(c.name for c in facts.columns)
            raise UsageError(f"table {table} has no column {column.text} (its columns: {names})")
        return found

    def column_type(self, table: TableName, column: Name, given: str | None = None) -> str:
        """The type a copy of the column needs: given, else read from the database, else a placeholder."""
        if given:
            return given
        facts = self.column_facts(table, column)
        if facts is not None:
            return facts.type
        return self.missing(f"type of {table}.{column}", "give --type, or plan against the live database").text

    def rebuild_caveat(self, table: TableName, facts: TableFacts) -> None:
        """SQLite's table rebuild re-creates columns, keys and indexes: say what else the table has."""
        definition = (facts.definition or "").lower()
        extras = [word for word in ("check", "generated", "collate") if word in definition]
        if extras:
            self.fill_in.append(f"{table} has {', '.join(w.upper() for w in extras)} in its definition: copy them into "
                                "the rebuilt table's CREATE TABLE (the rebuild re-creates columns, keys and indexes only)")

    def primary_key(self, table: TableName) -> list[Name]:
        facts = self.table_facts(table)
        if facts is not None and facts.primary_key:
            return [Name(column) for column in facts.primary_key]
        if facts is not None:
            raise UsageError(f"table {table} has no primary key: this plan needs one to find each row's copy")
        return [self.missing(f"primary key of {table}", "plan against the live database, which knows it")]
