"""MySQL's and MariaDB's schema read from information_schema (tables, columns, indexes, constraints, views,
triggers, routines, MariaDB's sequences), for `verify`; and a scratch database made from it.

Names are the database's own (no database prefix): a migration's objects live in the database of the URL.
A view's definition is read without its database's name, so that the same view in two databases compares equal.
Events are left out: a copy of one would run on its schedule.
"""

from ..errors import StatementFailed
from ..snapshot import SchemaObject

_HERE = "TABLE_SCHEMA = DATABASE()"


def read_schema(adapter) -> list[SchemaObject]:
    query = adapter.query
    database = query("SELECT DATABASE()")[0][0]
    objects: list[SchemaObject] = []
    primary_keys = _key_columns(adapter, "PRIMARY KEY")
    for name, kind, engine, collation in query(
            f"SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE {_HERE}"):
        if kind == "SEQUENCE":
            definition = query(f"SHOW CREATE SEQUENCE {adapter.quote_identifier(name)}")[0][1]
            objects.append(SchemaObject("sequence", name, attributes={"definition": definition}))
        elif kind != "VIEW":
            objects.append(SchemaObject("table", name, attributes={
                "engine": engine or "", "collation": collation or "",
                "_primary_key": ", ".join(primary_keys.get(("PRIMARY", name), ()))}))
    for table, column, column_type, nullable, default, extra, generated, collation in query(
            "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, GENERATION_EXPRESSION,"
            f" COLLATION_NAME FROM information_schema.COLUMNS WHERE {_HERE}"
            " AND TABLE_NAME IN (SELECT TABLE_NAME FROM information_schema.TABLES"
            f" WHERE {_HERE} AND TABLE_TYPE NOT IN ('VIEW', 'SEQUENCE'))"):
        not_null = nullable == "NO"
        default = None if default in (None, "NULL") else default  # MariaDB writes a missing default as NULL
        attributes = {"type": column_type, "nullable": "no" if not_null else "yes", "default": default,
                      "extra": extra or None, "generated": generated or None, "collation": collation,
                      "_column": column,
                      "_summary": " ".join(filter(None, [column_type, "NOT NULL" if not_null else None,
                                                         f"DEFAULT {default}" if default is not None else None]))}
        objects.append(SchemaObject("column", f"{table}.{column}", table,
                                    {key: value for key, value in attributes.items() if value is not None}))
    unique = _key_columns(adapter, "UNIQUE")
    for (name, table), columns in [*primary_keys.items(), *unique.items()]:
        kind = "PRIMARY KEY" if name == "PRIMARY" else "UNIQUE"
        definition = f"{kind} ({', '.join(columns)})"
        objects.append(SchemaObject("constraint", f"{table}.{name}", table, {"definition": definition,
                                                                          "_summary": definition}))
    objects += _foreign_keys(adapter)
    objects += _checks(adapter)
    objects += _indexes(adapter, {key for key in [*primary_keys, *unique]})
    for name, definition, check_option, security in query(
            f"SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS WHERE {_HERE}"):
        objects.append(SchemaObject("view", name, attributes={
            "definition": definition.replace(adapter.quote_identifier(database) + ".", ""),
            "check option": check_option, "security": security}))
    for table, name, timing, event, statement, order in query(
            "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME, ACTION_TIMING, EVENT_MANIPULATION, ACTION_STATEMENT, ACTION_ORDER"
            " FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"):
        objects.append(SchemaObject("trigger", f"{table}.{name}", table, {
            "definition": f"{timing} {event} FOR EACH ROW {statement}", "order": str(order),
            "_summary": f"{timing} {event}"}))
    parameters: dict[str, list[str]] = {}
    for routine, mode, parameter, parameter_type in query(
            "SELECT SPECIFIC_NAME, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER FROM information_schema.PARAMETERS"
            " WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION"):
        parameters.setdefault(routine, []).append(" ".join(filter(None, [mode, parameter, parameter_type])))
    for name, kind, returns, definition, deterministic, access, security in query(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC, SQL_DATA_ACCESS,"
            " SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"):
        objects.append(SchemaObject("function", f"{name}({', '.join(parameters.get(name, []))})", attributes={
            "kind": kind.lower(), "returns": returns or "", "definition": definition or "",
            "deterministic": deterministic, "data access": access, "security": security}))
    return objects


