"""The rule catalogue: every id and severity of design section 7, each rule documented."""

import pytest

from dkmigrate.lint import RULES, SEVERITIES

DESIGN_TABLE = {
    "add-index-not-concurrently": "caution", "drop-index-not-concurrently": "caution",
    "concurrently-in-transaction": "error", "drop-column": "caution", "drop-table": "risky", "rename-column": "risky",
    "rename-table": "risky", "change-column-type": "risky", "add-column-volatile-default": "risky",
    "add-column-default-rewrite": "risky", "add-column-required": "error", "add-column-serial": "risky",
    "set-not-null": "caution", "add-foreign-key-validating": "caution", "add-check-validating": "caution",
    "validate-in-same-transaction": "caution", "add-unique-constraint": "caution", "truncate": "risky",
    "missing-lock-timeout": "caution", "full-table-dml": "caution", "reindex-not-concurrently": "caution",
    "vacuum-full-or-cluster": "risky", "mysql-table-copy": "caution", "mysql-multiple-ddl": "caution",
    "sqlite-unsupported-alter": "error", "missing-down": "caution", "irreversible-down": "caution",
}


def test_every_rule_of_the_design_exists_with_its_severity():
    assert {rule: RULES[rule].severity for rule in DESIGN_TABLE if rule in RULES} == DESIGN_TABLE


def test_the_rules_beyond_the_design():
    assert {rule.id: rule.severity for rule in RULES.values() if rule.id not in DESIGN_TABLE} == {
        "add-exclusion-constraint": "caution", "table-rewrite": "risky", "backfill-in-ddl-transaction": "caution",
        "invalid-allow": "caution", "column-type-change-verifies": "caution",
        "primary-key-using-index-nullable": "caution", "drop-database": "risky", "rename-schema": "risky",
        "exclusive-lock-held-during-scan": "caution", "unparsed-statement": "caution", "prefer-timestamptz": "caution",
        "char-column": "caution", "json-column": "caution", "integer-primary-key": "caution",
        "detach-partition-not-concurrently": "caution", "add-domain-constraint-validating": "caution"}


@pytest.mark.parametrize("rule", RULES.values(), ids=list(RULES))
def test_every_rule_says_what_why_and_what_to_do_instead(rule):
    assert rule.severity in SEVERITIES[1:]
    assert rule.summary and rule.why.endswith(".") and rule.safe_alternative.endswith(".")
    assert rule.dialects <= {"postgres", "mysql", "sqlite"} and rule.dialects
