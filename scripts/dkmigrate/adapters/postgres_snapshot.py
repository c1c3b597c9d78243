"""PostgreSQL's schema read from its catalogues (pg_class, pg_attribute, pg_constraint, ...), for `verify`.

Objects of the system schemas and those that belong to an extension are left out: an extension is one object.
"""

from ..snapshot import SchemaObject

_USER_NAMESPACE = ("n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
                   " AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'")
_NOT_EXTENSION_MEMBER = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = {oid} AND d.deptype = 'e'"
                         " AND d.classid = '{catalog}'::regclass)")


def read_schema(adapter) -> list[SchemaObject]:
    query = adapter.query
    objects = [SchemaObject("schema", name) for (name,) in query(
        f"SELECT n.nspname FROM pg_namespace n WHERE {_USER_NAMESPACE} AND n.nspname <> 'public'")]
    objects += [SchemaObject("extension", name, attributes={"version": version}) for name, version in query(
        "SELECT extname, extversion FROM pg_extension WHERE extname <> 'plpgsql'")]
    relation = ("FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                f" WHERE {_USER_NAMESPACE} AND {_NOT_EXTENSION_MEMBER.format(oid='c.oid', catalog='pg_class')}")
    for name, kind, primary_key, definition in query(
            "SELECT n.nspname || '.' || c.relname, c.relkind,"
            " (SELECT string_agg(a.attname, ', ' ORDER BY k.position) FROM pg_index x CROSS JOIN"
            "   unnest(x.indkey) WITH ORDINALITY k(attnum, position)"
            "   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum"
            "   WHERE x.indrelid = c.oid AND x.indisprimary),"
            " CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END"
            f" {relation} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"):
        if kind in ("v", "m"):
            objects.append(SchemaObject("view", name, attributes={
                "definition": definition, "materialized": "yes" if kind == "m" else "no"}))
        else:
            objects.append(SchemaObject("table", name, attributes={"_primary_key": primary_key or ""}))
    for table, column, column_type, not_null, default, identity, generated in query(
            "SELECT n.nspname || '.' || c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
            " pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated"
            " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
            f" WHERE {_USER_NAMESPACE} AND c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped"
            f" AND {_NOT_EXTENSION_MEMBER.format(oid='c.oid', catalog='pg_class')}"):
        attributes = {"type": column_type, "nullable": "no" if not_null else "yes", "default": default,
                      "identity": {"a": "always", "d": "by default"}.get(identity), "generated": generated or None,
                      "_column": column}
        attributes["_summary"] = " ".join(filter(None, [column_type, "NOT NULL" if not_null else None,
                                                        f"DEFAULT {default}" if default else None]))
        objects.append(SchemaObject("column", f"{table}.{column}", table,
                                    {key: value for key, value in attributes.items() if value is not None}))
    for table, name, definition, validated in query(
            "SELECT n.nspname || '.' || c.relname, con.conname, pg_get_constraintdef(con.oid), con.convalidated"
            " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
            f" JOIN pg_namespace n ON n.oid = c.relnamespace WHERE {_USER_NAMESPACE}"):
        objects.append(SchemaObject("constraint", f"{table}.{name}", table, {
            "definition": definition, "validated": "yes" if validated else "no", "_summary": definition}))
    for table, name, definition, valid in query(
            "SELECT n.nspname || '.' || t.relname, n.nspname || '.' || i.relname, pg_get_indexdef(x.indexrelid),"
            " x.indisvalid FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid"
            " JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = i.relnamespace"
            f" WHERE {_USER_NAMESPACE} AND {_NOT_EXTENSION_MEMBER.format(oid='t.oid', catalog='pg_class')}"):
        objects.append(SchemaObject("index", name, table, {
            "definition": definition, "valid": "yes" if valid else "no", "_summary": definition}))
    for name, data_type, start, increment, minimum, maximum, cycle, owner in query(
            "SELECT n.nspname || '.' || c.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,"
            " s.seqmin, s.seqmax, s.seqcycle,"
            " (SELECT tn.nspname || '.' || t.relname FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid"
            "   JOIN pg_namespace tn ON tn.oid = t.relnamespace"
            "   WHERE d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)"
            f" FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE {_USER_NAMESPACE} AND {_NOT_EXTENSION_MEMBER.format(oid='c.oid', catalog='pg_class')}"):
        objects.append(SchemaObject("sequence", name, owner, {
            "type": data_type, "start": str(start), "increment": str(increment), "minimum": str(minimum),
            "maximum": str(maximum), "cycle": "yes" if cycle else "no"}))
    for name, definition in query(
            "SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')',"
            " pg_get_functiondef(p.oid) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
            f" WHERE {_USER_NAMESPACE} AND p.prokind IN ('f', 'p')"
            f" AND {_NOT_EXTENSION_MEMBER.format(oid='p.oid', catalog='pg_proc')}"):
        objects.append(SchemaObject("function", name, attributes={"definition": definition}))
    for table, name, definition, enabled in query(
            "SELECT n.nspname || '.' || c.relname, t.tgname, pg_get_triggerdef(t.oid), t.tgenabled"
            " FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            f" WHERE {_USER_NAMESPACE} AND NOT t.tgisinternal"):
        objects.append(SchemaObject("trigger", f"{table}.{name}", table, {
            "definition": definition, "enabled": enabled}))
    for name, labels in query(
            "SELECT n.nspname || '.' || t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)"
            " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid"
            f" WHERE {_USER_NAMESPACE} AND {_NOT_EXTENSION_MEMBER.format(oid='t.oid', catalog='pg_type')}"
            " GROUP BY 1"):
        objects.append(SchemaObject("enum", name, attributes={"values": ", ".join(labels), "_summary": ", ".join(labels)}))
    for name, base, not_null, default, checks in query(
            "SELECT n.nspname || '.' || t.typname, format_type(t.typbasetype, t.typtypmod), t.typnotnull,"
            " t.typdefault, (SELECT string_agg(pg_get_constraintdef(c.oid), ' ' ORDER BY c.conname)"
            "   FROM pg_constraint c WHERE c.contypid = t.oid)"
            " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
            f" WHERE {_USER_NAMESPACE} AND t.typtype = 'd'"
            f" AND {_NOT_EXTENSION_MEMBER.format(oid='t.oid', catalog='pg_type')}"):
        objects.append(SchemaObject("type", name, attributes={
            "domain of": base, "nullable": "no" if not_null else "yes", "default": default or "",
            "checks": checks or ""}))
    return objects
