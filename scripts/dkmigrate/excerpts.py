"""SQL quoted in a message: a whole first line, shortened only between words, or the statement's kind in
words - never a statement cut in the middle of a word ("DO $$ DECLARE updated cannot run in one")."""

import re

_KEYWORDS = frozenset("""
    abort alter analyze attach begin cluster commit concurrently create database detach drop end exists full if
    index not partition pragma reindex rollback schema start subscription system table tablespace transaction type
    unique vacuum verbose
""".split())


def sql_excerpt(statement: str, width: int = 160) -> str:
    """The statement on one line when it fits in `width`; else its first line when that fits; else its leading
    words up to `width`, ended by an ellipsis."""
    flat = " ".join(statement.split())
    if len(flat) <= width:
        return flat
    first = " ".join(statement.strip().splitlines()[0].split())
    if len(first) <= width:
        return f"{first} …"
    words, shown = first.split(" "), ""
    for word in words:
        if len(shown) + len(word) + 1 > width - 2:
            break
        shown = f"{shown} {word}".strip()
    return f"{shown or words[0]} …"


def statement_kind(statement: str) -> str:
    """What the statement is, named by its leading keywords: "CREATE INDEX CONCURRENTLY", "VACUUM FULL",
    "a DO block that commits"."""
    words = re.findall(r"[A-Za-z_]+|\S", statement)
    if words and words[0].lower() == "do":
        return "a DO block that commits" if re.search(r"\bCOMMIT\b", statement, re.IGNORECASE) else "a DO block"
    if words and words[0].lower() == "pragma":
        return " ".join(["PRAGMA", *words[1:2]])
    leading = []
    for word in words:
        if word.lower() not in _KEYWORDS:
            break
        leading.append(word.upper())
    return " ".join(leading) or sql_excerpt(statement, 40)
