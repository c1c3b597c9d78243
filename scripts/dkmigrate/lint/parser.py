"""Reads one statement into the model of lint.syntax.

A small recursive-descent reader over lint.tokens: it understands the statements and ALTER TABLE actions
that decide a migration's safety, in PostgreSQL's, MySQL's and SQLite's spelling, and reads everything
else as an Other by its first keywords. It never fails: what it cannot follow it skips, and a statement
it cannot make sense of is an Other.
"""

from __future__ import annotations

import re

from .syntax import (
    Action, AddColumn, AddConstraint, AlterColumnType, AlterTable, Cluster, ColumnDef, Constraint, CreateIndex,
    CreateTable, DataChange, DataType, Default, DropColumn, DropConstraint, DropIndex, DropNotNull, DropTable,
    LockTable, ModifyColumn, Name, Other, OtherAction, Reindex, RenameColumn, RenameTable, RenameTables, SetDefault,
    SetNotNull, SetSetting, Statement, TransactionControl, Trigger, Truncate, ValidateConstraint, Vacuum,
)
from .tokens import NUMBER, PUNCT, QUOTED, WORD, Token, identifier, tokenize


# The first keywords decide whether a statement is worth tokenizing: a CREATE FUNCTION's body, or the rows of
# an INSERT, can be megabytes that change nothing the rules look at.
_VERB = re.compile(r"\s*([A-Za-z]+)")
_OBJECT = re.compile(
    r"\s*(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:(?:GLOBAL|LOCAL|TEMP|TEMPORARY|UNLOGGED|UNIQUE|FULLTEXT|SPATIAL"
    r"|CONSTRAINT|ONLINE|OFFLINE|IGNORE)\s+)*([A-Za-z]+)", re.IGNORECASE)
_READ_OBJECTS = frozenset({"TABLE", "INDEX", "TRIGGER"})
_INSERT_HEAD = re.compile(r".*?\b(?:VALUES|SELECT|TABLE|WITH)\b", re.IGNORECASE | re.DOTALL)


def parse(text: str, dialect: str) -> Statement:
    verb = _VERB.match(text)
    verb = verb.group(1).upper() if verb else ""
    if verb in ("CREATE", "ALTER"):
        target = _OBJECT.match(text)
        if target is None or target.group(1).upper() not in _READ_OBJECTS:
            return Other(f"{verb} {target.group(1).upper()}" if target else verb)
    elif verb not in _READERS:
        return Other(" ".join(text.split(None, 2)[:2]).upper())
    head = text
    if verb in ("INSERT", "REPLACE") and (match := _INSERT_HEAD.match(text)):
        head = match.group()
    return _read_statement(_Cursor(tokenize(head, dialect), text, dialect))


