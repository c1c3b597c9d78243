"""The safe alternative in a framework's own terms, for findings on SQL that a framework generated: keyed by
(rule id, tool name as `migrate detect` names it). Shown beside the rule's own, SQL-level, safe alternative."""

_DJANGO_CONCURRENTLY = ("use `AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with "
                        "`atomic = False`")
_RAILS_CONCURRENTLY = "`add_index :table, :column, algorithm: :concurrently` with `disable_ddl_transaction!`"
_ALEMBIC_CONCURRENTLY = ("`op.create_index(..., postgresql_concurrently=True)` inside "
                         "`with op.get_context().autocommit_block():`")

FRAMEWORK_ALTERNATIVES = {
    ("add-index-not-concurrently", "Django"): _DJANGO_CONCURRENTLY,
    ("drop-index-not-concurrently", "Django"): "use `RemoveIndexConcurrently` in a migration with `atomic = False`",
    ("concurrently-in-transaction", "Django"): "set `atomic = False` on the migration that runs it",
    ("drop-column", "Django"): (
        "first a migration with `migrations.SeparateDatabaseAndState(state_operations=[migrations.RemoveField(...)])` "
        "so the code stops using the column while the database keeps it; drop it in a later release"),
    ("drop-table", "Django"): (
        "first `migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(...)])`, "
        "drop the table in a later release"),
    ("rename-column", "Django"): (
        "rename the field but keep `db_column='<old name>'` (no database change), or add the new column and "
        "retire the old one with `SeparateDatabaseAndState` over several releases"),
    ("rename-table", "Django"): "rename the model but keep `db_table = '<old name>'` in its Meta (no database change)",
    ("add-foreign-key-validating", "Django"): (
        "`AddConstraintNotValid` then `ValidateConstraint` (django.contrib.postgres.operations), in two migrations"),
    ("add-check-validating", "Django"): (
        "`AddConstraintNotValid` then `ValidateConstraint` (django.contrib.postgres.operations), in two migrations"),
    ("add-index-not-concurrently", "Rails"): _RAILS_CONCURRENTLY,
    ("drop-index-not-concurrently", "Rails"): (
        "`remove_index :table, :column, algorithm: :concurrently` with `disable_ddl_transaction!`"),
    ("concurrently-in-transaction", "Rails"): "add `disable_ddl_transaction!` to the migration",
    ("drop-column", "Rails"): (
        "first `self.ignored_columns += [\"column\"]` in the model and deploy, then `remove_column` in a later "
        "migration"),
    ("rename-column", "Rails"): (
        "add the new column, write both, backfill, move reads, then `self.ignored_columns += [\"old\"]` and drop "
        "the old column in a later migration"),
    ("add-foreign-key-validating", "Rails"): (
        "`add_foreign_key ..., validate: false`, then `validate_foreign_key` in a second migration"),
    ("add-check-validating", "Rails"): (
        "`add_check_constraint ..., validate: false`, then `validate_constraint_constraint` in a second migration"),
    ("add-index-not-concurrently", "Alembic"): _ALEMBIC_CONCURRENTLY,
    ("drop-index-not-concurrently", "Alembic"): (
        "`op.drop_index(..., postgresql_concurrently=True)` inside `with op.get_context().autocommit_block():`"),
    ("concurrently-in-transaction", "Alembic"): "run it inside `with op.get_context().autocommit_block():`",
}


def framework_alternative(rule: str, tool: str | None) -> str | None:
    return FRAMEWORK_ALTERNATIVES.get((rule, tool)) if tool else None
