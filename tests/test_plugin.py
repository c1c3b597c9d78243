"""The repository is a Claude Code plugin that the real CLI validates, installs, loads and runs.

No model takes part: Claude Code talks to a loopback stub of the Messages API (anthropic_stub.py)
that records what Claude Code sends and answers with scripted assistant turns.
"""

import json
import re
import shutil
import subprocess
import tomllib

import pytest

from anthropic_stub import MessagesStub, text, tool_use
from claude_code import copy_plugin
from conftest import LAUNCHER, ROOT

COMMAND = ROOT / "commands" / "migrate.md"
SKILL = ROOT / "skills" / "migration" / "SKILL.md"
EXAMPLE = ROOT / "examples" / "shop"


@pytest.fixture
def shop(tmp_path):
    """A copy of the example project with 3 of its 10 migrations applied, as the user's project."""
    copy = tmp_path / "shop"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("*.sqlite3*"))
    applied = subprocess.run([LAUNCHER, "-C", copy, "up", "--steps", "3"], capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr
    return copy


def test_claude_code_validates_the_plugin_and_its_marketplace_strictly(claude):
    for target in (".", ".claude-plugin/plugin.json"):
        result = claude.run("plugin", "validate", "--strict", target, cwd=ROOT)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Validation passed" in result.stdout
    assert "dk:migration" in result.stdout and "dk:migrate" in result.stdout  # what the plugin provides


def test_manifests_name_the_plugin_dk_at_the_package_version():
    plugin = json.loads((ROOT / ".claude-plugin" / "plugin.json").read_text())
    marketplace = json.loads((ROOT / ".claude-plugin" / "marketplace.json").read_text())
    package = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert plugin["name"] == "dk"
    assert plugin["version"] == package["version"], "a release bumps pyproject.toml and plugin.json together"
    assert plugin["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert [(entry["name"], entry["source"]) for entry in marketplace["plugins"]] == [("dk", "./")]


def rendered_command(arguments: str, operation: str) -> str:
    """The instructions of commands/migrate.md as Claude Code should send them, up to the status section."""
    body = COMMAND.read_text().split("---\n", 2)[2]
    instructions = body.split("## Current status")[0]
    return (instructions.replace("$ARGUMENTS", arguments).replace("$0", operation)
            .replace("${CLAUDE_PLUGIN_ROOT}", str(ROOT)))


def all_text(body: dict) -> str:
    """Every text Claude Code put into one request's messages (tool results included)."""
    parts = []
    for message in body["messages"]:
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in blocks:
            if block.get("type") == "tool_result":
                inner = block["content"]
                parts.extend([inner] if isinstance(inner, str) else [b.get("text", "") for b in inner])
            else:
                parts.append(block.get("text", ""))
    return "\n".join(parts)


def tool_results(body: dict) -> dict:
    """The tool results of the last message of a request, by tool_use id."""
    content = body["messages"][-1]["content"]
    return {block["tool_use_id"]: block for block in content if isinstance(content, list)
            and block.get("type") == "tool_result"}


def result_text(result: dict) -> str:
    content = result["content"]
    return content if isinstance(content, str) else "".join(block.get("text", "") for block in content)


@pytest.mark.parametrize("arguments, operation", [
    ("status", "status"),
    ('plan "split users table" --rollback-plan', "plan"),
])
def test_the_command_hands_the_operation_and_its_arguments_to_the_skill(claude, shop, arguments, operation):
    with MessagesStub(lambda body: [text("Done.")]) as api:
        result = claude.run("-p", f"/dk:migrate {arguments}", "--plugin-dir", str(ROOT), cwd=shop, api_url=api.url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Done."

    sent = all_text(api.requests[0])
    assert "<command-name>/dk:migrate</command-name>" in sent
    assert f"<command-args>{arguments}</command-args>" in sent
    assert rendered_command(arguments, operation) in sent
    assert "Load the **dk:migration** skill with the Skill tool" in sent
    # The command's read-only `!` line ran the launcher on the user's project before the model saw it.
    assert "10 migrations: 3 applied, 7 pending" in sent
    assert "- dk:migration: Plans and runs database migrations safely" in sent  # the skill is offered


def scripted_agent(skill_args: str):
    """A model's turns: load the skill, run the status command the skill prescribes, then finish."""
    def respond(body):
        results = tool_results(body)
        if "call_skill" in results:
            commands = re.findall(r"`([^`\n]*/scripts/migrate status --format json)`", all_text(body))
            return [tool_use("call_status", "Bash", {"command": commands[0], "description": "Show migration status"})]
        if "call_status" in results:
            return [text("Done.")]
        return [tool_use("call_skill", "Skill", {"skill": "dk:migration", "args": skill_args})]
    return respond


def test_claude_code_runs_the_launcher_command_that_the_skill_prescribes(claude, shop):
    with MessagesStub(scripted_agent("status")) as api:
        result = claude.run("-p", "/dk:migrate status", "--plugin-dir", str(ROOT), cwd=shop, api_url=api.url)
    assert result.returncode == 0, result.stderr
    assert not api.errors
    assert result.stdout.strip() == "Done."
    after_skill, after_bash = api.requests[1], api.requests[2]

    skill_text = all_text(after_skill)
    assert "# Database and system migrations" in skill_text, "the skill's body was loaded"
    assert "${CLAUDE_PLUGIN_ROOT}" not in skill_text, "Claude Code substitutes the plugin root in the skill"
    bash_call = after_bash["messages"][-2]["content"]  # the stub's tool_use, as Claude Code sends it back
    command = next(block for block in bash_call if block.get("type") == "tool_use")["input"]["command"]
    assert command == f"{ROOT}/scripts/migrate status --format json"

    status = tool_results(after_bash)["call_status"]
    assert not status.get("is_error"), result_text(status)  # no permission refusal, no failure
    document = json.loads(result_text(status))
    assert document["summary"] == {"applied": 3, "pending": 7, "modified": 0, "missing": 0, "dirty": 0}
    assert [m["state"] for m in document["migrations"]] == ["applied"] * 3 + ["pending"] * 7


def test_the_skill_alone_lets_the_agent_run_its_launcher(claude, shop):
    """Without the slash command the model picks the skill itself. The user allows the skill (as they
    would answer Claude Code's question); the skill's own allowed-tools then cover its launcher."""
    with MessagesStub(scripted_agent("")) as api:
        result = claude.run("-p", "Which migrations are pending here?", "--plugin-dir", str(ROOT),
                            "--allowedTools", "Skill(dk:migration)", cwd=shop, api_url=api.url)
    assert result.returncode == 0, result.stderr
    assert not api.errors
    status = tool_results(api.requests[2])["call_status"]
    assert not status.get("is_error"), result_text(status)
    assert json.loads(result_text(status))["summary"]["pending"] == 7


def test_installed_from_its_marketplace_the_plugin_prepares_python_and_runs(claude, shop, tmp_path):
    """The user's path: marketplace add, install, first session (the hook prepares Python), next session."""
    plugin = copy_plugin(ROOT, tmp_path / "dk-migrate")
    added = claude.run("plugin", "marketplace", "add", str(plugin), cwd=tmp_path)
    assert added.returncode == 0, added.stdout + added.stderr
    installed = claude.run("plugin", "install", "dk@dk-migrate", cwd=tmp_path)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    listed = claude.run("plugin", "list", cwd=tmp_path)
    assert "dk@dk-migrate" in listed.stdout and "enabled" in listed.stdout

    with MessagesStub(lambda body: [text("Done.")]) as api:
        first = claude.run("-p", "/dk:migrate status", cwd=shop, api_url=api.url, timeout=600)
        second = claude.run("-p", "/dk:migrate status", cwd=shop, api_url=api.url)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    first_request, second_request = all_text(api.requests[0]), all_text(api.requests[-1])
    assert "preparing its Python environment" in json.dumps(api.requests[0])  # the SessionStart hook said so
    assert "preparing its Python environment" not in json.dumps(api.requests[-1])  # ready: silent
    for sent in (first_request, second_request):
        assert "10 migrations: 3 applied, 7 pending" in sent

    data = claude.home / ".claude" / "plugins" / "data"
    assert list(data.glob("*/venv/bin/python")), "the virtualenv lives in the plugin's data directory"
    assert not list((claude.home / ".claude" / "plugins" / "cache").glob("**/.venv")), \
        "nothing is installed into the plugin directory, which updates replace"