class _Cursor:
    """A position in a statement's tokens, with the tests the readers below are made of."""

    def __init__(self, tokens: list[Token], text: str, dialect: str, words: tuple[str, ...] | None = None):
        self.tokens = tokens
        # Each token's keyword ("" for anything but a plain word): keyword tests compare slices of it.
        self.words = words if words is not None else tuple(t.upper if t.kind == WORD else "" for t in tokens)
        self.index = 0
        self.text = text
        self.dialect = dialect

    def peek(self, ahead: int = 0) -> Token | None:
        index = self.index + ahead
        return self.tokens[index] if index < len(self.tokens) else None

    def word(self, ahead: int = 0) -> str:
        """The keyword at the position, upper case; "" for anything that is not a plain word."""
        index = self.index + ahead
        return self.words[index] if index < len(self.words) else ""

    @property
    def done(self) -> bool:
        return self.index >= len(self.tokens)

    def advance(self) -> Token | None:
        token = self.peek()
        if token is not None:
            self.index += 1
        return token

    def at(self, *words: str) -> bool:
        return self.words[self.index:self.index + len(words)] == words

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.index += len(words)
            return True
        return False

    def accept_one(self, *choices: str) -> str | None:
        word = self.word()
        if word and word in choices:
            self.index += 1
            return word
        return None

    def at_punct(self, punct: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == PUNCT and token.text == punct

    def accept_punct(self, punct: str) -> bool:
        if self.at_punct(punct):
            self.index += 1
            return True
        return False

    def identifier(self) -> str | None:
        token = self.peek()
        if token is None or token.kind not in (WORD, QUOTED):
            return None
        self.index += 1
        return identifier(token, self.dialect)

    def name(self) -> Name | None:
        """A possibly qualified name: schema.table, "Quoted".name, `db`.`t`."""
        first = self.peek()
        if first is None or first.kind not in (WORD, QUOTED):
            return None
        parts = []
        while True:
            token = self.advance()
            parts.append(identifier(token, self.dialect))
            follower = self.peek(1)
            if not (self.at_punct(".") and follower is not None and follower.kind in (WORD, QUOTED)):
                break
            self.index += 1
        return Name(tuple(parts), self.text[first.pos:token.pos + len(token.text)])

    def skip_group(self) -> list[Token]:
        """Consumes a balanced ( ... ) if one starts here; returns the tokens inside it."""
        if not self.at_punct("("):
            return []
        start = self.index + 1
        depth = 0
        for index in range(self.index, len(self.tokens)):
            token = self.tokens[index]
            if token.kind == PUNCT:
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                    if depth == 0:
                        self.index = index + 1
                        return self.tokens[start:index]
        self.index = len(self.tokens)
        return self.tokens[start:]

    def take_until(self, stop_words: frozenset[str] = frozenset(), commas: bool = True) -> list[Token]:
        """Consumes tokens up to a stop word or comma at the top level (not inside parentheses)."""
        start, depth, tokens = self.index, 0, self.tokens
        index = start
        while index < len(tokens):
            token = tokens[index]
            if token.kind == PUNCT:
                if token.text == "(":
                    depth += 1
                elif token.text == ")":
                    depth -= 1
                elif commas and depth == 0 and token.text == ",":
                    break
            elif depth == 0 and token.kind == WORD and token.upper in stop_words:
                break
            index += 1
        self.index = index
        return tokens[start:index]

    def rest(self) -> list[Token]:
        taken = self.tokens[self.index:]
        self.index = len(self.tokens)
        return taken

    def split_top_level(self) -> list[_Cursor]:
        """The remaining tokens as one cursor per comma-separated item."""
        items = []
        while not self.done:
            start = self.index
            tokens = self.take_until()
            items.append(_Cursor(tokens, self.text, self.dialect, self.words[start:self.index]))
            self.accept_punct(",")
        return items

    def span(self, tokens: list[Token]) -> str:
        if not tokens:
            return ""
        return self.text[tokens[0].pos:tokens[-1].pos + len(tokens[-1].text)]

    def text_since(self, start: int) -> str:
        """The statement text from the token at index `start` to the last token consumed."""
        return self.span(self.tokens[start:self.index])


def _read_statement(c: _Cursor) -> Statement:
    reader = _READERS.get(c.word())
    statement = reader(c) if reader is not None else None
    if statement is not None:
        return statement
    c.index = 0
    return Other(" ".join(word for word in (c.word(0), c.word(1)) if word))


# CREATE ...

_CREATE_TABLE_PREFIXES = ("GLOBAL", "LOCAL", "TEMP", "TEMPORARY", "UNLOGGED")


def _create(c: _Cursor) -> Statement | None:
    c.accept("CREATE")
    c.accept("OR", "REPLACE")
    while c.accept_one(*_CREATE_TABLE_PREFIXES):
        pass
    if c.accept("TABLE"):
        return _create_table(c)
    unique = bool(c.accept_one("UNIQUE"))
    c.accept_one("FULLTEXT", "SPATIAL")
    if c.accept("INDEX"):
        return _create_index(c, unique)
    c.accept("CONSTRAINT")
    if c.accept("TRIGGER"):
        return _trigger_target(c, create=True)
    return None


def _create_table(c: _Cursor) -> CreateTable | None:
    c.accept("IF", "NOT", "EXISTS")
    name = c.name()
    if name is None:
        return None
    if not c.at_punct("("):  # AS SELECT, PARTITION OF, OF type
        return CreateTable(name, complete=False)
    columns, constraints, complete = [], [], True
    body = _Cursor(c.skip_group(), c.text, c.dialect)
    for element in body.split_top_level():
        if element.at("LIKE"):
            complete = False
        elif _starts_constraint(element):
            constraints.append(_constraint(element))
        elif (column := _column_def(element)) is not None:
            columns.append(column)
    if c.accept("PARTITION", "OF") or c.accept("INHERITS"):
        complete = False
    return CreateTable(name, tuple(columns), tuple(constraints), complete)


def _create_index(c: _Cursor, unique: bool) -> CreateIndex | None:
    concurrently = c.accept("CONCURRENTLY")
    c.accept("IF", "NOT", "EXISTS")
    name = None if c.at("ON") else c.identifier()
    if c.accept("USING"):  # MySQL: CREATE INDEX i USING BTREE ON t
        c.advance()
    if not c.accept("ON"):
        return None
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return None
    if c.accept("USING"):
        c.advance()
    group = _Cursor(c.skip_group(), c.text, c.dialect)
    columns = tuple(column for item in group.split_top_level()  # a column, maybe followed by ASC, an opclass...
                    if (column := item.identifier()) is not None and (item.done or item.peek().kind == WORD))
    return CreateIndex(name, table, unique, concurrently, columns)


def _trigger_target(c: _Cursor, create: bool) -> Trigger | None:
    while not c.done:
        if c.accept("ON"):
            table = c.name()
            return Trigger(table, create) if table else None
        c.advance()
    return None


# ALTER TABLE

_MYSQL_ALGORITHMS = frozenset({"DEFAULT", "INSTANT", "INPLACE", "COPY", "NOCOPY"})
_MYSQL_LOCKS = frozenset({"DEFAULT", "NONE", "SHARED", "EXCLUSIVE"})


def _alter(c: _Cursor) -> Statement | None:
    c.accept("ALTER")
    c.accept_one("ONLINE", "OFFLINE")
    c.accept("IGNORE")
    if not c.accept("TABLE"):
        return None
    c.accept("IF", "EXISTS")
    c.accept("ONLY")
    name = c.name()
    if name is None or c.at("ALL", "IN"):
        return None
    c.accept_punct("*")
    algorithm = lock = None
    actions: list[Action] = []
    for item in c.split_top_level():
        if c.dialect == "mysql":
            algorithm, lock = _mysql_options(item, algorithm, lock)
            if item.done:
                continue
        actions.extend(_actions(item))
    return AlterTable(name, tuple(actions), algorithm, lock)


def _mysql_options(item: _Cursor, algorithm: str | None, lock: str | None) -> tuple[str | None, str | None]:
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


def _actions(c: _Cursor) -> list[Action]:
    first = c.word()
    if first == "ADD":
        return _add(c)
    reader = _ACTION_READERS.get(first)
    action = reader(c) if reader else None
    return [action or _other_action(c)]


def _other_action(c: _Cursor) -> OtherAction:
    c.index = 0
    return OtherAction(_leading_words(c, 2))


def _leading_words(c: _Cursor, count: int) -> str:
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


def _add(c: _Cursor) -> list[Action]:
    c.accept("ADD")
    if _starts_constraint(c):
        return [AddConstraint(_constraint(c))]
    c.accept("COLUMN")
    if_not_exists = c.accept("IF", "NOT", "EXISTS")
    if c.at_punct("("):  # MySQL: ADD (a int, b int)
        group = _Cursor(c.skip_group(), c.text, c.dialect)
        return [AddColumn(column, if_not_exists) for item in group.split_top_level()
                if (column := _column_def(item)) is not None]
    column = _column_def(c)
    return [AddColumn(column, if_not_exists)] if column else [_other_action(c)]


def _drop(c: _Cursor) -> Action | None:
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


def _rename(c: _Cursor) -> Action | None:
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


def _alter_column(c: _Cursor) -> Action | None:
    c.accept("ALTER")
    if c.word() in ("CONSTRAINT", "INDEX"):
        return None
    c.accept("COLUMN")
    column = c.identifier()
    if column is None:
        return None
    if c.accept("SET", "DATA", "TYPE") or c.accept("TYPE"):
        data_type = _data_type(c)
        if data_type is None:
            return None
        collate = c.accept("COLLATE")
        if collate:
            c.advance()
        using = c.span(c.rest()[1:]) if c.at("USING") else None
        return AlterColumnType(column, data_type, using, collate)
    if c.accept("SET", "NOT", "NULL"):
        return SetNotNull(column)
    if c.accept("DROP", "NOT", "NULL"):
        return DropNotNull(column)
    if c.accept("SET", "DEFAULT"):
        return SetDefault(column, _default(c))
    if c.accept("DROP", "DEFAULT"):
        return SetDefault(column, None)
    return OtherAction(f"ALTER COLUMN {_leading_words(c, 3)}".strip())


def _validate(c: _Cursor) -> Action | None:
    if not c.accept("VALIDATE", "CONSTRAINT"):
        return None
    name = c.identifier()
    return ValidateConstraint(name) if name else None


def _modify(c: _Cursor) -> Action | None:
    """MySQL: MODIFY [COLUMN] definition, CHANGE [COLUMN] old definition."""
    if c.dialect != "mysql":
        return None
    change = c.accept_one("MODIFY", "CHANGE") == "CHANGE"
    c.accept("COLUMN")
    old = c.identifier() if change else None
    column = _column_def(c)
    return ModifyColumn(column, old) if column else None


def _partition(c: _Cursor) -> Action | None:
    verb = c.accept_one("ATTACH", "DETACH")
    if not c.accept("PARTITION"):
        return None
    target = c.name()
    concurrently = any(token.kind == WORD and token.upper == "CONCURRENTLY" for token in c.rest())
    return OtherAction(f"{verb} PARTITION{' CONCURRENTLY' if concurrently else ''}", target)


_ACTION_READERS = {
    "DROP": _drop, "RENAME": _rename, "ALTER": _alter_column, "VALIDATE": _validate,
    "MODIFY": _modify, "CHANGE": _modify, "ATTACH": _partition, "DETACH": _partition,
}


# Columns, types, defaults and constraints.

_CONSTRAINT_STARTS = frozenset({"CONSTRAINT", "CHECK", "FOREIGN", "UNIQUE", "PRIMARY", "EXCLUDE"})
_MYSQL_KEY_STARTS = frozenset({"INDEX", "KEY", "FULLTEXT", "SPATIAL"})
_COLUMN_CLAUSE_WORDS = frozenset({
    "CONSTRAINT", "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "GENERATED", "COLLATE",
    "AS", "AUTO_INCREMENT", "AUTOINCREMENT", "COMMENT", "ON", "FIRST", "AFTER", "KEY", "CHARACTER", "CHARSET",
    "INVISIBLE", "VISIBLE", "DEFERRABLE", "INITIALLY", "STORAGE", "COMPRESSION",
})


def _starts_constraint(c: _Cursor) -> bool:
    word = c.word()
    return word in _CONSTRAINT_STARTS or (c.dialect == "mysql" and word in _MYSQL_KEY_STARTS)


def _column_def(c: _Cursor) -> ColumnDef | None:
    name = c.identifier()
    if name is None:
        return None
    data_type = None if c.word() in _COLUMN_CLAUSE_WORDS else _data_type(c)
    facts: dict = {}
    while not c.done:
        if c.accept("CONSTRAINT"):
            c.identifier()
        elif c.accept("NOT", "NULL"):
            facts["not_null"] = True
        elif c.accept("NULL"):
            facts["not_null"] = False
        elif c.accept("DEFAULT"):
            facts["default"] = _default(c)
        elif c.accept("PRIMARY", "KEY") or (c.dialect == "mysql" and c.accept("KEY")):
            facts["primary_key"] = True
        elif c.accept("UNIQUE"):
            facts["unique"] = True
        elif c.accept("CHECK"):
            c.skip_group()
            facts["check"] = True
        elif c.accept("REFERENCES"):
            facts["references"] = c.name()
            c.skip_group()
        elif c.accept("GENERATED"):
            facts["generated"] = _generated(c)
        elif c.accept("ON"):  # ON DELETE SET NULL, ON UPDATE CURRENT_TIMESTAMP, ON CONFLICT ...
            c.advance()
            if c.accept_one("SET", "NO"):
                c.advance()
            else:
                c.advance()
                c.skip_group()
        elif c.accept("AS"):  # MySQL and SQLite: [GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]
            c.skip_group()
            facts["generated"] = "stored" if c.accept_one("STORED", "PERSISTENT") else "virtual"
        elif c.accept_one("AUTO_INCREMENT", "AUTOINCREMENT", "SERIAL"):
            facts["auto_increment"] = True
        elif not c.skip_group():
            c.advance()
    return ColumnDef(name, data_type, **facts)


def _generated(c: _Cursor) -> str:
    if not c.accept("ALWAYS"):
        c.accept("BY", "DEFAULT")
    c.accept("AS")
    if c.accept("IDENTITY"):
        c.skip_group()
        return "identity"
    c.skip_group()
    return "stored" if c.accept_one("STORED", "PERSISTENT") else "virtual"


_TYPE_ALIASES = {
    "int": "integer", "int4": "integer", "integer": "integer", "int8": "bigint", "bigint": "bigint",
    "int2": "smallint", "smallint": "smallint", "serial4": "serial", "serial8": "bigserial",
    "serial2": "smallserial", "character varying": "varchar", "char varying": "varchar", "varchar": "varchar",
    "character": "char", "char": "char", "bpchar": "char", "decimal": "numeric", "numeric": "numeric",
    "float4": "real", "real": "real", "float8": "double precision", "double precision": "double precision",
    "bool": "boolean", "boolean": "boolean", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz", "time without time zone": "time", "time with time zone": "timetz",
    "bit varying": "varbit", "varbit": "varbit",
}
_MULTIWORD_TYPES = {
    ("CHARACTER", "VARYING"), ("CHAR", "VARYING"), ("DOUBLE", "PRECISION"), ("BIT", "VARYING"),
    ("NATIONAL", "CHARACTER"), ("NATIONAL", "CHAR"), ("LONG", "VARCHAR"), ("LONG", "VARBINARY"),
}
_TIME_TYPES = ("TIMESTAMP", "TIME")
_MYSQL_TYPE_WORDS = frozenset({"UNSIGNED", "SIGNED", "ZEROFILL", "BINARY"})


def _data_type(c: _Cursor) -> DataType | None:
    first = c.peek()
    if first is None or first.kind not in (WORD, QUOTED):
        return None
    start = c.index
    name = c.name()
    words = [name.last]
    if len(name.parts) == 1 and first.kind == WORD and (first.upper, c.word()) in _MULTIWORD_TYPES:
        words.append(c.advance().text.lower())
        if words == ["national", "character"] and c.accept("VARYING"):
            words.append("varying")
    modifiers = _type_modifiers(c)
    if first.upper in _TIME_TYPES and c.word() in ("WITH", "WITHOUT"):
        zone = c.advance().text.lower()
        c.accept("TIME", "ZONE")
        words += [zone, "time", "zone"]
    while c.dialect == "mysql" and (word := c.accept_one(*_MYSQL_TYPE_WORDS)):
        if word == "UNSIGNED":
            words.append("unsigned")
    array = False
    while c.at_punct("[") or c.at("ARRAY"):
        array = True
        c.advance()
        while c.peek() is not None and not c.accept_punct("]") and c.peek().kind == NUMBER:
            c.advance()
    written = c.text_since(start)
    unsigned = words[-1] == "unsigned"
    base = " ".join(words[:-1] if unsigned else words)
    canonical = _TYPE_ALIASES.get(base, base) + (" unsigned" if unsigned else "")
    if canonical == "float" and c.dialect == "postgres":
        canonical = "real" if modifiers and modifiers[0] <= 24 else "double precision"
        modifiers = None
    return DataType(canonical, modifiers, array, written)


def _type_modifiers(c: _Cursor) -> tuple[int, ...] | None:
    if not c.at_punct("("):
        return None
    inside = c.skip_group()
    numbers = [token for token in inside if not (token.kind == PUNCT and token.text == ",")]
    if numbers and all(token.kind == NUMBER and token.text.isdigit() for token in numbers):
        return tuple(int(token.text) for token in numbers)
    return None


_DEFAULT_STOP_WORDS = frozenset(_COLUMN_CLAUSE_WORDS - {"AS", "CHARACTER", "NULL"})

# Built-in functions a default may call without forcing a table rewrite (immutable or stable), and the
# volatile ones that force it. Any other function may be volatile: PostgreSQL makes a function VOLATILE
# unless it is declared otherwise.
_NON_VOLATILE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_timestamp", "current_date", "current_time",
    "localtimestamp", "localtime", "current_setting", "current_user", "session_user", "current_schema",
    "lower", "upper", "coalesce", "nullif", "greatest", "least", "cast", "length", "char_length", "concat",
    "concat_ws", "md5", "sha256", "encode", "decode", "trim", "btrim", "ltrim", "rtrim", "replace", "substring",
    "substr", "left", "right", "lpad", "rpad", "abs", "round", "floor", "ceil", "ceiling", "date_trunc",
    "date_part", "extract", "make_date", "make_time", "make_timestamp", "make_timestamptz", "make_interval",
    "to_char", "to_date", "to_timestamp", "to_number", "to_json", "to_jsonb", "json_build_object",
    "jsonb_build_object", "json_build_array", "jsonb_build_array", "array", "row", "format", "timezone",
    "array_fill", "utc_timestamp", "curdate", "curtime", "datetime", "date", "strftime", "julianday",
})
_VOLATILE_FUNCTIONS = frozenset({
    "random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid", "gen_random_bytes",
    "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7", "nextval", "setval",
    "currval", "lastval", "txid_current", "pg_current_xact_id", "rand", "uuid", "uuid_short", "randomblob",
})


