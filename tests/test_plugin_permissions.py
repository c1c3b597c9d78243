"""The agent asks before it changes a database or a file: proven with the real Claude Code CLI.

The command's and the skill's allowed-tools pre-approve only the launcher forms that cannot change
anything (status, lint, plan, detect, verify, trace, the --dry-run forms: verify and trace refuse a protected
environment and leave the database as they found it); the plugin's PreToolUse hook makes Claude Code ask for
`plan --write`, `plan --trace-url`, `verify --scratch-url` and `trace --scratch-url` (the last three build the
schema in the database they name and leave it built). A scripted model (the loopback stub) calls every form;
Claude Code runs in print mode, where a call that needs the user's approval is refused, so what ran and what was
refused is what Claude Code's permission system decided.
"""

import json
import sqlite3
import subprocess
from contextlib import closing

import pytest
import yaml

from anthropic_stub import MessagesStub, text, tool_use
from conftest import ROOT
from test_plugin import result_text, shop, tool_results  # noqa: F401  (shop is a fixture)

LAUNCHER = f"{ROOT}/scripts/migrate"
READ_ONLY = ["status", "lint", "plan", "detect", "verify", "trace", "up --dry-run", "down --dry-run"]
ALLOWED = [f"Bash(${{CLAUDE_PLUGIN_ROOT}}/scripts/migrate {form} *)" for form in READ_ONLY]

RUNS = {
    "status": f"{LAUNCHER} status --format json",
    "status_elsewhere": f"{LAUNCHER} status -C . --format json",
    "lint": f"{LAUNCHER} lint --all --format json",
    "plan": f"{LAUNCHER} plan --rollback-plan --format json",
    "plan_write_dry_run": f'{LAUNCHER} plan "rename customers.email to email_address" --write --dry-run --format json',
    "detect": f"{LAUNCHER} detect --format json",
    "verify": f"{LAUNCHER} verify --format json",
    "trace": f"{LAUNCHER} trace --format json",
    "up_dry_run": f"{LAUNCHER} up --dry-run --format json",
    "down_dry_run": f"{LAUNCHER} down --dry-run --format json",
}
ASKS = {
    "up": f"{LAUNCHER} up --format json",
    "up_global_first": f"{LAUNCHER} --format json up",
    "down": f"{LAUNCHER} down --steps 1 --format json",
    "repair": f"{LAUNCHER} repair 20261101090000 --rolled-back --format json",
    "baseline": f"{LAUNCHER} baseline 20261101090000 --format json",
    "create": f"{LAUNCHER} create add_note --sql 'ALTER TABLE orders ADD COLUMN note text;' --format json",
    "plan_write": f'{LAUNCHER} plan "rename customers.email to email_address" --write --format json',
    "plan_trace_url": f"{LAUNCHER} plan --trace-url sqlite:plan-scratch.sqlite3 --format json",
    "verify_scratch_url": f"{LAUNCHER} verify --scratch-url sqlite:verify-scratch.sqlite3 --format json",
    "trace_scratch_url": f"{LAUNCHER} trace --scratch-url=sqlite:trace-scratch.sqlite3 --format json",
    "status_then_up": f"{LAUNCHER} status --format json && {LAUNCHER} up --format json",
}


def frontmatter(path):
    return yaml.safe_load(path.read_text().split("---\n", 2)[1])


def test_allowed_tools_pre_approve_only_what_cannot_change_a_database_or_a_file():
    command = [tool.strip() for tool in frontmatter(ROOT / "commands" / "migrate.md")["allowed-tools"].split(",")]
    skill = [tool.strip() for tool in frontmatter(ROOT / "skills" / "migration" / "SKILL.md")["allowed-tools"].split(",")]
    assert command == ["Skill(dk:migration)", *ALLOWED, "Read", "Grep", "Glob"]
    assert skill == [*ALLOWED, "Read", "Grep", "Glob"]
    hooks = json.loads((ROOT / "hooks" / "hooks.json").read_text())["hooks"]
    assert hooks["PreToolUse"] == [{"matcher": "Bash", "hooks": [
        {"type": "command", "command": '"${CLAUDE_PLUGIN_ROOT}/hooks/pre-tool-use"', "timeout": 10}]}]


