"""Every documented example and goal form runs on a live database with realistic tables, on every engine.

The examples are read from the documents themselves, so a new one is run as soon as it is written: the
command lines of the README, commands/migrate.md, SKILL.md and its reference pages, the goals of the
README's pattern table, and the seed's examples (../shared/seed/dk-migrate-command.md, read in CI and
skipped elsewhere). Each runs in a project whose database has tables with several columns, keys,
indexes and rows, some migrations applied and some pending. None may end in an internal error or a
traceback, each ends with a contract exit code, and a documented goal is planned (exit 0).
"""

import io
import json
import re
import shlex
import textwrap
import uuid
from pathlib import Path

import pytest

from conftest import ENGINES, IN_CI, ROOT, Engine, with_database
from dkmigrate.cli import main

SEED = ROOT.parent / "shared" / "seed" / "dk-migrate-command.md"
README = ROOT / "README.md"
DOCUMENTS = [README, ROOT / "commands" / "migrate.md", ROOT / "skills" / "migration" / "SKILL.md",
             *sorted((ROOT / "skills" / "migration" / "references").glob("*.md"))]
CONTRACT_CODES = {0, 1, 2, 3, 4}
# Pages where a bare `migrate` is golang-migrate's binary: they call dk migrate by its full path only.
OTHER_TOOLS_MIGRATE = {"tooling.md"}

_PROGRAM = re.compile(r"^(?:[A-Z_]+=\S+\s+)*(?:\./scripts/migrate|\$\{CLAUDE_PLUGIN_ROOT\}/scripts/migrate|/dk:migrate"
                      r"|migrate)\s+(?P<arguments>\S.*)$")
_SHELL_TAIL = re.compile(r"[|;&<>]|\d>")  # a word where the shell's part of the line begins
# Words the documents write for a value the reader chooses.
_CHOSEN = {"NAME": "add_email_to_users", "N": "2", "VERSION": "20261101090100", "SECONDS": "5"}
# Stdin of `lint -`: what `alembic upgrade --sql`, `sqlmigrate` or a Prisma migration would print.
LINT_STDIN = "ALTER TABLE users ADD COLUMN nickname text;\nCREATE INDEX users_nickname_idx ON users (nickname);\n"


def code_snippets(markdown: str) -> list[str]:
    """The commands a reader can copy: `$ ` lines of console blocks, the lines of other code blocks, and
    inline code outside blocks (a console block's other lines are output)."""
    snippets = []
    for fence, language, body in re.findall(r"^(`{3,})(\w*)\n(.*?)^\1\s*$", markdown, re.MULTILINE | re.DOTALL):
        for line in body.splitlines():
            if language == "console":
                if line.startswith("$ "):
                    snippets.append(line[2:])
            else:
                snippets.append(line)
    prose = re.sub(r"^(`{3,})\w*\n.*?^\1\s*$", "", markdown, flags=re.MULTILINE | re.DOTALL)
    snippets += re.findall(r"`([^`\n]+)`", prose)
    return snippets


def command_lines(markdown: str, bare: bool = True) -> list[str]:
    """The `migrate` command lines among the snippets, each the program's part of a pipeline; a synopsis
    (`[--option]`, "GOAL", "...") and the command's own `$ARGUMENTS` are not examples. bare: whether a bare
    `migrate` is dk migrate (the tooling page also shows golang-migrate's binary of that name)."""
    found = []
    for snippet in code_snippets(markdown):
        for part in snippet.split(" | "):
            match = _PROGRAM.match(part.strip())
            if (match and not re.search(r"\[|<command>|\"GOAL\"|\.\.\.|\$ARGUMENTS", match["arguments"])
                    and (bare or not part.strip().startswith("migrate "))):
                found.append(part.strip())
    return found