def _default(c: _Cursor) -> Default:
    tokens = c.take_until(_DEFAULT_STOP_WORDS)
    volatile, unknown = [], []
    for index, token in enumerate(tokens):
        follower = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind != WORD or follower is None or follower.text != "(":
            continue
        function = token.text.lower()
        if function in _VOLATILE_FUNCTIONS:
            volatile.append(function)
        elif function not in _NON_VOLATILE_FUNCTIONS:
            unknown.append(function)
    is_null = len(tokens) == 1 and tokens[0].upper == "NULL"
    return Default(c.span(tokens), is_null, tuple(volatile), tuple(unknown))


def _constraint(c: _Cursor) -> Constraint:
    name = None
    if c.accept("CONSTRAINT"):
        name = None if c.word() in _CONSTRAINT_STARTS else c.identifier()
    start = c.index
    kind, columns, references, using_index, proves = "index", (), None, None, ()
    if c.accept("CHECK"):
        kind = "check"
        proves = _proves_not_null(c.skip_group(), c.dialect)
    elif c.accept("FOREIGN", "KEY"):
        kind = "foreign_key"
        if not c.at_punct("("):
            c.identifier()
        columns = _column_list(c)
        if c.accept("REFERENCES"):
            references = c.name()
    elif c.accept("EXCLUDE"):
        kind = "exclude"
    else:
        if c.accept("PRIMARY", "KEY"):
            kind = "primary_key"
        elif c.accept("UNIQUE"):
            kind = "unique"
        else:
            c.advance()  # INDEX, KEY, FULLTEXT, SPATIAL
        c.accept_one("INDEX", "KEY")
        if c.accept("USING", "INDEX"):
            using_index = c.identifier()
        elif not c.at_punct("(") and c.word() not in ("USING", "NULLS"):
            identifier = c.identifier()  # MySQL: UNIQUE KEY name (cols)
            name = name or identifier
    rest = c.rest()
    not_valid = any(token.upper == "NOT" and following.upper == "VALID" for token, following in zip(rest, rest[1:]))
    if kind in ("unique", "primary_key", "index") and not columns:
        columns = _column_list(_Cursor(rest, c.text, c.dialect), anywhere=True)
    return Constraint(kind, name, columns, not_valid, using_index, references, proves, c.text_since(start))


