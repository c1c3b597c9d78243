"""Column definitions, data types, defaults and constraints: in CREATE TABLE and in ALTER TABLE's actions."""

from __future__ import annotations

from ..syntax import ColumnDef, Constraint, DataType, Default
from ..tokens import NUMBER, PUNCT, QUOTED, WORD, Token, identifier
from .cursor import Cursor


_CONSTRAINT_STARTS = frozenset({"CONSTRAINT", "CHECK", "FOREIGN", "UNIQUE", "PRIMARY", "EXCLUDE"})
_MYSQL_KEY_STARTS = frozenset({"INDEX", "KEY", "FULLTEXT", "SPATIAL"})
_COLUMN_CLAUSE_WORDS = frozenset({
    "CONSTRAINT", "NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "CHECK", "REFERENCES", "GENERATED", "COLLATE",
    "AS", "AUTO_INCREMENT", "AUTOINCREMENT", "COMMENT", "ON", "FIRST", "AFTER", "KEY", "CHARACTER", "CHARSET",
    "INVISIBLE", "VISIBLE", "DEFERRABLE", "INITIALLY", "STORAGE", "COMPRESSION",
})


# Words that begin a clause after a column's type, but a type where the type is expected.
_TYPE_WORDS = frozenset({"CHARACTER"})
_CLAUSES_NOT_TYPES = _COLUMN_CLAUSE_WORDS - _TYPE_WORDS
_AUTO_INCREMENT = frozenset({"AUTO_INCREMENT", "AUTOINCREMENT", "SERIAL"})


def starts_constraint(c: Cursor) -> bool:
    word = c.word()
    return word in _CONSTRAINT_STARTS or (c.reads("keys-in-table") and word in _MYSQL_KEY_STARTS)


def read_column(c: Cursor) -> ColumnDef | None:
    name = c.identifier()
    if name is None:
        return None
    data_type = None if c.word() in _CLAUSES_NOT_TYPES else read_data_type(c)
    facts: dict = {}
    words, count = c.words, len(c.tokens)
    while c.index < count:  # the clauses, told apart by their first word
        word = words[c.index]
        if word == "DEFAULT":
            c.index += 1
            facts["default"] = read_default(c)
        elif word == "NOT" and c.accept("NOT", "NULL"):
            facts["not_null"] = True
        elif word == "NULL":
            c.index += 1
            facts["not_null"] = False
        elif word == "CONSTRAINT":
            c.index += 1
            c.identifier()
        elif (word == "PRIMARY" and c.accept("PRIMARY", "KEY")) or (
                word == "KEY" and c.reads("keys-in-table") and c.accept("KEY")):
            facts["primary_key"] = True
        elif word == "UNIQUE":
            c.index += 1
            facts["unique"] = True
        elif word == "CHECK":
            c.index += 1
            c.skip_group()
            facts["check"] = True
        elif word == "REFERENCES":
            c.index += 1
            facts["references"] = c.name()
            c.skip_group()
        elif word == "GENERATED":
            c.index += 1
            facts["generated"] = _generated(c)
        elif word == "ON":  # ON DELETE SET NULL, ON UPDATE CURRENT_TIMESTAMP, ON CONFLICT ...
            c.index += 1
            c.advance()
            if c.accept_one("SET", "NO"):
                c.advance()
            else:
                c.advance()
                c.skip_group()
        elif word == "AS":  # MySQL and SQLite: [GENERATED ALWAYS] AS (expr) [STORED | VIRTUAL]
            c.index += 1
            c.skip_group()
            facts["generated"] = "stored" if c.accept_one("STORED", "PERSISTENT") else "virtual"
        elif word in _AUTO_INCREMENT:
            c.index += 1
            facts["auto_increment"] = True
        elif not c.skip_group():
            c.index += 1
    return ColumnDef(name, data_type, **facts)


def _generated(c: Cursor) -> str:
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
    "national character varying": "varchar", "national char varying": "varchar", "nvarchar": "varchar",
    "character": "char", "char": "char", "bpchar": "char", "national character": "char", "national char": "char",
    "nchar": "char", "decimal": "numeric", "dec": "numeric", "numeric": "numeric",
    "float4": "real", "real": "real", "float8": "double precision", "double precision": "double precision",
    "bool": "boolean", "boolean": "boolean", "timestamp without time zone": "timestamp",
    "timestamp with time zone": "timestamptz", "time without time zone": "time", "time with time zone": "timetz",
    "bit varying": "varbit", "varbit": "varbit",
}
# A type name written in double quotes is the catalog's name, taken literally: "char" is PostgreSQL's one-byte
# internal type, not character(1), and "int" names no type at all.
_QUOTED_TYPE_NAMES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
    "bool": "boolean", "bpchar": "char", "varchar": "varchar", "varbit": "varbit", "numeric": "numeric",
    "char": '"char"',
}
# Types whose length defaults to 1 when none is written: char is char(1), bit is bit(1); bpchar is unlimited.
_LENGTH_ONE_BY_DEFAULT = frozenset({("char", "CHAR"), ("char", "CHARACTER"), ("char", "NCHAR"),
                                    ("char", "NATIONAL"), ("bit", "BIT")})
