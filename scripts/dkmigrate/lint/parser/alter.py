"""ALTER TABLE and its actions, each one a comma-separated item: ADD COLUMN a int, DROP COLUMN b."""

from __future__ import annotations

from ..syntax import (
    Action, AddColumn, AddConstraint, AlterColumnType, AlterTable, DropColumn, DropConstraint, DropNotNull,
    ModifyColumn, Other, OtherAction, RenameColumn, RenameTable, SetDefault, SetNotNull, Statement, ValidateConstraint,
)
from ..tokens import PUNCT, WORD
from .cursor import Cursor
from .definitions import read_column, read_constraint, read_data_type, read_default, starts_constraint


_MYSQL_ALGORITHMS = frozenset({"DEFAULT", "INSTANT", "INPLACE", "COPY", "NOCOPY"})
_MYSQL_LOCKS = frozenset({"DEFAULT", "NONE", "SHARED", "EXCLUSIVE"})


def read_alter_table(c: Cursor) -> Statement | None:
    c.accept("ALTER")
    c.accept_one("ONLINE", "OFFLINE")
    c.accept("IGNORE")
    if not c.accept("TABLE"):
        return None
    c.accept("IF", "EXISTS")
    c.accept("ONLY")
    if c.at("ALL", "IN"):
        return Other("ALTER TABLE ALL IN TABLESPACE")
    name = c.name()
    if name is None:
        return None
    c.accept_punct("*")
    algorithm = lock = None
    actions: list[Action] = []
    for item in c.split_top_level():
        if c.reads("alter-options"):
            algorithm, lock = _mysql_options(item, algorithm, lock)
            if item.done:
                continue
        actions.extend(_actions(item))
    return AlterTable(name, tuple(actions), algorithm, lock)


def _mysql_options(item: Cursor, algorithm: str | None, lock: str | None) -> tuple[str | None, str | None]:
    """Takes ALGORITHM [=] x and LOCK [=] x off the front of an item (MySQL allows them anywhere)."""
    while True:
        option = item.word()
        if option not in ("ALGORITHM", "LOCK"):
            return algorithm, lock
        equals = 1 if item.peek(1) is not None and item.peek(1).text == "=" else 0
        value = item.word(1 + equals)
        if value not in (_MYSQL_ALGORITHMS if option == "ALGORITHM" else _MYSQL_LOCKS):
            return algorithm, lock
        item.index += 2 + equals
        if option == "ALGORITHM":
            algorithm = value
        else:
            lock = value


def _actions(c: Cursor) -> list[Action]:
    first = c.word()
    if first == "ADD":
        return _add(c)
    reader = _ACTION_READERS.get(first)
    action = reader(c) if reader else None
    return [action or _other_action(c)]


def _other_action(c: Cursor) -> OtherAction:
    c.index = 0
    return OtherAction(_leading_words(c, 2))


def _leading_words(c: Cursor, count: int) -> str:
    """Up to `count` keywords from the position, and an opening parenthesis if one follows them."""
    words = []
    for ahead in range(count):
        token = c.peek(ahead)
        if token is None or token.kind not in (WORD, PUNCT) or (token.kind == PUNCT and token.text != "("):
            break
        words.append(token.upper)
        if token.text == "(":
            break
    return " ".join(words)


def _add(c: Cursor) -> list[Action]:
    c.accept("ADD")
    if starts_constraint(c):
        return [AddConstraint(read_constraint(c))]
    c.accept("COLUMN")
    if_not_exists = c.accept("IF", "NOT", "EXISTS")
    if c.at_punct("("):  # MySQL: ADD (a int, b int)
        group = Cursor(c.skip_group(), c.text, c.dialect)
        return [AddColumn(column, if_not_exists) for item in group.split_top_level()
                if (column := read_column(item)) is not None]
    column = read_column(c)
    return [AddColumn(column, if_not_exists)] if column else [_other_action(c)]