def arguments(command_line: str) -> list[str]:
    """The program's arguments, with the reader's choices filled in and the shell's part left out."""
    words = shlex.split(_PROGRAM.match(command_line)["arguments"])
    shell = [index for index, word in enumerate(words) if _SHELL_TAIL.match(word)]
    words = words[:shell[0]] if shell else words
    if "-C" in words:  # the documents' project directory stands for the project under test
        at = words.index("-C")
        del words[at:at + 2]
    return [_CHOSEN.get(word, word) for word in words]


def documented(paths: list[Path]) -> dict[tuple[str, ...], list[str]]:
    """Each distinct example's arguments -> where it is written."""
    examples: dict[tuple[str, ...], list[str]] = {}
    for path in paths:
        for line in command_lines(path.read_text(encoding="utf-8"), bare=path.name not in OTHER_TOOLS_MIGRATE):
            examples.setdefault(tuple(arguments(line)), []).append(path.name)
    return examples


def readme_goals() -> list[str]:
    """The goals of the README's table of the patterns the planner recognises."""
    section = README.read_text(encoding="utf-8").split("**A goal in words**", 1)[1].split("\n\n", 2)[1]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [goal for row in rows for goal in re.findall(r"`([^`]+)`", row.split("|")[2])]


EXAMPLES = documented(DOCUMENTS)
GOALS = readme_goals()


def seed_examples() -> list:
    """The seed's examples when ../shared is beside the checkout; outside CI its absence skips them."""
    if SEED.exists():
        return [pytest.param(example, id=" ".join(example)) for example in documented([SEED])]
    return [pytest.param(None, id="seed-examples", marks=() if IN_CI else pytest.mark.skip(reason=SEED_MISSING))]


SEED_MISSING = f"{SEED} is missing: the seed lives in ../shared beside the checkout"


# The realistic database: customers, users, orders, contacts, user_profiles and audit_old, with primary and
# foreign keys, unique and plain indexes and rows, created by applied migrations; two migrations are pending.
SCHEMA = {
    "sqlite": """
        CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, full_name TEXT NOT NULL,
                                created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(320) NOT NULL, name TEXT, bio TEXT, avatar TEXT,
                            phone TEXT, age INTEGER, legacy_flag BOOLEAN NOT NULL DEFAULT 0,
                            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
        CREATE INDEX users_email_idx ON users (email);
        CREATE INDEX users_name_idx ON users (name);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL,
                             user_id INTEGER REFERENCES users (id), total NUMERIC(10,2) NOT NULL DEFAULT 0,
                             created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
        CREATE INDEX orders_user_id_idx ON orders (user_id);
        CREATE TABLE contacts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL UNIQUE REFERENCES users (id),
                               address TEXT);
        CREATE TABLE user_profiles (user_id INTEGER PRIMARY KEY REFERENCES users (id), website TEXT);
        CREATE TABLE audit_old (id INTEGER PRIMARY KEY, event TEXT NOT NULL, at TEXT);
    """,
    "postgres": """
        CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL UNIQUE,
                                full_name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE users (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, email varchar(320) NOT NULL,
                            name text, bio text, avatar text, phone text, age integer,
                            legacy_flag boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX users_email_idx ON users (email);
        CREATE INDEX users_name_idx ON users (name);
        CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL,
                             user_id bigint REFERENCES users (id), total numeric(10,2) NOT NULL DEFAULT 0,
                             created_at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX orders_user_id_idx ON orders (user_id);
        CREATE TABLE contacts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                               user_id bigint NOT NULL UNIQUE REFERENCES users (id), address text);
        CREATE TABLE user_profiles (user_id bigint PRIMARY KEY REFERENCES users (id), website text);
        CREATE TABLE audit_old (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event text NOT NULL, at timestamptz);
    """,
}
ROWS = """
    INSERT INTO customers (email, full_name) VALUES ('ada@example.com', 'Ada Lovelace'), ('alan@example.com', 'Alan Turing');
    INSERT INTO users (id, email, name, bio, avatar, phone, age) VALUES
        (1, 'ada@example.com', 'Ada', 'mathematician', 'ada.png', '+44 1', 36),
        (2, 'alan@example.com', 'Alan', 'logician', NULL, '+44 2', NULL),
        (3, 'grace@example.com', 'Grace', NULL, 'grace.png', NULL, 85);
    INSERT INTO orders (customer_id, user_id, total) VALUES (1, 1, 12.50), (1, 2, 3.00), (2, 3, 99.99);
    INSERT INTO contacts (user_id, address) VALUES (1, 'London'), (2, 'Manchester');
    INSERT INTO user_profiles (user_id, website) VALUES (1, 'https://ada.example.com');
    INSERT INTO audit_old (event) VALUES ('login'), ('logout');
"""
PENDING = {
    "20261101090200_add_orders_note.sql": ("ALTER TABLE orders ADD COLUMN note text;", "ALTER TABLE orders DROP COLUMN note;"),
    "20261101090300_index_orders_created_at.sql": ("CREATE INDEX orders_created_at_idx ON orders (created_at);",
                                                   "DROP INDEX orders_created_at_idx;"),
}
# Goals that are documented together but cannot both hold on one database, and the refusal each gets here.
REFUSED_HERE = {
    "split users table into user_profiles moving bio, avatar": "table user_profiles already exists",
}


