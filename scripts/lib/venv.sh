# Shared by scripts/migrate, scripts/test and the plugin's SessionStart hook (hooks/session-start):
# keeps a virtualenv holding the package's dependencies.
#
# The virtualenv lives in $DKMIGRATE_VENV (default: <checkout>/.venv, ignored by git). While the stamp
# that scripts/lib/bootstrap.py leaves per dependency group is newer than pyproject.toml, nothing else
# is checked, so a ready environment costs two file tests and no process.
# Requires: $root (the checkout). Sets: $venv.
#
# use_bytecode_cache keeps the package's compiled bytecode in $venv/pycache (PYTHONPYCACHEPREFIX), out
# of the work tree, so that no run compiles the package from source, even where PYTHONDONTWRITEBYTECODE
# is set (containers, CI).

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

# use_bytecode_cache: points Python at the bytecode cache in $venv/pycache, compiling the package into it
# when it was never compiled, or a folder of the package changed since (a file added, removed or replaced)
# after the last compilation. The package is compiled "checked-hash": Python compares each cached module
# with its source's hash before using it, so a source edited in place never runs as its old bytecode,
# whatever its timestamp, and Python writes the module's new bytecode itself. Python also caches the
# modules of the standard library and the dependencies there on first use (PYTHONDONTWRITEBYTECODE, which
# would forbid that, only ever meant to keep bytecode out of the source tree, which the prefix does).
use_bytecode_cache() {
  case $venv in
    /*) export PYTHONPYCACHEPREFIX=$venv/pycache ;;
    *) export PYTHONPYCACHEPREFIX=$PWD/$venv/pycache ;;  # scripts/test changes directory afterwards
  esac
  unset PYTHONDONTWRITEBYTECODE
  local stamp=$PYTHONPYCACHEPREFIX$root/scripts/dkmigrate/.compiled folder stale=0
  if [ ! -e "$stamp" ]; then
    stale=1
  else
    for folder in "$root"/scripts/dkmigrate/ "$root"/scripts/dkmigrate/*/ "$root"/scripts/dkmigrate/*/*/; do
      if [ "$folder" -nt "$stamp" ]; then
        stale=1
        break
      fi
    done
  fi
  if [ "$stale" = 1 ]; then
    mkdir -p "$(dirname "$stamp")"
    touch "$stamp.$$"  # before compiling: a folder changed meanwhile is newer, so compiled next time
    if "$venv/bin/python" -m compileall -qq -f --invalidation-mode checked-hash "$root/scripts/dkmigrate"; then
      mv -f "$stamp.$$" "$stamp"
    else
      rm -f "$stamp.$$"  # a source that does not compile: the run reports it, and the next one tries again
    fi
  fi
}