def _drop(c: Cursor) -> Action | None:
    c.accept("DROP")
    if c.accept("CONSTRAINT") or c.accept("FOREIGN", "KEY") or c.accept("CHECK"):
        c.accept("IF", "EXISTS")
        name = c.identifier()
        return DropConstraint(name) if name else None
    if c.at_punct("(") or c.word() in ("INDEX", "KEY", "PRIMARY", "PARTITION"):
        return None
    c.accept("COLUMN")
    c.accept("IF", "EXISTS")
    name = c.identifier()
    return DropColumn(name) if name else None


def _rename(c: Cursor) -> Action | None:
    c.accept("RENAME")
    if c.accept_one("TO", "AS"):
        new = c.name()
        return RenameTable(new) if new else None
    if c.word() in ("CONSTRAINT", "INDEX", "KEY"):
        return None
    explicit_column = c.accept("COLUMN")
    start = c.index
    old = c.identifier()
    if old is None:
        return None
    if c.accept("TO"):
        new = c.identifier()
        return RenameColumn(old, new) if new else None
    if not explicit_column and c.done:  # MySQL: ALTER TABLE t RENAME new_name
        c.index = start
        return RenameTable(c.name())
    return None


def _alter_column(c: Cursor) -> Action | None:
    c.accept("ALTER")
    if c.word() in ("CONSTRAINT", "INDEX"):
        return None
    c.accept("COLUMN")
    column = c.identifier()
    if column is None:
        return None
    if c.accept("SET", "DATA", "TYPE") or c.accept("TYPE"):
        data_type = read_data_type(c)
        if data_type is None:
            return None
        collate = c.accept("COLLATE")
        if collate:
            c.advance()
        using = None
        if c.at("USING"):
            expression = c.rest()[1:]
            if not _casts_itself(expression, column, data_type, c):
                using = c.span(expression)
        return AlterColumnType(column, data_type, using, collate)
    if c.accept("SET", "NOT", "NULL"):
        return SetNotNull(column)
    if c.accept("DROP", "NOT", "NULL"):
        return DropNotNull(column)
    if c.accept("SET", "DEFAULT"):
        return SetDefault(column, read_default(c))
    if c.accept("DROP", "DEFAULT"):
        return SetDefault(column, None)
    return OtherAction(f"ALTER COLUMN {_leading_words(c, 3)}".strip())


def _casts_itself(expression: list, column: str, data_type, c: Cursor) -> bool:
    """Whether a USING expression only casts the column to the new type (`col::text`, `CAST(col AS text)`, as
    Django writes it): the same as no USING at all."""
    e = Cursor(expression, c.text, c.dialect)
    cast = e.accept("CAST") and e.accept_punct("(")
    if e.identifier() != column or not (e.accept("AS") if cast else e.accept_punct("::")):
        return False
    target = read_data_type(e)
    if cast and not e.accept_punct(")"):
        return False
    return target is not None and e.done and target.same_as(data_type)


def _validate(c: Cursor) -> Action | None:
    if not c.accept("VALIDATE", "CONSTRAINT"):
        return None
    name = c.identifier()
    return ValidateConstraint(name) if name else None


def _modify(c: Cursor) -> Action | None:
    """MySQL: MODIFY [COLUMN] definition, CHANGE [COLUMN] old definition."""
    if not c.reads("modify-column"):
        return None
    change = c.accept_one("MODIFY", "CHANGE") == "CHANGE"
    c.accept("COLUMN")
    old = c.identifier() if change else None
    column = read_column(c)
    return ModifyColumn(column, old) if column else None


def _partition(c: Cursor) -> Action | None:
    verb = c.accept_one("ATTACH", "DETACH")
    if not c.accept("PARTITION"):
        return None
    target = c.name()
    mode = next((token.upper for token in c.rest() if token.kind == WORD and token.upper in ("CONCURRENTLY", "FINALIZE")),
                None)
    return OtherAction(f"{verb} PARTITION{f' {mode}' if mode else ''}", target)


_ACTION_READERS = {
    "DROP": _drop, "RENAME": _rename, "ALTER": _alter_column, "VALIDATE": _validate,
    "MODIFY": _modify, "CHANGE": _modify, "ATTACH": _partition, "DETACH": _partition,
}
