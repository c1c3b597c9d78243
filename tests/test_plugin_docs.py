"""The command and the skill serve the seed command definition, and document only what `migrate` accepts.

The program's side is its real parser (build_parser over the real COMMANDS), never a list kept here:
an operation or option the docs name must be one the parser takes, and every `migrate` command line
they show must parse. Operations that land later join the parser, and these tests follow.
"""

import argparse
import contextlib
import io
import re
import shlex

import pytest
import yaml

from conftest import IN_CI, ROOT, require_shared, shared_missing
from dkmigrate.cli.commands import COMMANDS
from dkmigrate.cli.parser import build_parser

SEED = ROOT.parent / "shared" / "seed" / "dk-migrate-command.md"
COMMAND = ROOT / "commands" / "migrate.md"
SKILL = ROOT / "skills" / "migration" / "SKILL.md"
REFERENCES = sorted((ROOT / "skills" / "migration" / "references").glob("*.md"))
# Values for the placeholders the docs write in command lines.
PLACEHOLDERS = {"N": "2", "VERSION": "20261101090000", "SECONDS": "5"}
SHELL_OPERATORS = {"|", "||", "&&", ";", "2>&1", ">", "<"}

PARSER = build_parser(COMMANDS)
OPERATIONS = next(action for action in PARSER._actions if isinstance(action, argparse._SubParsersAction)).choices


def options(parser) -> set[str]:
    return {option for action in parser._actions for option in action.option_strings}


ALL_OPTIONS = options(PARSER).union(*(options(sub.complete()) for sub in OPERATIONS.values()))


def frontmatter_and_body(path):
    _, frontmatter, body = path.read_text().split("---\n", 2)
    return yaml.safe_load(frontmatter), body