def _column_list(c: _Cursor, anywhere: bool = False) -> tuple[str, ...]:
    while anywhere and not c.done and not c.at_punct("("):
        c.advance()
    group = _Cursor(c.skip_group(), c.text, c.dialect)
    return tuple(column for item in group.split_top_level() if (column := item.identifier()))


_NOT_NULL_CONJUNCT = re.compile(r"^\(*\s*(?P<column>\S+?)\s+IS\s+NOT\s+NULL\s*\)*$", re.IGNORECASE)


def _proves_not_null(inside: list[Token], dialect: str) -> tuple[str, ...]:
    """The columns a CHECK proves non-null: its top-level conjuncts of the form `column IS NOT NULL`."""
    conjuncts, current, depth = [], [], 0
    for token in inside:
        if token.kind == PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
        if depth == 0 and token.kind == WORD and token.upper == "AND":
            conjuncts.append(current)
            current = []
        else:
            current.append(token)
    conjuncts.append(current)
    proved = []
    for conjunct in conjuncts:
        words = [token for token in conjunct if not (token.kind == PUNCT and token.text in "()")]
        if (len(words) == 4 and words[0].kind in (WORD, QUOTED)
                and [token.upper for token in words[1:]] == ["IS", "NOT", "NULL"]):
            proved.append(identifier(words[0], dialect))
    return tuple(proved)


