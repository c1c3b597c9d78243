# Shared by scripts/migrate and scripts/test: keeps a virtualenv holding the package's dependencies.
#
# The virtualenv lives in $DKMIGRATE_VENV (default: <checkout>/.venv, ignored by git). While the stamp
# that scripts/lib/bootstrap.py leaves per dependency group is newer than pyproject.toml, nothing else
# is checked, so a ready environment costs two file tests and no process.
# Requires: $root (the checkout). Sets: $venv.

venv=${DKMIGRATE_VENV:-$root/.venv}

# ensure_venv GROUP: GROUP is "runtime" or an optional-dependency group of pyproject.toml ("test").
ensure_venv() {
  if [ -x "$venv/bin/python" ] && [ "$venv/.deps-$1" -nt "$root/pyproject.toml" ]; then
    return 0
  fi
  local py=${DKMIGRATE_PYTHON:-python3}
  if ! command -v "$py" >/dev/null 2>&1; then
    echo "dk migrate: needs python3 (3.10 or newer) on PATH" >&2
    return 2
  fi
  "$py" "$root/scripts/lib/bootstrap.py" "$root/pyproject.toml" "$venv" "$1"
}
