"""Generated input never makes the file parser, the splitter, the linter or the goal parser raise anything but
the tool's own errors (hypothesis)."""

import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from dkmigrate.catalogue import load_catalogue
from dkmigrate.cli import main
from dkmigrate.errors import MigrateError
from dkmigrate.lint import analyze_sql
from dkmigrate.lint.findings import LintOptions
from dkmigrate.sqlsplit import split_statements

DIALECTS = ("postgres", "sqlite", "mysql")
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# SQL-ish text: keywords, quotes, comments, dollar quotes, delimiters and markers mixed with anything.
PIECES = ["SELECT", "CREATE", "TABLE", "INDEX", "CONCURRENTLY", "ALTER", "ADD", "COLUMN", "DROP", "NOT NULL",
          "DEFAULT", "PRIMARY KEY", "REFERENCES", "BEGIN", "COMMIT", "END", "DO", "$$", "$tag$", "'", '"', "`",
          "--", "/*", "*/", ";", "(", ")", ",", "\n", " ", "\\", "E'", "DELIMITER", "//", "-- migrate:up",
          "-- migrate:down", "-- +goose Up", "-- +goose Down", "-- +goose StatementBegin",
          "-- +goose StatementEnd", "transaction:false", "-- migrate:allow", "TRIGGER", "FUNCTION", "AS",
          "RETURNS", "LANGUAGE", "plpgsql", "users", "email", "integer", "text", "USING", "WHERE", "UPDATE", "SET"]
sql_text = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=8)), max_size=40).map(" ".join)


@FUZZ
@given(sql=sql_text, dialect=st.sampled_from(DIALECTS))
def test_the_splitter_raises_only_its_own_errors(sql, dialect):
    try:
        statements = split_statements(sql, dialect)
    except MigrateError:
        return
    assert all(statement.line >= 1 for statement in statements)


@FUZZ
@given(sql=sql_text, dialect=st.sampled_from(DIALECTS), pg_version=st.sampled_from([11, 12, 15, 17]))
def test_the_linter_raises_only_its_own_errors(sql, dialect, pg_version):
    try:
        analysis = analyze_sql(sql, LintOptions(dialect=dialect, pg_version=pg_version))
    except MigrateError:
        return
    assert all(finding.rule for finding in analysis.findings)


NAMES = st.sampled_from(["20260101000001_a.sql", "1_a.up.sql", "1_a.down.sql", "V1__a.sql", "U1__a.sql",
                         "V1.2__b.sql", "00001_c.sql", "0001_x.up.sql", "20260101000002_b.sql"])


@FUZZ
@given(files=st.lists(st.tuples(NAMES, st.one_of(sql_text.map(str.encode), st.binary(max_size=200))),
                      min_size=1, max_size=4))
def test_the_file_parser_raises_only_its_own_errors(files):
    with tempfile.TemporaryDirectory() as directory:
        for name, content in files:
            (Path(directory) / name).write_bytes(content)
        try:
            catalogue = load_catalogue(Path(directory))
            for migration in catalogue.migrations:
                for section in (migration.up, migration.down):
                    if section is not None:
                        section.statements("postgres")
        except MigrateError:
            return


WORDS = st.sampled_from(["rename", "move", "split", "merge", "add", "drop", "change", "to", "into", "from",
                         "table", "column", "index", "on", "not", "null", "unique", "foreign", "key",
                         "references", "constraint", "moving", "users.email", "orders", "users", '"Quoted"',
                         "numeric(12,2)", "text", "deprecate", "v1", "endpoints", "kubernetes", ".", ",", "'"])
goal_text = st.lists(st.one_of(WORDS, st.text(max_size=6)), min_size=1, max_size=10).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(goal=goal_text)
def test_the_goal_parser_answers_with_a_plan_or_one_clear_error(goal, tmp_path):
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(["-C", str(tmp_path), "--url", f"sqlite:{tmp_path / 'absent.sqlite3'}", "plan", goal, "--format", "json"],
                stdout=stdout, stderr=stderr, environ={})
    assert "internal error" not in stderr.getvalue(), (goal, stderr.getvalue())
    assert code in (0, 2), (goal, code, stderr.getvalue())
    assert not (tmp_path / "absent.sqlite3").exists()