def _key_columns(adapter, kind: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """(constraint, table) -> its columns in order, for the PRIMARY KEY or UNIQUE constraints."""
    keys: dict[tuple[str, str], list[str]] = {}
    for name, table, column in adapter.query(
            "SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME FROM information_schema.TABLE_CONSTRAINTS c"
            " JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = c.CONSTRAINT_SCHEMA"
            " AND k.TABLE_NAME = c.TABLE_NAME AND k.CONSTRAINT_NAME = c.CONSTRAINT_NAME"
            f" WHERE c.CONSTRAINT_SCHEMA = DATABASE() AND c.CONSTRAINT_TYPE = {adapter.literal(kind)}"
            " ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"):
        keys.setdefault((name, table), []).append(column)
    return {key: tuple(columns) for key, columns in keys.items()}


def _foreign_keys(adapter) -> list[SchemaObject]:
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for name, table, column, referenced, referenced_column, on_update, on_delete in adapter.query(
            "SELECT k.CONSTRAINT_NAME, k.TABLE_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,"
            " r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k"
            " JOIN information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA"
            " AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME"
            " WHERE k.CONSTRAINT_SCHEMA = DATABASE() ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION"):
        grouped.setdefault((name, table), []).append((column, referenced, referenced_column, on_update, on_delete))
    objects = []
    for (name, table), rows in grouped.items():
        _, referenced, _, on_update, on_delete = rows[0]
        definition = (f"FOREIGN KEY ({', '.join(row[0] for row in rows)}) REFERENCES {referenced} "
                      f"({', '.join(row[2] for row in rows)}) ON UPDATE {on_update} ON DELETE {on_delete}")
        objects.append(SchemaObject("constraint", f"{table}.{name}", table, {"definition": definition,
                                                                          "_summary": definition}))
    return objects


def _checks(adapter) -> list[SchemaObject]:
    """information_schema.CHECK_CONSTRAINTS: MySQL 8.0.16+, MariaDB 10.2.22+ (older servers have none to read)."""
    if not adapter.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'information_schema'"
                         " AND TABLE_NAME = 'CHECK_CONSTRAINTS'"):
        return []
    return [SchemaObject("constraint", f"{table}.{name}", table, {"definition": f"CHECK ({clause})",
                                                               "_summary": f"CHECK ({clause})"})
            for table, name, clause in adapter.query(
                "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
                " WHERE CONSTRAINT_SCHEMA = DATABASE()")]


def _indexes(adapter, constraints: set[tuple[str, str]]) -> list[SchemaObject]:
    """The indexes that are not a PRIMARY KEY or UNIQUE constraint's own (those are compared as constraints)."""
    grouped: dict[tuple[str, str], list[tuple]] = {}
    for table, name, non_unique, column, part, order, index_type in adapter.query(
            "SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, COLLATION, INDEX_TYPE"
            f" FROM information_schema.STATISTICS WHERE {_HERE} ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"):
        grouped.setdefault((name, table), []).append((non_unique, column, part, order, index_type))
    objects = []
    for (name, table), rows in grouped.items():
        if (name, table) in constraints:
            continue
        non_unique, *_, index_type = rows[0]
        columns = ", ".join((column or "(expression)") + (f"({part})" if part else "") + (" DESC" if order == "D" else "")
                            for _, column, part, order, _ in rows)
        definition = (f"{'' if non_unique else 'UNIQUE '}{'' if index_type == 'BTREE' else index_type + ' '}"
                      f"INDEX {name} ON {table} ({columns})")
        objects.append(SchemaObject("index", f"{table}.{name}", table, {"definition": definition,
                                                                     "_summary": definition}))
    return objects


def copy_schema(source, url, rows: int) -> None:
    """Into the empty database at `url` (on the same server, reachable by the same account): every table and
    sequence but the tracking table, the first `rows` rows of each table, then the views (in an order their
    dependencies allow), the routines and the triggers (after the rows, so that none fires on the copy)."""
    from .mysql import MySQLAdapter

    tracking = source.table.rpartition(".")[2]
    database = source.query("SELECT DATABASE()")[0][0]
    target = MySQLAdapter(url, source.table)
    target.open(create=True)
    try:
        target.execute("SET SESSION foreign_key_checks = 0")  # tables in any order, and rows without their parents
        relations = source.query(f"SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE {_HERE}"
                                 f" AND TABLE_NAME <> {source.literal(tracking)} ORDER BY TABLE_NAME")
        tables = [name for name, kind in relations if kind not in ("VIEW", "SEQUENCE")]
        for name, kind in relations:
            if kind != "VIEW":
                shown = "SEQUENCE" if kind == "SEQUENCE" else "TABLE"  # a sequence's SHOW CREATE TABLE forgets its start
                target.execute(source.query(f"SHOW CREATE {shown} {source.quote_identifier(name)}")[0][1])
        for name in tables if rows else ():
            columns = ", ".join(source.quote_identifier(column) for (column,) in source.query(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                f" WHERE {_HERE} AND TABLE_NAME = {source.literal(name)} AND COALESCE(GENERATION_EXPRESSION, '') = ''"
                " ORDER BY ORDINAL_POSITION"))
            target.execute(f"INSERT INTO {target.quote_identifier(name)} ({columns}) SELECT {columns} FROM "
                           f"{source.quote_identifier(database)}.{source.quote_identifier(name)} LIMIT {int(rows)}")
        _create_views(source, target, [name for name, kind in relations if kind == "VIEW"])
        for name, kind in source.query("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES"
                                       " WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY ROUTINE_NAME"):
            target.execute(source.query(f"SHOW CREATE {kind} {source.quote_identifier(name)}")[0][2])
        for (name,) in source.query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS"
                                    " WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER"):
            target.execute(source.query(f"SHOW CREATE TRIGGER {source.quote_identifier(name)}")[0][2])
    finally:
        target.close()


def _create_views(source, target, views: list[str]) -> None:
    """Each view once the views it reads exist: those that fail are tried again while any other succeeds."""
    waiting = {name: source.query(f"SHOW CREATE VIEW {source.quote_identifier(name)}")[0][1] for name in views}
    while waiting:
        failures = {}
        for name, definition in waiting.items():
            try:
                target.execute(definition)
            except StatementFailed as error:
                failures[name] = error
        if len(failures) == len(waiting):
            raise next(iter(failures.values()))
        waiting = {name: waiting[name] for name in failures}