# DROP, RENAME, TRUNCATE

def _drop_statement(c: _Cursor) -> Statement | None:
    c.accept("DROP")
    c.accept("TEMPORARY")
    if c.accept("TABLE"):
        c.accept("IF", "EXISTS")
        names = _name_list(c)
        return DropTable(names) if names else None
    if c.accept("INDEX"):
        concurrently = c.accept("CONCURRENTLY")
        c.accept("IF", "EXISTS")
        names = _name_list(c)
        table = c.name() if c.accept("ON") else None
        return DropIndex(names, concurrently, table) if names else None
    if c.accept("TRIGGER"):
        c.accept("IF", "EXISTS")
        c.name()
        return _trigger_target(c, create=False)
    return None


def _name_list(c: _Cursor) -> tuple[Name, ...]:
    names = []
    while (name := c.name()) is not None:
        names.append(name)
        c.accept_punct("*")
        if not c.accept_punct(","):
            break
    return tuple(names)


def _rename_statement(c: _Cursor) -> Statement | None:
    if c.dialect != "mysql" or not c.accept("RENAME", "TABLE"):
        return None
    pairs = []
    for item in c.split_top_level():
        old = item.name()
        if old and item.accept("TO") and (new := item.name()):
            pairs.append((old, new))
    return RenameTables(tuple(pairs)) if pairs else None