class LiveProject:
    """A project on the engine's database: migrate.yaml (development, and a protected production on the same
    database), two applied migrations that create and fill the tables, two pending ones."""

    def __init__(self, root: Path, engine: Engine):
        self.root = root
        migrations = root / "db" / "migrations"
        migrations.mkdir(parents=True)
        url = engine.url
        (root / "migrate.yaml").write_text(
            f"environments:\n  development:\n    url: {url}\n  production:\n    url: {url}\n    protected: true\n",
            encoding="utf-8")
        schema, rows = textwrap.dedent(SCHEMA[engine.name]).strip(), textwrap.dedent(ROWS).strip()
        (migrations / "20261101090000_create_shop.sql").write_text(
            f"-- migrate:up\n{schema}\n\n-- migrate:down\n"
            "DROP TABLE audit_old;\nDROP TABLE user_profiles;\nDROP TABLE contacts;\nDROP TABLE orders;\n"
            "DROP TABLE users;\nDROP TABLE customers;\n", encoding="utf-8")
        (migrations / "20261101090100_seed_shop.sql").write_text(
            f"-- migrate:up\n{rows}\n\n-- migrate:down\nDELETE FROM audit_old;\n", encoding="utf-8")
        code, _, stderr = self.run("up")
        assert code == 0, stderr
        for name, (up, down) in PENDING.items():
            (migrations / name).write_text(f"-- migrate:up\n{up}\n\n-- migrate:down\n{down}\n", encoding="utf-8")

    def run(self, *args: str, stdin: str = ""):
        stdout, stderr = io.StringIO(), io.StringIO()
        code = main(["-C", str(self.root), *args], stdout=stdout, stderr=stderr,
                    environ={"PATH": "/usr/bin:/bin"}, stdin=io.StringIO(stdin))
        return code, stdout.getvalue(), stderr.getvalue()


@pytest.fixture(scope="module", params=ENGINES)
def database(request, tmp_path_factory) -> Engine:
    """One database per engine for this module (each test starts it afresh: creating a PostgreSQL database per
    test would cost more than all the examples)."""
    if request.param == "sqlite":
        yield Engine("sqlite", "")
        return
    import psycopg

    admin_url = request.getfixturevalue("postgres_admin_url")
    name = f"dkm_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield Engine("postgres", with_database(admin_url, name))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def live(database, tmp_path) -> LiveProject:
    """The shop, created afresh on the engine's database."""
    if database.name == "sqlite":
        engine = Engine("sqlite", f"sqlite://{tmp_path / 'shop.sqlite3'}")
    else:
        engine = database
        engine.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return LiveProject(tmp_path / "project", engine)