@pytest.mark.parametrize("command, asks", [
    ('/x/scripts/migrate plan "split users" --write', True),
    ('/x/scripts/migrate plan --write --format json', True),
    ('/x/scripts/migrate status --format json; /x/scripts/migrate plan g --write', True),
    ("cd app && /x/scripts/migrate plan 'goal' --write | tee out", True),
    ('/x/scripts/migrate plan "split users" --write --dry-run', False),
    ('/x/scripts/migrate plan "add a --write flag to the API" --rollback-plan', False),
    ('/x/scripts/migrate status --format json', False),
    ("echo plan --write", False),
    ('/x/scripts/migrate plan --trace-url postgres://localhost/scratch --format json', "--trace-url"),
    ('/x/scripts/migrate plan --trace-url=postgres://localhost/scratch', "--trace-url"),
    ('/x/scripts/migrate verify --scratch-url postgres://localhost/scratch --format json', "verify --scratch-url"),
    ('/x/scripts/migrate verify --scratch-url=sqlite:scratch.sqlite3', "verify --scratch-url"),
    ('/x/scripts/migrate trace --scratch-url postgres://localhost/scratch', "trace --scratch-url"),
    ('/x/scripts/migrate trace db/migrations/1_a.sql --scratch-url=sqlite:s.sqlite3', "trace --scratch-url"),
    ("cd app && /x/scripts/migrate verify --scratch-url 'sqlite:s.sqlite3", "verify --scratch-url"),  # unbalanced quote
    ('/x/scripts/migrate trace --format json', False),
    ('/x/scripts/migrate verify --steps 1 --format json', False),
    ('/x/scripts/migrate status --format json; /x/scripts/migrate trace --scratch-url=x', "trace --scratch-url"),
    ("echo verify --scratch-url x", False),
])
def test_the_hook_asks_for_what_changes_a_database_or_a_file_and_for_nothing_else(command, asks):
    hook = subprocess.run([ROOT / "hooks" / "pre-tool-use"], input=json.dumps(
        {"hook_event_name": "PreToolUse", "tool_name": "Bash", "tool_input": {"command": command}}),
        capture_output=True, text=True, timeout=30)
    assert hook.returncode == 0, hook.stderr
    if asks:
        decision = json.loads(hook.stdout)["hookSpecificOutput"]
        option = asks if isinstance(asks, str) else "--write"
        assert decision["permissionDecision"] == "ask" and option in decision["permissionDecisionReason"]
    else:
        assert hook.stdout == ""


def agent_calling_everything(skill_args: str):
    """A model's turns: load the skill, call every launcher form at once, then finish."""
    calls = {**RUNS, **ASKS}

    def respond(body):
        results = tool_results(body)
        if "call_skill" in results:
            return [tool_use(name, "Bash", {"command": command, "description": name}) for name, command in calls.items()]
        if results:
            return [text("Done.")]
        return [tool_use("call_skill", "Skill", {"skill": "dk:migration", "args": skill_args})]
    return respond


def migration_files(project):
    return sorted(path.relative_to(project) for path in (project / "db" / "migrations").rglob("*.sql"))


def database_dump(project) -> list[str]:
    """Every schema object and every row of the shop's SQLite database, as SQL."""
    with closing(sqlite3.connect(project / "db" / "shop.sqlite3")) as connection:
        return list(connection.iterdump())


@pytest.mark.parametrize("how", ["command", "skill"])
def test_claude_code_runs_the_read_only_forms_and_refuses_up_down_and_writes(claude, shop, how):  # noqa: F811
    files_before, database_before = migration_files(shop), database_dump(shop)
    arguments = (["-p", "/dk:migrate up"] if how == "command" else
                 ["-p", "Apply the pending migrations", "--allowedTools", "Skill(dk:migration)"])
    with MessagesStub(agent_calling_everything("up")) as api:
        result = claude.run(*arguments, "--plugin-dir", str(ROOT), cwd=shop, api_url=api.url)
    assert result.returncode == 0, result.stderr
    assert not api.errors
    results = tool_results(api.requests[-1])
    assert set(results) == set(RUNS) | set(ASKS)

    for name in RUNS:  # the program ran and answered (lint's exit code 1 for its findings included)
        output = result_text(results[name])
        assert "requires approval" not in output, f"{name} was not pre-approved"
        assert not results[name].get("is_error") or output.startswith("Exit code 1\n"), f"{name}: {output}"
    for name in ASKS:
        assert results[name].get("is_error"), f"{name} ran without the user's approval"
        refusal = result_text(results[name])
        # Claude Code's own refusal, or the hook's reason for asking
        assert "requires approval" in refusal or refusal.endswith(": confirm the exact command"), f"{name}: {refusal}"

    assert json.loads(result_text(results["status"]))["summary"]["pending"] == 7
    assert json.loads(result_text(results["detect"]))["tools"][0]["name"] == "dk migrate"
    lint = json.loads(result_text(results["lint"]).removeprefix("Exit code 1\n"))
    assert lint["statements"] > 0 and lint["findings"] == []  # the shop example lints clean
    assert json.loads(result_text(results["up_dry_run"]))["dry_run"] is True
    # verify and trace ran the 7 pending migrations on a private copy; verify's exit 1 is the irreversible contract
    verify = json.loads(result_text(results["verify"]).removeprefix("Exit code 1\n"))
    assert verify["where"] == "on a copy of sqlite:db/shop.sqlite3"
    assert verify["summary"] == {"reversible": 6, "irreversible": 1, "not_verified": 0}
    trace = json.loads(result_text(results["trace"]))
    assert trace["where"] == "on a copy of sqlite:db/shop.sqlite3" and len(trace["migrations"]) == 7
    after = subprocess.run([LAUNCHER, "-C", str(shop), "status", "--format", "json"], capture_output=True, text=True)
    assert json.loads(after.stdout)["summary"] == {"applied": 3, "pending": 7, "modified": 0, "missing": 0, "dirty": 0}, \
        "nothing was applied or rolled back"
    assert migration_files(shop) == files_before, "no migration file was written"
    assert database_dump(shop) == database_before, "verify and trace left the database as they found it"
    assert not [name for name in ("plan-scratch", "verify-scratch", "trace-scratch")
                if (shop / f"{name}.sqlite3").exists()], "no scratch database was built"
