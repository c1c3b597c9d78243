"""Data derived from the user's files, kept between runs beside Python's bytecode (sys.pycache_prefix, which
scripts/migrate sets to a folder of its virtualenv): like bytecode, it is rebuilt whenever its source changes, and
losing it costs only time. Without a prefix nothing is kept. Each entry is one marshal file (marshal is built into
Python: reading it costs no import)."""

import marshal
import os
import sys


def derived_file(kind: str, source: str | None = None) -> str | None:
    """Where the data of `kind` is kept (derived from the file or folder `source`, when the data is kept per source);
    None when nothing is kept."""
    if not sys.pycache_prefix:
        return None
    if source is None:
        return os.path.join(sys.pycache_prefix, f"dkmigrate-{kind}.marshal")
    return os.path.join(sys.pycache_prefix, f"dkmigrate-{kind}", os.path.abspath(source).lstrip(os.sep)) + ".marshal"


def read_derived(path: str | None):
    """The value kept at `path`; None when there is none, or it cannot be read."""
    if path is None:
        return None
    try:
        with open(path, "rb") as file:
            return marshal.loads(file.read())  # marshal.load reads a file object a few bytes at a time
    except (OSError, EOFError, ValueError, TypeError):
        return None


def keep_derived(path: str | None, value) -> None:
    """Keeps `value` at `path`, replacing what was there at once (a concurrent reader sees the old or the new);
    a folder that cannot be written, or a value marshal cannot hold (a YAML timestamp), keeps nothing."""
    if path is None:
        return
    partial = f"{path}.{os.getpid()}"
    try:
        data = marshal.dumps(value)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(partial, "wb") as file:
            file.write(data)
        os.replace(partial, path)
    except (OSError, ValueError):
        try:
            os.unlink(partial)
        except OSError:
            pass