def _truncate(c: _Cursor) -> Statement | None:
    c.accept("TRUNCATE")
    c.accept("TABLE")
    c.accept("ONLY")
    names = _name_list(c)
    cascade = any(token.upper == "CASCADE" for token in c.rest())
    return Truncate(names, cascade) if names else None


# UPDATE, DELETE, INSERT, WITH

_BOUNDING_WORDS = frozenset({"WHERE", "LIMIT"})


def _update(c: _Cursor) -> Statement | None:
    c.accept("UPDATE")
    while c.accept_one("ONLY", "LOW_PRIORITY", "IGNORE"):
        pass
    table = c.name()
    if table is None:
        return None
    return DataChange("UPDATE", table, has_where=_has_top_level(c, _BOUNDING_WORDS))


def _delete(c: _Cursor) -> Statement | None:
    c.accept("DELETE")
    while c.accept_one("LOW_PRIORITY", "QUICK", "IGNORE"):
        pass
    c.accept("FROM")
    c.accept("ONLY")
    table = c.name()
    if table is None:
        return None
    return DataChange("DELETE", table, has_where=_has_top_level(c, _BOUNDING_WORDS))


def _insert(c: _Cursor) -> Statement | None:
    verb = c.advance().upper
    if c.accept("OR"):  # SQLite: INSERT OR REPLACE
        c.advance()
    while c.accept_one("LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE"):
        pass
    c.accept("INTO")
    table = c.name()
    if table is None:
        return None
    if c.accept("AS"):
        c.identifier()
    c.skip_group()
    from_query = c.word() in ("SELECT", "WITH", "TABLE")
    return DataChange(verb, table, from_query=from_query)


