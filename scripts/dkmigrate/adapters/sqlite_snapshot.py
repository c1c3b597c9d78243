"""SQLite's schema read from sqlite_master and the table pragmas, for `verify`.

A table's CREATE text is compared as SQLite reads it (SQLite keeps CHECK constraints and collations only
there): token by token, names and keywords without regard to case or quotes, so a table that a rebuild
re-created as it was (`CREATE TABLE "users" (id INTEGER ...)` for `CREATE TABLE users (id integer ...)`)
compares equal.
"""

from ..engines import engine
from ..lexer import QUOTED, WORD, identifier, tokens
from ..snapshot import SchemaObject


def read_schema(adapter) -> list[SchemaObject]:
    objects = []
    for kind, name, table, sql in adapter.query(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"):
        if kind == "table":
            objects.extend(_table(adapter, name, sql))
        elif kind == "index":
            if sql is None:  # made by a PRIMARY KEY or UNIQUE constraint: part of its table's definition
                continue
            objects.append(SchemaObject("index", name, table, {"definition": _normalised(sql), "_summary": sql}))
        elif kind in ("view", "trigger"):
            objects.append(SchemaObject(kind, name, table if kind == "trigger" else None,
                                        {"definition": _normalised(sql)}))
    return objects


def _table(adapter, name: str, sql: str) -> list[SchemaObject]:
    columns = adapter.query(
        f"SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info({adapter.literal(name)}) ORDER BY cid")
    primary_key = ", ".join(column for column, *_, position in sorted(columns, key=lambda row: row[4]) if position)
    objects = [SchemaObject("table", name, attributes={"definition": _normalised(sql), "_primary_key": primary_key})]
    for column, column_type, not_null, default, _ in columns:
        attributes = {"type": column_type, "nullable": "no" if not_null else "yes", "_column": column,
                      "_summary": " ".join(filter(None, [column_type, "NOT NULL" if not_null else None,
                                                         f"DEFAULT {default}" if default is not None else None]))}
        if default is not None:
            attributes["default"] = default
        objects.append(SchemaObject("column", f"{name}.{column}", name, attributes))
    for key_id, referenced, columns_from, columns_to, on_delete in adapter.query(
            "SELECT id, \"table\", group_concat(\"from\", ', '), group_concat(\"to\", ', '), on_delete"
            f" FROM pragma_foreign_key_list({adapter.literal(name)}) GROUP BY id ORDER BY id"):
        definition = f"FOREIGN KEY ({columns_from}) REFERENCES {referenced} ({columns_to or ''}) ON DELETE {on_delete}"
        objects.append(SchemaObject("constraint", f"{name}.{definition}", name, {"definition": definition}))
    return objects


def _normalised(sql: str) -> str:
    """A definition as its tokens, one space between them but none around parentheses and commas, names as SQLite
    compares them: the same definition written with other white space, comments, case or quotes compares equal."""
    sqlite = engine("sqlite")
    pieces = []
    for token in tokens(sql, "sqlite"):
        text = sqlite.quote(identifier(token, "sqlite")) if token.kind in (WORD, QUOTED) else token.text
        if pieces and text not in _TIGHT and pieces[-1] not in _TIGHT:
            pieces.append(" ")
        pieces.append(text)
    return "".join(pieces)


_TIGHT = frozenset({"(", ")", ","})
