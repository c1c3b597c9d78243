# Shared by scripts/migrate, scripts/test and the plugin's SessionStart hook (hooks/session-start):
# keeps a virtualenv holding the package's dependencies.
#
# The virtualenv lives in $DKMIGRATE_VENV (default: <checkout>/.venv, ignored by git). While the stamp
# that scripts/lib/bootstrap.py leaves per dependency group is newer than pyproject.toml, nothing else
# is checked, so a ready environment costs two file tests and no process.
# Requires: $root (the checkout). Sets: $venv.

venv=${DKMIGRATE_VENV:-$root/.venv}

# venv_ready GROUP: true while the virtualenv holds GROUP's dependencies as pyproject.toml lists them.
# GROUP is "runtime" or an optional-dependency group of pyproject.toml ("test").
venv_ready() {
  [ -x "$venv/bin/python" ] && [ "$venv/.deps-$1" -nt "$root/pyproject.toml" ]
}

# ensure_venv GROUP: makes the virtualenv ready for GROUP, installing what is missing.
ensure_venv() {
  if venv_ready "$1"; then
    return 0
  fi
  local py=${DKMIGRATE_PYTHON:-python3}
  if ! command -v "$py" >/dev/null 2>&1; then
    echo "dk migrate: needs python3 (3.10 or newer) on PATH" >&2
    return 2
  fi
  "$py" "$root/scripts/lib/bootstrap.py" "$root/pyproject.toml" "$venv" "$1"
}