def run_example(live: LiveProject, args: list[str]) -> tuple[int, str, str]:
    code, stdout, stderr = live.run(*args, stdin=LINT_STDIN)
    shown = f"migrate {shlex.join(args)} -> exit {code}\nstdout:\n{stdout[-3000:]}\nstderr:\n{stderr}"
    for stream in (stdout, stderr):
        assert not re.search(r"internal error: \w+|Traceback \(most recent call last\)", stream), shown
    assert code in CONTRACT_CODES, shown
    if "json" in args and args[args.index("json") - 1] == "--format":
        assert isinstance(json.loads(stdout), dict), shown
    if code >= 2:  # bad input, no database, a refusal: said in a line or two on stderr
        assert stderr.strip() and len(stderr.strip().splitlines()) <= 3, shown
    return code, stdout, stderr


@pytest.mark.parametrize("args", [pytest.param(list(example), id=f"{' '.join(example)} ({', '.join(sorted(set(where)))})")
                                  for example, where in EXAMPLES.items()])
def test_every_documented_command_runs_on_a_live_database(live, args):
    code, stdout, _ = run_example(live, args)
    if "plan" in args and "--write" not in args:
        assert code == 0, f"a plan never refuses here: {args}"


@pytest.mark.parametrize("args", seed_examples())
def test_every_seed_example_runs_on_a_live_database(database, args, request):
    if args is None:
        pytest.fail(f"{SEED_MISSING} (CI=true: the seed's examples must run)")
    code, _, _ = run_example(request.getfixturevalue("live"), list(args))
    if "plan" in args:
        assert code == 0


@pytest.mark.parametrize("goal", GOALS)
def test_every_documented_goal_is_planned_on_a_live_database(live, goal):
    for extra in ([], ["--rollback-plan", "--format", "json"]):
        code, stdout, stderr = run_example(live, ["plan", goal, *extra])
        if goal in REFUSED_HERE:
            assert code == 2 and REFUSED_HERE[goal] in stderr
            continue
        assert code == 0, stderr
        if extra:
            plan = json.loads(stdout)
            assert plan["kind"] == "database" and plan["pattern"] and plan["live"]["available"], plan


def test_the_documents_are_read_for_examples():
    """The scans find what the documents show, so an empty scan cannot pass for a clean run."""
    assert ("plan", "split users table", "--rollback-plan") in EXAMPLES
    assert ("plan", "move to kubernetes", "--dry-run") in EXAMPLES
    assert ("lint", "-", "--tool", "django", "--dialect", "postgres", "--format", "json") in EXAMPLES
    assert ("--env", "production", "plan", "rename customers.email to email_address", "--rollback-plan") in EXAMPLES
    assert ("down", "--steps", "2") in EXAMPLES and ("status", "--format", "json") in EXAMPLES
    assert ("trace",) in EXAMPLES and ("trace", "--format", "json") in EXAMPLES
    assert len(EXAMPLES) >= 30
    assert "rename users.email to email_address" in GOALS and "drop table audit_old" in GOALS and len(GOALS) >= 11


def test_the_readme_lists_every_pattern_the_planner_recognises():
    from dkmigrate.plan.registry import PATTERNS

    section = README.read_text(encoding="utf-8").split("**A goal in words**", 1)[1].split("\n\n", 2)[1]
    listed = [name for line in section.splitlines() if line.startswith("| `")
              for name in re.findall(r"`([a-z-]+)`", line.split("|")[1])]
    assert sorted(listed) == sorted(pattern.name for pattern in PATTERNS)


def test_every_documented_goal_cut_short_is_planned_with_placeholders_or_refused_in_a_line(live):
    """The names a goal leaves out must never reach the live database's facts as if they were real ones."""
    shortened = sorted({" ".join(goal.split()[:length]) for goal in GOALS for length in range(2, len(goal.split()))})
    assert "split users table" in shortened and "rename users.email" in shortened
    for goal in shortened:
        code, _, _ = run_example(live, ["plan", goal, "--rollback-plan"])
        assert code in (0, 2), goal
