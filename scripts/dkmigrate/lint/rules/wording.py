"""Safe alternatives more than one rule spells out."""

from ..tokens import WORD, tokens

NO_TRANSACTION = ("in a migration of its own, marked `-- migrate:up transaction:false` (dk migrate also runs a "
                  "statement that needs it outside a transaction by itself)")


def with_concurrently(statement: str, dialect: str) -> str:
    """The statement with CONCURRENTLY after its INDEX keyword."""
    index = next((token for token in tokens(statement, dialect) if token.kind == WORD and token.upper == "INDEX"), None)
    if index is None:
        return statement
    end = index.pos + len(index.text)
    return f"{statement[:end]} CONCURRENTLY{statement[end:]}"


def expand_contract(table: str, old: str, new: str, new_type: str, change: str) -> str:
    return (
        f"expand-contract, one step per deploy instead of {change}:\n"
        f"1. expand: ALTER TABLE {table} ADD COLUMN {new} {new_type}; and keep it in step with {old} (a trigger "
        f"that copies {old} to {new} on INSERT and UPDATE, or writes to both from the application)\n"
        f"2. migrate: UPDATE {table} SET {new} = {old} WHERE {new} IS NULL, in batches of a few thousand rows, "
        "each in its own transaction\n"
        f"3. deploy the code that reads and writes {new} only\n"
        f"4. contract, in a later migration: drop the trigger, then ALTER TABLE {table} DROP COLUMN {old}"
    )


def batched_change(verb: str, table: str) -> str:
    statement = f"UPDATE {table} SET ..." if verb == "UPDATE" else f"DELETE FROM {table}"
    return (f"{statement} WHERE id >= 1 AND id < 10001; then the next range of ids, each batch in its own "
            "transaction (a migration marked `transaction:false`, or a script), so no lock is held for long and "
            "replicas keep up")