def _has_top_level(c: _Cursor, words: frozenset[str]) -> bool:
    depth = 0
    while (token := c.advance()) is not None:
        if token.kind == PUNCT and token.text in "()":
            depth += 1 if token.text == "(" else -1
        elif depth == 0 and token.kind == WORD and token.upper in words:
            return True
    return False


def _with(c: _Cursor) -> Statement | None:
    """WITH [RECURSIVE] name [(columns)] AS [[NOT] MATERIALIZED] (query), ... followed by the statement."""
    c.accept("WITH")
    c.accept("RECURSIVE")
    while c.identifier() is not None:
        c.skip_group()
        if not c.accept("AS"):
            return None
        c.accept("NOT")
        c.accept("MATERIALIZED")
        c.skip_group()
        if not c.accept_punct(","):
            break
    rest = _Cursor(c.rest(), c.text, c.dialect)
    reader = _READERS.get(rest.word())
    return reader(rest) if reader in (_update, _delete, _insert) else None


# Maintenance, settings, transactions, locks

def _reindex(c: _Cursor) -> Statement | None:
    c.accept("REINDEX")
    options = c.skip_group()
    concurrently = any(token.upper == "CONCURRENTLY" for token in options)
    target = c.accept_one("INDEX", "TABLE", "SCHEMA", "DATABASE", "SYSTEM")
    if target is None:
        return None
    concurrently = c.accept("CONCURRENTLY") or concurrently
    return Reindex(target, c.name(), concurrently)


