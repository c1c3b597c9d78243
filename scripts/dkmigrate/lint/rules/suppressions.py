"""The migrate:allow comments themselves."""

from ..findings import CAUTION
from ..registry import COMMENTS, Hit, rule


@rule(
    "invalid-allow", CAUTION, scope=COMMENTS,
    summary="a `-- migrate:allow` comment without a reason, or naming no known rule",
    why="A suppression without a reason hides a hazard without telling the next reader why it is acceptable; one "
        "naming an unknown rule (a typo) silences nothing. Either way the comment is ignored.",
    safe_alternative="`-- migrate:allow <rule-id> <why this is acceptable here>`, with a rule id from "
                     "`migrate lint --rules`.",
)
def invalid_allow(allowances):
    for allow in allowances.all:
        if not allow.rule:
            problem = "names no rule"
        elif not allowances.knows(allow.rule):
            problem = f"names an unknown rule '{allow.rule}'"
        elif not allow.reason:
            problem = f"gives no reason for allowing {allow.rule}"
        else:
            continue
        yield Hit(f"this migrate:allow comment {problem}, so it is ignored", line=allow.line, statement=allow.text)
