"""Hostile and careless input: passwords that never reach the output, input that cannot slow the tool to a
crawl or exhaust its memory, names that cannot become SQL of their own."""

import io
import itertools
import json
import os
import subprocess
import sys
import time

import pytest

from conftest import ROOT, Project
from dkmigrate.cli import main
from dkmigrate.urls import mask_url

# Three markers no output contains by chance: a password is made of them and the characters between them, so
# a leak of any piece of it, whole or cut at a special character, shows one of them.
MARKERS = ("Kq7vX", "Mz3wY", "Wp9tZ")
# The characters that end a part of a URL, start a percent escape or a quoted string, or end a shell word.
SPECIALS = ("/", "#", "?", "@", ":", "%", "%zz", "%2F", "&", " ", "'", '"', "\\", "[", "]", "=", ";", "$", "!")
SPLITTERS = ("/", "#", "?", "@", ":", "%", "%zz", " ", "'")


def password_forms() -> list[str]:
    a, b, c = MARKERS
    forms = [f"{a}{special}{b}" for special in SPECIALS]
    forms += [f"{a}{one}{b}{two}{c}" for one, two in itertools.product(SPLITTERS, repeat=2)]
    forms += [f"{special}{a}" for special in SPECIALS] + [f"{a}{special}" for special in SPECIALS]
    return forms


# What follows the password: a port nothing listens on (cannot connect), an invalid port, a broken IPv6
# address, no host, a port out of range; and the schemes whose errors differ.
URL_SHAPES = ("postgres://app:{pw}@127.0.0.1:1/app?connect_timeout=2", "postgres://app:{pw}@127.0.0.1:port/app",
              "postgresql://app:{pw}@[::1:5432/app", "postgres://app:{pw}@/app", "postgres://app:{pw}@127.0.0.1:99999/app",
              "postgres://app:{pw}@127.0.0.1:1/app?unknown=1", "postgres://app@127.0.0.1:1/app?password={pw}&connect_timeout=2",
              "postgres://app@127.0.0.1:1/app?connect_timeout=2&password={pw}",
              "mysql://app:{pw}@127.0.0.1:1/app", "postgress://app:{pw}@127.0.0.1/app")
COMMANDS = (("status",), ("up",), ("down",), ("up", "--dry-run"), ("plan",), ("repair", "--list"))


def run_with_url(project_root, source: str, url: str, command: tuple[str, ...], json_mode: bool):
    argv = ["-C", str(project_root), *command, *(["--format", "json"] if json_mode else [])]
    environ = {"PATH": ""}
    if source == "--url":
        argv += ["--url", url]
    elif source == "$DATABASE_URL":
        environ["DATABASE_URL"] = url
    else:
        environ["SECRET_DATABASE_URL"] = url
        argv += ["--config", "interpolated.yaml"]
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(argv, stdout=stdout, stderr=stderr, environ=environ)
    return code, stdout.getvalue(), stderr.getvalue()


def test_no_form_of_password_is_ever_printed_whatever_the_url_source_error_or_format(tmp_path):
    project = Project(tmp_path / "p", "unused")
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    (project.root / "interpolated.yaml").write_text(
        "environments:\n  development:\n    url: ${SECRET_DATABASE_URL}\n", encoding="utf-8")
    runs = leaks = 0
    failures = []
    combinations = itertools.product(password_forms(), URL_SHAPES, ("--url", "$DATABASE_URL", "migrate.yaml"))
    for index, (password, shape, source) in enumerate(combinations):
        url = shape.format(pw=password)
        json_mode = index % 2 == 0
        code, stdout, stderr = run_with_url(project.root, source, url, COMMANDS[index % len(COMMANDS)], json_mode)
        runs += 1
        shown = stdout + stderr
        problem = None
        if any(marker in shown for marker in MARKERS):
            leaks += 1
            problem = "password shown"
        elif code not in (2, 3) or "internal error" in shown:
            problem = f"exit {code}"
        elif not stderr.startswith("error: ") or any(not line.startswith("hint: ") for line in stderr.splitlines()[1:]):
            problem = "not one error line (and hints) on stderr"
        elif json_mode and json.loads(stdout)["error"]["code"] != code:
            problem = "JSON error document"
        if problem and len(failures) < 10:
            failures.append(f"{problem}: {source} {url!r} {COMMANDS[index % len(COMMANDS)]}: {shown.strip()[:300]}")
    assert not failures, f"{leaks} of {runs} runs leaked; first failures:\n" + "\n".join(failures)
    assert runs > 3500


