"""SQL quoted in a message: a whole first line, shortened only between words, or the statement's kind in
words - never a statement cut in the middle of a word ("DO $$ DECLARE updated cannot run in one")."""

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


def statement_kind(statement: str, dialect: str) -> str:
    """What the statement is, named by its leading keywords: "CREATE INDEX CONCURRENTLY", "VACUUM FULL",
    "a DO block that commits"."""
    from .engines import engine
    from .lexer import WORD, tokens

    leading = []
    for token in tokens(statement, dialect):
        if not leading and token.upper == "DO":
            return "a DO block that commits" if engine(dialect).runs_outside_transaction(statement) else "a DO block"
        if leading == ["PRAGMA"]:
            return f"PRAGMA {token.text}"
        if token.kind != WORD or token.text.lower() not in _KEYWORDS:
            break
        leading.append(token.upper)
    return " ".join(leading) or sql_excerpt(statement, 40)
