"""The real Claude Code CLI for the plugin's tests: installed once from npm, run without a model.

The pinned release runs offline: every model call goes to ANTHROPIC_BASE_URL, which the tests point
at a loopback stub (anthropic_stub.py), and nonessential traffic is switched off. Each run gets a
throwaway HOME, so no setting, plugin or login of the machine's user takes part.
"""

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

VERSION = "2.1.330"
PACKAGE = f"@anthropic-ai/claude-code@{VERSION}"
GENERATED = (".venv", ".venv.lock", ".cache", ".git", "__pycache__", ".pytest_cache", "*.sqlite3*")


def install(cache: Path) -> Path:
    """The claude executable of the pinned release, installed under `cache` unless it is already there."""
    target = cache / f"claude-code-{VERSION}"
    claude = target / "node_modules" / ".bin" / "claude"
    if claude.exists():
        return claude
    cache.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="claude-code-", dir=cache))
    subprocess.run(["npm", "install", "--prefix", str(staging), "--no-save", "--no-audit", "--no-fund",
                    "--no-package-lock", PACKAGE], check=True, capture_output=True, text=True, timeout=900)
    try:
        staging.rename(target)
    except OSError:  # another run installed it meanwhile
        shutil.rmtree(staging)
    return claude


def copy_plugin(source: Path, destination: Path) -> Path:
    """The plugin's files as a fresh clone has them: no virtualenv, caches or databases."""
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(*GENERATED))
    return destination


@dataclass
class Claude:
    executable: Path
    home: Path

    def environment(self, api_url: str = "http://127.0.0.1:9") -> dict:
        passed_on = {key: os.environ[key] for key in ("PATH", "LANG", "DKMIGRATE_VENV") if key in os.environ}
        return passed_on | {
            "HOME": str(self.home),
            "ANTHROPIC_BASE_URL": api_url,
            "ANTHROPIC_API_KEY": "sk-ant-test-not-a-real-key",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        }

    def run(self, *args: str, cwd: Path, api_url: str = "http://127.0.0.1:9", timeout: float = 180):
        return subprocess.run([str(self.executable), *args], cwd=cwd, env=self.environment(api_url),
                              capture_output=True, text=True, timeout=timeout)