@pytest.mark.parametrize("text, masked", [
    ("error: 'postgres://h/db?password=s3cret' is wrong", "error: 'postgres://h/db?password=***' is wrong"),
    ('{"database": "postgres://h/db?sslmode=require&password=s3cret",', '{"database": "postgres://h/db?sslmode=require&password=***",'),
    ("(postgres://h/db?password=s3cret), then", "(postgres://h/db?password=***), then"),
    ("postgres://h/db?password=s3cret&sslmode=require", "postgres://h/db?password=***&sslmode=require"),
    ("host=h password=s3cret dbname=app", "host=h password=*** dbname=app"),
    ("'postgres://u:pa/ss#w?o@rd@h:5432/db'", "'postgres://u:***@h:5432/db'"),
])
def test_masking_keeps_the_text_around_the_password(text, masked):
    assert mask_url(text) == masked


@pytest.mark.parametrize("url, shown", [
    ("postgres://u:pw@[::1:5432/x", "database URL 'postgres://u:***@[::1:5432/x' has an invalid IPv6 host"),
    ("postgres://u:pw@h:port/x", "database URL 'postgres://u:***@h:port/x' has an invalid port"),
    ("postgres://u:pw@h:99999/x", "database URL 'postgres://u:***@h:99999/x' has an invalid port"),
    ("postgres://u:pw@h:1:2/x", "database URL 'postgres://u:***@h:1:2/x' has an invalid port"),
    ("postgres://u:pw@/x", "database URL 'postgres://u:***@/x' names no host"),
    ("postgres://", "database URL 'postgres://' names no host"),
    ("postgress://u:pw@h/x", "unsupported database URL 'postgress://u:***@h/x'"),
    ("postgres://u:p%zz@h/x", "database URL 'postgres://u:***@h/x' holds a '%' that starts no percent-encoded byte"),
    ("postgres://u:p w@h/x", "database URL 'postgres://u:***@h/x' holds whitespace"),
    ("postgres://u:pw@h/x#top", "database URL 'postgres://u:***@h/x#top' holds a '#'"),
    ("postgres://u:p@w@h/x", "database URL 'postgres://u:***@h/x' is ambiguous"),
    ("postgres://u:pw@h/x?unknown=1", "database URL 'postgres://u:***@h/x?unknown=1' is not one PostgreSQL accepts"),
    ("sqlite://u:pw@x", "ambiguous SQLite URL 'sqlite://u:***@x'"),
])
def test_a_url_that_cannot_be_used_is_exit_2_with_one_masked_line(sqlite_project, url, shown):
    sqlite_project.migration("1", "one", "CREATE TABLE one (id integer);")
    result = sqlite_project.run("--url", url, "status", url=False)
    assert (result.code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"error: {shown}")
    assert len(result.stderr.splitlines()) == 1


# Texts that make a backtracking regular expression take time quadratic (or worse) in their length.
ADVERSARIAL_TEXTS = {
    "letters before a scheme": "'a' * 1_000_000 + '://'",
    "words before a scheme": "'a1.' * 250_000 + 'x://u:p'",
    "schemes": "'a://' * 250_000",
    "userinfo": "'x://u:' + ':' * 1_000_000",
    "at signs": "'://:@' * 200_000",
    "settings": "'?password=' * 100_000",
    "settings in words": "' password=x' * 90_000",
}
TIME_BOUND = 10  # seconds for a megabyte: generous for a busy machine, hours short of a quadratic scan


def finishes_in_time(code: str) -> float:
    """Seconds the Python code took in a new process, failing the test when it exceeds TIME_BOUND."""
    started = time.perf_counter()
    try:
        subprocess.run([sys.executable, "-c", code], check=True, timeout=TIME_BOUND, cwd=ROOT,
                       env={"PYTHONPATH": str(ROOT / "scripts"), "PATH": os.environ.get("PATH", "")})
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {TIME_BOUND} s: {code[:200]}")
    return time.perf_counter() - started


@pytest.mark.parametrize("name", ADVERSARIAL_TEXTS)
def test_masking_a_megabyte_takes_linear_time(name):
    finishes_in_time(f"from dkmigrate.urls import mask_url; mask_url({ADVERSARIAL_TEXTS[name]})")