_MULTIWORD_TYPES = {
    ("CHARACTER", "VARYING"), ("CHAR", "VARYING"), ("DOUBLE", "PRECISION"), ("BIT", "VARYING"),
    ("NATIONAL", "CHARACTER"), ("NATIONAL", "CHAR"), ("LONG", "VARCHAR"), ("LONG", "VARBINARY"),
}
_TIME_TYPES = ("TIMESTAMP", "TIME")
_INTERVAL_FIELDS = frozenset({"YEAR", "MONTH", "DAY", "HOUR", "MINUTE", "SECOND", "TO"})
_MYSQL_TYPE_WORDS = frozenset({"UNSIGNED", "SIGNED", "ZEROFILL", "BINARY"})


def read_data_type(c: Cursor) -> DataType | None:
    """A type as PostgreSQL's grammar, pg_dump, ORMs and MySQL write it, normalised: `character varying(20)`
    is varchar (20,), `timestamp(3) with time zone` timestamptz (3,), `text ARRAY` and `integer[]` arrays,
    `public.citext` citext."""
    first = c.peek()
    if first is None or first.kind not in (WORD, QUOTED):
        return None
    start = c.index
    name = c.name()
    last = c.tokens[c.index - 1]
    words = [name.last if last.kind == QUOTED else name.last.lower()]
    if len(name.parts) == 1 and first.kind == WORD and (first.upper, c.word()) in _MULTIWORD_TYPES:
        words.append(c.advance().text.lower())
        if words[0] == "national" and c.accept("VARYING"):
            words.append("varying")
    modifiers = _type_modifiers(c)
    if first.upper in _TIME_TYPES and c.word() in ("WITH", "WITHOUT"):
        zone = c.advance().text.lower()
        c.accept("TIME", "ZONE")
        words += [zone, "time", "zone"]
    if first.upper == "INTERVAL":
        while c.accept_one(*_INTERVAL_FIELDS):
            pass
        modifiers = _type_modifiers(c) or modifiers
    while c.reads("type-attributes") and (word := c.accept_one(*_MYSQL_TYPE_WORDS)):
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
    if last.kind == QUOTED and c.reads("quoted-type-names"):
        canonical = _QUOTED_TYPE_NAMES.get(base, base)
    else:
        canonical = _TYPE_ALIASES.get(base, base) + (" unsigned" if unsigned else "")
    if canonical == "float" and c.reads("float-precision"):
        canonical = "real" if modifiers and modifiers[0] <= 24 else "double precision"
        modifiers = None
    if modifiers is None and (canonical, first.upper) in _LENGTH_ONE_BY_DEFAULT:
        modifiers = (1,)
    return DataType(canonical, modifiers, array, written)


def _type_modifiers(c: Cursor) -> tuple[int, ...] | None:
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


def read_default(c: Cursor) -> Default:
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


def read_constraint(c: Cursor) -> Constraint:
    name = None
    if c.accept("CONSTRAINT"):
        name = None if c.word() in _CONSTRAINT_STARTS else c.identifier()
    start = c.index
    kind, columns, references, using_index, proves, referenced_columns = "index", (), None, None, (), ()
    if c.accept("CHECK"):
        kind = "check"
        expression = c.skip_group()
        proves = _proves_not_null(expression, c.dialect)
        columns = _names_in(expression, c.dialect)
    elif c.accept("FOREIGN", "KEY"):
        kind = "foreign_key"
        if not c.at_punct("("):
            c.identifier()
        columns = _column_list(c)
        if c.accept("REFERENCES"):
            references = c.name()
            if c.at_punct("("):
                referenced_columns = _column_list(c)
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
        columns = _column_list(Cursor(rest, c.text, c.dialect), anywhere=True)
    return Constraint(kind, name, columns, not_valid, using_index, references, proves, c.text_since(start),
                      referenced_columns)


def _column_list(c: Cursor, anywhere: bool = False) -> tuple[str, ...]:
    while anywhere and not c.done and not c.at_punct("("):
        c.advance()
    group = Cursor(c.skip_group(), c.text, c.dialect)
    return tuple(column for item in group.split_top_level() if (column := item.identifier()))


def _names_in(expression: list[Token], dialect: str) -> tuple[str, ...]:
    """The names an expression mentions, functions excepted: a superset of the columns it reads."""
    return tuple(dict.fromkeys(
        identifier(token, dialect) for token, following in zip(expression, [*expression[1:], None])
        if token.kind in (WORD, QUOTED) and not (following is not None and following.text == "(")))


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
