"""What a command imports before it answers: every run pays for each module, so `status` loads none it
does not use (the linter, the planner, templates, drivers of other engines, typing, shutil; json, subprocess, random
and difflib, which only other formats, --changed-since, lock retries and typos need; dataclasses and inspect, as the
records on its path are tuples and classes with slots; the inspector's facts and schema snapshots)."""

import json
import os
import subprocess
import sys

from conftest import ROOT

ENVIRONMENT = os.environ | {"PYTHONPATH": str(ROOT / "scripts")}
NOT_FOR_STATUS = ["dkmigrate.lint", "dkmigrate.plan", "dkmigrate.sqlsplit", "jinja2", "yaml", "psycopg", "pymysql",
                  "sqlparse", "typing", "shutil", "json", "subprocess", "random", "difflib", "dataclasses", "inspect",
                  "dkmigrate.snapshot", "dkmigrate.adapters.facts"]


def project_with_a_migration(tmp_path):
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    (tmp_path / "db" / "migrations" / "20261124093000_add_users.sql").write_text(
        "-- migrate:up\nCREATE TABLE users (id integer);\n-- migrate:down\nDROP TABLE users;\n")
    return tmp_path


def run_in_a_new_process(project, *argv: str) -> dict:
    """The command run by main() in a Python of its own: its exit code, its output and every module it loaded."""
    program = ("import io, sys\n"
               "from dkmigrate.cli import main\n"
               "out = io.StringIO()\n"
               "code = main(['-C', sys.argv[1], *sys.argv[2:]], stdout=out)\n"
               "modules = sorted(sys.modules)\n"
               "import json\n"
               "print(json.dumps({'code': code, 'output': out.getvalue(), 'modules': modules}))\n")
    completed = subprocess.run([sys.executable, "-c", program, str(project), *argv], check=True, capture_output=True,
                               text=True, env=ENVIRONMENT)
    return json.loads(completed.stdout)


def test_status_on_sqlite_imports_only_what_it_uses(tmp_path):
    project = project_with_a_migration(tmp_path)
    subprocess.run([sys.executable, "-m", "dkmigrate", "-C", str(project), "up"], check=True, capture_output=True,
                   env=ENVIRONMENT)
    result = run_in_a_new_process(project, "status")
    assert result["code"] == 0 and "1 migration: 1 applied" in result["output"]
    loaded = [name for name in NOT_FOR_STATUS
              if any(module == name or module.startswith(name + ".") for module in result["modules"])]
    assert loaded == []


def test_status_with_a_configuration_parses_it_once(tmp_path):
    """PyYAML's import costs more than the rest of a `status`: its document is kept beside the bytecode."""
    (tmp_path / "migrate.yaml").write_text("dir: db/migrations\nenvironments:\n  development:\n"
                                           "    url: sqlite:db/development.sqlite3\n")
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    environment = ENVIRONMENT | {"PYTHONPYCACHEPREFIX": str(tmp_path / "pycache")}
    program = ("import sys\n"
               "from dkmigrate.cli import main\n"
               "code = main(['-C', sys.argv[1], 'status'])\n"
               "print('yaml imported' if 'yaml' in sys.modules else 'yaml not imported', code)\n")
    runs = [subprocess.run([sys.executable, "-c", program, str(tmp_path)], check=True, capture_output=True,
                           text=True, env=environment).stdout for _ in range(2)]
    assert "(environment development)" in runs[0] and runs[0].endswith("yaml imported 0\n")
    assert runs[1].replace("yaml not imported", "yaml imported") == runs[0]


def test_output_larger_than_a_pipe_arrives_whole_before_the_exit(tmp_path):
    """The process ends without the interpreter's teardown once its output is flushed: all of it reaches the
    reader, and the exit code is the command's (1: findings)."""
    migration = tmp_path / "indexes.sql"
    migration.write_text("".join(f"CREATE INDEX users_c{n} ON users (c{n});\n" for n in range(2000)))
    completed = subprocess.run([sys.executable, "-m", "dkmigrate", "lint", "--format", "json", str(migration)],
                               capture_output=True, text=True, env=ENVIRONMENT)
    findings = json.loads(completed.stdout)["findings"]
    assert len(completed.stdout) > 1_000_000 and completed.returncode == 1
    assert [(finding["rule"], finding["line"]) for finding in findings] == [
        ("add-index-not-concurrently", line) for line in range(1, 2001)]


def test_an_error_reaches_stderr_with_its_exit_code(tmp_path):
    completed = subprocess.run([sys.executable, "-m", "dkmigrate", "-C", str(tmp_path), "status"],
                               capture_output=True, text=True, env=ENVIRONMENT)
    assert completed.returncode == 2 and completed.stdout == ""
    assert completed.stderr.startswith("error: no migrations directory ")


def test_a_profiled_run_still_writes_its_profile(tmp_path):
    """Profilers, coverage and debuggers write their results at the interpreter's exit, which such a run keeps."""
    (tmp_path / "db" / "migrations").mkdir(parents=True)
    profile = tmp_path / "status.prof"
    completed = subprocess.run([sys.executable, "-m", "cProfile", "-o", str(profile), "-m", "dkmigrate", "-C",
                                str(tmp_path), "status"], capture_output=True, text=True, env=ENVIRONMENT)
    assert completed.returncode == 0 and "No migrations yet" in completed.stdout
    import pstats

    assert any(function == "main" for _, _, function in pstats.Stats(str(profile)).stats)


def test_a_plan_of_the_pending_migrations_imports_no_goal_pattern(tmp_path):
    """The goal patterns (their regular expressions and dataclasses) are for plans of a goal in words."""
    result = run_in_a_new_process(project_with_a_migration(tmp_path), "plan", "--format", "json")
    plan = json.loads(result["output"])
    assert result["code"] == 0 and [m["version"] for m in plan["migrations"]] == ["20261124093000"]
    assert [module for module in result["modules"]
            if module in ("dkmigrate.plan.goals", "dkmigrate.plan.registry") or ".plan.patterns" in module] == []