def table(markdown: str, heading: str) -> list[list[str]]:
    """The rows (cells stripped, header and rule skipped) of the first table under a `## heading`."""
    section = markdown.split(f"## {heading}\n", 1)[1]
    lines = [line for line in section.split("\n## ")[0].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def code(markdown: str) -> list[str]:
    """Inline code spans and the lines of fenced code blocks."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)
    without_fences = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.MULTILINE | re.DOTALL)
    return re.findall(r"`([^`\n]+)`", without_fences) + [line for block in fenced for line in block.splitlines()]


def invocations(markdown: str, bare: bool) -> list[str]:
    """The `migrate` command lines in code: by the launcher's path, as /dk:migrate, and (bare) as `migrate`.

    A bare mention of the program, and the command's own `/dk:migrate $ARGUMENTS`, are not examples."""
    program = r"\$\{CLAUDE_PLUGIN_ROOT\}/scripts/migrate|/dk:migrate" + (r"|(?<![\w/.:-])migrate" if bare else "")
    return [match.group(0) for snippet in code(markdown) if "$ARGUMENTS" not in snippet
            for match in re.finditer(rf"(?:{program}) +\S.*", snippet)]


SEED_TEXT = SEED.read_text() if SEED.exists() else ""


def seed_cases(cases: list) -> list:
    """Parameters drawn from the seed; without ../shared, one case that is skipped (or, in CI, fails) saying so."""
    if SEED_TEXT:
        return cases
    return [pytest.param(None, marks=() if IN_CI else pytest.mark.skip(reason=shared_missing(SEED)))]


def seed() -> str:
    return require_shared(SEED).read_text()


SEED_OPERATIONS = [row[0].strip("`") for row in table(SEED_TEXT, "Operations")] if SEED_TEXT else []
SEED_PARAMETERS = [row[0].strip("`") for row in table(SEED_TEXT, "Parameters")] if SEED_TEXT else []
SEED_EXAMPLES = sorted({line.strip() for line in re.findall(r"^migrate .*$", SEED_TEXT, re.MULTILINE)})
COMMAND_TEXT, SKILL_TEXT = COMMAND.read_text(), SKILL.read_text()
DOCUMENTED = sorted(set(invocations(COMMAND_TEXT, bare=True) + invocations(SKILL_TEXT, bare=True)
                        + [line for page in REFERENCES for line in invocations(page.read_text(), bare=False)]))
DOCUMENTED_OPTIONS = sorted({option for snippet in code(COMMAND_TEXT) + code(SKILL_TEXT)
                             for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", snippet)})
COMMAND_OPERATIONS = sorted({row[0].strip("`") for row in table(COMMAND_TEXT, "Operations")}
                            | set(re.search(r"<([a-z|]+)>", frontmatter_and_body(COMMAND)[0]["argument-hint"])
                                  .group(1).split("|")))


def parse(command_line: str):
    """Parses a documented command line with the real parser; raises on anything it refuses."""
    words = []
    for word in shlex.split(command_line)[1:]:
        if word in SHELL_OPERATORS:
            break
        words.append(PLACEHOLDERS.get(word, word))
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return PARSER.parse_args(words)
    except SystemExit as exit_request:  # --help
        assert exit_request.code in (0, None)


def test_the_seed_is_there():
    seed()
    assert SEED_OPERATIONS == ["create", "up", "down", "status", "plan"], f"read {SEED}"
    assert SEED_PARAMETERS == ["name", "--dry-run", "--rollback-plan", "--steps N"]


@pytest.mark.parametrize("operation", seed_cases(SEED_OPERATIONS))
def test_every_seed_operation_is_documented_and_is_a_real_operation(operation):
    assert operation in [row[0].strip("`") for row in table(COMMAND_TEXT, "Operations")]
    assert f"### {operation}" in SKILL_TEXT, "the skill has a procedure for it"
    assert operation in OPERATIONS, f"`migrate {operation}` does not exist"


@pytest.mark.parametrize("parameter", seed_cases(SEED_PARAMETERS))
def test_every_seed_parameter_is_documented_and_maps_to_a_real_option(parameter):
    assert f"`{parameter}`" in COMMAND_TEXT and parameter.split()[0] in SKILL_TEXT
    if parameter == "name":
        assert [action.dest for action in OPERATIONS["create"]._actions if not action.option_strings] == ["name"]
        return
    flag, *value = parameter.split()
    takers = [action for sub in OPERATIONS.values() for action in sub._actions if flag in action.option_strings]
    assert takers, f"no operation accepts {flag}"
    assert all((action.nargs != 0) == bool(value) for action in takers), f"{flag} takes a value iff the seed says so"


@pytest.mark.parametrize("example", seed_cases(SEED_EXAMPLES), ids=str)
def test_every_seed_example_runs_as_written(example):
    parse(example)


@pytest.mark.parametrize("operation", COMMAND_OPERATIONS)
def test_every_operation_the_command_offers_exists(operation):
    assert operation in OPERATIONS, f"the command offers `{operation}`, which `migrate` does not have"


@pytest.mark.parametrize("command_line", DOCUMENTED, ids=str)
def test_every_documented_command_line_is_accepted_by_the_program(command_line):
    parse(command_line)


@pytest.mark.parametrize("option", DOCUMENTED_OPTIONS)
def test_every_documented_option_is_accepted_by_the_program(option):
    assert option in ALL_OPTIONS, f"`migrate` accepts no {option}"


def test_docs_are_scanned_for_command_lines():
    """The scanners above find what they must, so an empty scan cannot pass for a clean one."""
    assert "${CLAUDE_PLUGIN_ROOT}/scripts/migrate status --format json" in DOCUMENTED
    assert '/dk:migrate plan "split users table" --rollback-plan' in DOCUMENTED
    assert {"--dry-run", "--steps", "--format", "--rollback-plan", "--yes"} <= set(DOCUMENTED_OPTIONS)
    with pytest.raises(Exception):
        parse("migrate status --no-such-option")


def test_the_safe_operations_guide_is_in_the_skill():
    skill_rows = {row[0]: row for row in table(SKILL_TEXT, "Safe Operations Guide")}
    for operation, safety, note in table(seed(), "Safe Operations Guide"):
        assert operation in skill_rows, operation
        assert skill_rows[operation][1] == safety, operation
        words = set(re.findall(r"[\w+]+", skill_rows[operation][2].lower()))
        assert set(re.findall(r"[\w+]+", note.lower())) <= words, f"{operation}: the seed's note is {note!r}"


def test_the_expand_contract_pattern_is_in_the_skill():
    section = SKILL_TEXT.split("## Expand-Contract Pattern\n")[1].split("\n## ")[0]
    assert "use three migrations" in section
    steps = re.findall(r"^\d\. \*\*(\w+)\*\*", section, re.MULTILINE)
    assert steps == re.findall(r"^\d\. \*\*(\w+)\*\*", seed(), re.MULTILINE) == ["EXPAND", "MIGRATE", "CONTRACT"]


# The seed's checklist items, and the names the program gives them (test_skill_claims checks the skill's
# names against the program's).
SEED_CHECKLIST = {
    "Backup database (production)": "Backup of the database (production)",
    "Test migration in staging": "Migration tested in staging",
    "Verify rollback works": "Rollback verified",
    "Check for long-running transactions": "No long-running transactions",
    "Schedule during low-traffic period": "Scheduled during a low-traffic period",
}


def test_the_pre_migration_checklist_is_in_the_skill():
    seed_items = re.findall(r"^- \[ \] (.+)$", seed(), re.MULTILINE)
    section = SKILL_TEXT.split("## Pre-Migration Checklist\n")[1].split("\n## ")[0]
    skill_items = re.findall(r"^- \[ \] ([^:]+):", section, re.MULTILINE)
    assert seed_items == list(SEED_CHECKLIST)
    assert [item for item in skill_items if item in SEED_CHECKLIST.values()] == list(SEED_CHECKLIST.values())
    for status in ("`ok`", "`fail`", "`manual`"):
        assert status in section


def test_the_command_delegates_to_the_skill_in_claude_codes_format():
    frontmatter, body = frontmatter_and_body(COMMAND)
    assert set(frontmatter) == {"description", "argument-hint", "allowed-tools"}
    assert frontmatter["argument-hint"] == "<create|up|down|status|plan|lint> [name] [--dry-run] [--rollback-plan] [--steps N]"
    tools = [tool.strip() for tool in frontmatter["allowed-tools"].split(",")]
    assert "Skill(dk:migration)" in tools and "Bash(${CLAUDE_PLUGIN_ROOT}/scripts/migrate status *)" in tools
    assert "dk:migration" in body and "$ARGUMENTS" in body and "$0" in body


def test_the_skill_is_findable_and_small_with_its_depth_in_linked_pages():
    frontmatter, body = frontmatter_and_body(SKILL)
    description = frontmatter["description"]
    assert frontmatter["name"] == "migration"
    assert len(description) < 1024 and "<" not in description and ">" not in description
    for keyword in ("migration", "schema change", "rollback", "expand-contract", "zero downtime", "Alembic", "Flyway"):
        assert keyword.lower() in description.lower(), keyword
    assert "Bash(${CLAUDE_PLUGIN_ROOT}/scripts/migrate status *)" in frontmatter["allowed-tools"]
    assert len(SKILL_TEXT.splitlines()) < 500

    links = set(re.findall(r"\]\((references/[\w-]+\.md)\)", body))
    assert links == {f"references/{page.name}" for page in REFERENCES}, "every page is linked, every link has a page"
    assert len(REFERENCES) == 7


@pytest.mark.parametrize("path", [COMMAND, SKILL, *REFERENCES], ids=lambda path: path.name)
def test_paths_into_the_plugin_use_the_plugin_root(path):
    text = path.read_text()
    assert not re.search(r"(?<!\$\{CLAUDE_PLUGIN_ROOT\}/)scripts/migrate", text), \
        "a path into the plugin must start with ${CLAUDE_PLUGIN_ROOT}/ (the agent's Bash has no other way to find it)"
    for relative in re.findall(r"\$\{CLAUDE_PLUGIN_ROOT\}/([\w./-]+)", text):
        assert (ROOT / relative).exists(), relative
