"""The plugin's SessionStart hook, run as Claude Code runs it (the command of hooks/hooks.json, with the
plugin variables and a $CLAUDE_ENV_FILE), on a fresh copy of the plugin.

It must return at once, prepare the launcher's virtualenv in the plugin's data directory in the
background, point the session's Bash commands at it, be a silent no-op once it is ready, and turn
every failure into a message.
"""

import json
import os
import re
import subprocess
import time

import pytest

from claude_code import copy_plugin
from conftest import OFFLINE, ROOT

HOOK_COMMAND = json.loads((ROOT / "hooks" / "hooks.json").read_text())["hooks"]["SessionStart"][0]["hooks"][0]["command"]


def clean_environment() -> dict:
    return {key: value for key, value in os.environ.items()
            if not key.startswith(("DKMIGRATE", "CLAUDE")) and key != "PYTHONPATH"}


def session_start(plugin, data, env_file, extra_env=None):
    """Runs the hook; returns (completed process, seconds it took)."""
    env = clean_environment() | {"CLAUDE_PLUGIN_ROOT": str(plugin), "CLAUDE_PLUGIN_DATA": str(data),
                                 "CLAUDE_ENV_FILE": str(env_file)} | (extra_env or {})
    started = time.monotonic()
    completed = subprocess.run(["bash", "-c", HOOK_COMMAND], env=env, capture_output=True, text=True, timeout=60)
    return completed, time.monotonic() - started


def finished(data) -> bool:
    """Waits for the background preparation to end; True when it succeeded (its log ends with the version)."""
    deadline = time.monotonic() + 600
    while True:
        if (data / "prepare-failed.log").exists():
            return False
        log = data / "prepare.log"
        if log.exists() and re.search(r"^dk migrate \d", log.read_text(), re.MULTILINE):
            return True
        assert time.monotonic() < deadline, "the background preparation did not end"
        time.sleep(0.5)


@pytest.fixture(scope="module")
def first_start(tmp_path_factory):
    """A fresh plugin copy, its first session start, and the background preparation it started, finished."""
    base = tmp_path_factory.mktemp("hook")
    plugin, data, env_file = copy_plugin(ROOT, base / "plugin"), base / "data", base / "session-1.env"
    completed, seconds = session_start(plugin, data, env_file)
    return plugin, data, env_file, completed, seconds, finished(data)


def test_the_first_session_start_returns_at_once_and_prepares_python_in_the_background(first_start):
    plugin, data, env_file, completed, seconds, succeeded = first_start
    assert completed.returncode == 0, completed.stderr
    assert seconds < 5, "the install runs detached, the session does not wait for it"
    message = json.loads(completed.stdout)
    assert f"preparing its Python environment in {data / 'venv'}" in message["systemMessage"]
    assert message["hookSpecificOutput"] == {"hookEventName": "SessionStart",
                                             "additionalContext": message["systemMessage"]}
    assert env_file.read_text() == f"export DKMIGRATE_VENV={data / 'venv'}\n"

    assert succeeded, (data / "prepare-failed.log").read_text()
    launcher = subprocess.run([plugin / "scripts" / "migrate", "--version"], capture_output=True, text=True,
                              env=clean_environment() | OFFLINE | {"DKMIGRATE_VENV": str(data / "venv")})
    assert (launcher.returncode, launcher.stdout, launcher.stderr) == (0, "dk migrate 0.1.0\n", "")
    assert not (plugin / ".venv").exists(), "nothing is installed into the plugin directory"


def test_a_later_session_start_is_a_silent_no_op(first_start, tmp_path):
    plugin, data, *_ = first_start
    env_file = tmp_path / "session-2.env"
    completed, seconds = session_start(plugin, data, env_file, OFFLINE)
    assert (completed.returncode, completed.stdout, completed.stderr) == (0, "", "")
    assert seconds < 2
    assert env_file.read_text() == f"export DKMIGRATE_VENV={data / 'venv'}\n", "each session's Bash is told again"


def test_a_plugin_directory_with_its_own_virtualenv_keeps_it(first_start, tmp_path):
    prepared_venv = first_start[1] / "venv"
    checkout = copy_plugin(ROOT, tmp_path / "checkout")
    (checkout / ".venv").symlink_to(prepared_venv)  # a development checkout whose .venv is ready
    data, env_file = tmp_path / "data", tmp_path / "session.env"
    completed, _ = session_start(checkout, data, env_file, OFFLINE)
    assert (completed.returncode, completed.stdout) == (0, "")
    assert not env_file.exists() and not data.exists()


def test_a_failed_preparation_is_reported_at_the_next_session_start(tmp_path):
    plugin, data = copy_plugin(ROOT, tmp_path / "plugin"), tmp_path / "data"
    first, seconds = session_start(plugin, data, tmp_path / "1.env", OFFLINE)  # PyPI out of reach
    assert first.returncode == 0 and seconds < 5
    assert not finished(data)

    second, _ = session_start(plugin, data, tmp_path / "2.env", OFFLINE)
    assert second.returncode == 0
    message = json.loads(second.stdout)["systemMessage"]
    assert "The previous attempt failed: dk migrate: installing " in message
    assert "failed" in message.split("The previous attempt failed:")[1]


def test_without_python_the_hook_says_what_is_missing(tmp_path):
    plugin = copy_plugin(ROOT, tmp_path / "plugin")
    completed, _ = session_start(plugin, tmp_path / "data", tmp_path / "1.env",
                                 {"DKMIGRATE_PYTHON": str(tmp_path / "no-such-python3")})
    assert completed.returncode == 0
    assert "dk migrate needs python3 (3.10 or newer) on PATH" in completed.stdout