_SWITCHED_OFF = frozenset({"FALSE", "OFF", "0"})


def _vacuum(c: _Cursor) -> Statement | None:
    c.accept("VACUUM")
    options = c.skip_group()
    full = any(token.upper == "FULL" and (following is None or following.upper not in _SWITCHED_OFF)
               for token, following in zip(options, [*options[1:], None]))
    while (word := c.accept_one("FULL", "FREEZE", "VERBOSE", "ANALYZE", "ANALYSE")) is not None:
        full = full or word == "FULL"
    tables = []
    for item in c.split_top_level():
        if (name := item.name()) is not None:
            tables.append(name)
    return Vacuum(full, tuple(tables))


def _cluster(c: _Cursor) -> Statement | None:
    c.accept("CLUSTER")
    c.skip_group()
    c.accept("VERBOSE")
    first = c.name()
    if first is not None and c.accept("ON"):  # the old form: CLUSTER index ON table
        return Cluster(c.name())
    return Cluster(first)


def _set(c: _Cursor) -> Statement | None:
    c.accept("SET")
    local = c.accept_one("SESSION", "LOCAL") == "LOCAL"
    name = c.name()
    if name is None or not (c.accept("TO") or c.accept_punct("=")):
        return None
    value_tokens = c.rest()
    value = c.span(value_tokens).strip("'\"") if value_tokens else None
    if value is not None and value.upper() == "DEFAULT":
        value = None
    return SetSetting(".".join(name.parts), value, local)


def _reset(c: _Cursor) -> Statement | None:
    c.accept("RESET")
    name = c.name()
    return SetSetting(".".join(name.parts), None) if name else None


_SET_CONFIG = re.compile(
    r"^SELECT\s+(?:pg_catalog\.)?set_config\s*\(\s*'(?P<name>[^']+)'\s*,\s*'(?P<value>[^']*)'\s*,\s*(?P<local>\w+)\s*\)\s*$",
    re.IGNORECASE,
)


def _select(c: _Cursor) -> Statement | None:
    match = _SET_CONFIG.match(c.text)
    if match is None:
        return None
    value = match["value"] or None
    return SetSetting(match["name"].lower(), value, local=match["local"].upper() in ("TRUE", "T", "ON", "1"))


def _transaction(c: _Cursor) -> Statement | None:
    word = c.advance().upper
    if word == "START" and not c.accept("TRANSACTION"):
        return None
    if word == "BEGIN" and c.at("ATOMIC"):
        return None
    if word == "ROLLBACK" and any(token.upper == "TO" for token in c.rest()):
        return None  # ROLLBACK TO SAVEPOINT stays inside the transaction
    action = {"BEGIN": "begin", "START": "begin", "COMMIT": "commit", "END": "commit"}.get(word, "rollback")
    return TransactionControl(action)


def _lock(c: _Cursor) -> Statement | None:
    if c.dialect != "postgres":
        return None
    c.accept("LOCK")
    c.accept("TABLE")
    c.accept("ONLY")
    names = _name_list(c)
    mode = "ACCESS EXCLUSIVE"
    if c.accept("IN"):
        words = []
        while (word := c.word()) and word != "MODE":
            words.append(word)
            c.advance()
        mode = " ".join(words)
    return LockTable(names, mode) if names else None


_READERS = {
    "CREATE": _create, "ALTER": _alter, "DROP": _drop_statement, "RENAME": _rename_statement,
    "TRUNCATE": _truncate, "UPDATE": _update, "DELETE": _delete, "INSERT": _insert, "REPLACE": _insert,
    "WITH": _with, "REINDEX": _reindex, "VACUUM": _vacuum, "CLUSTER": _cluster, "SET": _set, "RESET": _reset,
    "SELECT": _select, "BEGIN": _transaction, "START": _transaction, "COMMIT": _transaction, "END": _transaction,
    "ROLLBACK": _transaction, "ABORT": _transaction, "LOCK": _lock,
}

