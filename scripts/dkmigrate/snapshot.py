"""A database's schema as a set of named objects, and the differences between two of them in words.

Each engine reads its own catalogues into SchemaObjects (adapters/<engine>_snapshot.py); everything here is
engine-agnostic.
"""

from dataclasses import dataclass, field

# The kinds an engine may report, in the order differences are listed.
KINDS = ("schema", "extension", "table", "column", "constraint", "index", "sequence", "view", "function", "trigger",
         "type", "enum")


@dataclass(frozen=True)
class SchemaObject:
    kind: str  # one of KINDS
    name: str  # as the user would write it: "public.users", "public.users.email", "users_email_idx"
    table: str | None = None  # the table it belongs to (a column, index, constraint, trigger)
    # Compared one by one; those whose name starts with "_" only describe (e.g. "_summary", shown in a difference).
    attributes: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def key(self) -> tuple[str, str]:
        return self.kind, self.name


@dataclass(frozen=True)
class Snapshot:
    objects: dict[tuple[str, str], SchemaObject]

    @classmethod
    def of(cls, objects: list[SchemaObject], tracking_table: str) -> "Snapshot":
        """The snapshot without the tracking table and what belongs to it."""
        return cls({obj.key: obj for obj in objects
                    if not _is_table(obj.name if obj.kind == "table" else obj.table, tracking_table)})

    def tables(self) -> list[SchemaObject]:
        return [obj for key, obj in sorted(self.objects.items()) if obj.kind == "table"]

    def columns(self, table: str) -> list[str]:
        return [obj.attributes["_column"] for obj in self.objects.values() if obj.kind == "column" and obj.table == table]


def _is_table(name: str | None, table: str) -> bool:
    if name is None:
        return False
    return name == table or ("." not in table and name.rsplit(".", 1)[-1] == table)


def differences(before: Snapshot, after: Snapshot, missing: str, extra: str) -> list[str]:
    """What `after` lacks, adds or holds differently, in words: `missing` and `extra` say what an object absent
    from one side means ("not restored by down", "left behind by down")."""
    lines = []
    named_tables = set()  # tables whose columns, indexes, ... are named: their definition's text is not repeated
    changed_tables = []
    for key in sorted(before.objects.keys() | after.objects.keys(), key=lambda k: (KINDS.index(k[0]), k[1])):
        old, new = before.objects.get(key), after.objects.get(key)
        kind, name = key
        owner = (old or new).table
        if new is None:
            if owner is not None and ("table", owner) not in after.objects:
                continue  # its table is named already
            lines.append(f"{kind} {name}{_described(old)}: {missing}")
        elif old is None:
            if owner is not None and ("table", owner) not in before.objects:
                continue
            lines.append(f"{kind} {name}{_described(new)}: {extra}")
        else:
            changed = [f"{attribute} {_shown(old.attributes.get(attribute))} before, "
                       f"{_shown(new.attributes.get(attribute))} after"
                       for attribute in sorted(old.attributes.keys() | new.attributes.keys())
                       if not attribute.startswith("_")
                       and old.attributes.get(attribute) != new.attributes.get(attribute)]
            if not changed:
                continue
            if kind == "table":
                changed_tables.append((name, len(lines)))
            lines.append(f"{kind} {name}: {'; '.join(changed)}")
        if owner is not None:
            named_tables.add(owner)
    repeated = {position for name, position in changed_tables if name in named_tables}
    return [line for position, line in enumerate(lines) if position not in repeated]


def _described(obj: SchemaObject) -> str:
    summary = obj.attributes.get("_summary")
    return f" ({summary})" if summary else ""


def _shown(value: str | None) -> str:
    if value is None:
        return "none"
    value = " ".join(value.split())
    return f"`{value if len(value) <= 120 else value[:119] + '…'}`"
