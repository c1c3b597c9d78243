"""The files a git branch adds or changes since a ref: what a pull request brings, for `lint --changed-since`."""

from pathlib import Path

from .errors import UsageError


def changed_files(directory: Path, ref: str) -> set[Path]:
    """Files added or modified since the point where HEAD left `ref` (the merge base), committed or not, and new
    untracked files; as resolved absolute paths. A ref git does not know, or no repository, is a UsageError."""
    if ref.startswith("-"):
        raise UsageError(f"--changed-since needs a git ref (a branch, tag or commit), not '{ref}'")
    top = Path(_git(directory, "rev-parse", "--show-toplevel").strip())
    try:
        _git(directory, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UsageError:
        raise UsageError(f"--changed-since {ref}: git knows no commit by that name in {top}",
                         hint="fetch it first (in CI: `git fetch origin main`, or check out with fetch-depth: 0)") from None
    try:
        base = _git(directory, "merge-base", ref, "HEAD").strip()
    except UsageError:  # no common history: compare with the ref itself
        base = ref
    names = _git(directory, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", base, "--").split("\0")
    names += _git(directory, "ls-files", "--others", "--exclude-standard", "-z", "--full-name").split("\0")
    return {(top / name).resolve() for name in names if name}


def _git(directory: Path, *args: str) -> str:
    import subprocess  # only --changed-since runs git: other commands do not pay for the import

    try:
        completed = subprocess.run(["git", "-C", str(directory), *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("--changed-since needs git, which is not on PATH") from None
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else f"git {args[0]} failed"
        raise UsageError(f"--changed-since: {message}")
    return completed.stdout
