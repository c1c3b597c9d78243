"""Tests of the SQL statement splitter (dkmigrate.sqlsplit)."""

import pytest

from dkmigrate.errors import SqlSyntaxError
from dkmigrate.sqlsplit import DIALECTS, Statement, split_statements


def split(sql, dialect="postgres", first_line=1):
    return [(s.text, s.line) for s in split_statements(sql, dialect, first_line)]


def syntax_error(sql, dialect="postgres", first_line=1):
    with pytest.raises(SqlSyntaxError) as caught:
        split_statements(sql, dialect, first_line)
    return str(caught.value), caught.value.line


# --- basics -------------------------------------------------------------------------------------


def test_returns_statements_with_text_and_line():
    assert split_statements("SELECT 1;") == [Statement("SELECT 1", 1)]


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("sql", ["", "  \n\t\n", "-- just a comment\n", "/* c */ ;; -- x;", ";\n;\n"])
def test_input_without_statements_gives_nothing(sql, dialect):
    assert split(sql, dialect) == []


@pytest.mark.parametrize("dialect", DIALECTS)
def test_splits_on_semicolons_and_numbers_lines(dialect):
    sql = "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n\nINSERT INTO a VALUES (1);\n"
    assert split(sql, dialect) == [
        ("CREATE TABLE a (id int)", 1),
        ("CREATE TABLE b (id int)", 2),
        ("INSERT INTO a VALUES (1)", 4),
    ]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_last_statement_needs_no_semicolon(dialect):
    assert split("SELECT 1;\nSELECT 2\n\n", dialect) == [("SELECT 1", 1), ("SELECT 2", 2)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_several_statements_on_one_line_and_one_statement_on_several(dialect):
    sql = "SELECT 1; SELECT 2;\nSELECT\n  3\n  ;"
    assert split(sql, dialect) == [("SELECT 1", 1), ("SELECT 2", 1), ("SELECT\n  3", 2)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_leading_comments_are_dropped_and_inner_comments_kept(dialect):
    sql = "-- heading\n/* block\n   heading */\nSELECT 1 /* inner; */ + 2 -- trailing; too\n;\n"
    assert split(sql, dialect) == [("SELECT 1 /* inner; */ + 2 -- trailing; too", 4)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_empty_statements_produce_nothing(dialect):
    assert split(";;SELECT 1;;;\n;SELECT 2", dialect) == [("SELECT 1", 1), ("SELECT 2", 2)]


def test_first_line_offsets_every_line():
    assert split("\nSELECT 1;\n\nSELECT 2;", first_line=10) == [("SELECT 1", 11), ("SELECT 2", 13)]


def test_unknown_dialect_is_a_value_error():
    with pytest.raises(ValueError, match="oracle"):
        split_statements("SELECT 1", "oracle")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_migration_with_a_comment_containing_a_semicolon_between_statements(dialect):
    sql = (
        "-- migrate:up\n"
        "ALTER TABLE users ADD COLUMN nickname text;\n"
        "-- comment; with semicolon\n"
        "UPDATE users SET nickname = name;\n"
    )
    assert split(sql, dialect) == [
        ("ALTER TABLE users ADD COLUMN nickname text", 2),
        ("UPDATE users SET nickname = name", 4),
    ]


# --- string literals --------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_single_quoted_string_hides_semicolons_and_comment_openers(dialect):
    sql = "INSERT INTO t VALUES ('it''s; -- not /* a comment'); SELECT 2;"
    assert split(sql, dialect) == [("INSERT INTO t VALUES ('it''s; -- not /* a comment')", 1), ("SELECT 2", 1)]


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("postgres", [("SELECT 'a\\'", 1), ("SELECT 1", 1), ("SELECT 2", 2)]),
        ("sqlite", [("SELECT 'a\\'", 1), ("SELECT 1", 1), ("SELECT 2", 2)]),
        ("mysql", [("SELECT 'a\\'; SELECT 1; -- '", 1), ("SELECT 2", 2)]),
    ],
)
def test_backslash_escapes_only_in_mysql_strings(dialect, expected):
    assert split("SELECT 'a\\'; SELECT 1; -- ';\nSELECT 2;", dialect) == expected


def test_mysql_backslash_escaped_quote_and_backslash():
    sql = "INSERT INTO t VALUES ('it\\'s; fine', 'C:\\\\'); SELECT 2;"
    assert split(sql, "mysql") == [("INSERT INTO t VALUES ('it\\'s; fine', 'C:\\\\')", 1), ("SELECT 2", 1)]


@pytest.mark.parametrize("prefix", ["E", "e"])
def test_postgres_escape_strings_take_backslash_escapes(prefix):
    sql = f"SELECT {prefix}'it\\'s; fine', {prefix}'\\\\'; SELECT 2;"
    assert split(sql) == [(f"SELECT {prefix}'it\\'s; fine', {prefix}'\\\\'", 1), ("SELECT 2", 1)]


def test_postgres_typed_literal_ending_in_e_is_not_an_escape_string():
    assert split("SELECT date'2020\\'; SELECT 2;") == [("SELECT date'2020\\'", 1), ("SELECT 2", 1)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_multiline_string_keeps_following_line_numbers(dialect):
    sql = "INSERT INTO t VALUES ('line one;\nline two;\nline three');\nSELECT 2;"
    assert split(sql, dialect) == [("INSERT INTO t VALUES ('line one;\nline two;\nline three')", 1), ("SELECT 2", 4)]


# --- quoted identifiers -----------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_double_quoted_identifier_with_doubled_quote_hides_semicolon(dialect):
    sql = 'SELECT "odd;""name" FROM t; SELECT 2;'
    assert split(sql, dialect) == [('SELECT "odd;""name" FROM t', 1), ("SELECT 2", 1)]


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("mysql", [("SELECT `odd;``name` FROM t", 1), ("SELECT 2", 1)]),
        ("sqlite", [("SELECT `odd;``name` FROM t", 1), ("SELECT 2", 1)]),
        ("postgres", [("SELECT `odd", 1), ("``name` FROM t", 1), ("SELECT 2", 1)]),
    ],
)
def test_backtick_identifiers_in_mysql_and_sqlite(dialect, expected):
    assert split("SELECT `odd;``name` FROM t; SELECT 2;", dialect) == expected


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("sqlite", [("SELECT [odd;name] FROM t", 1), ("SELECT 2", 1)]),
        ("mysql", [("SELECT [odd", 1), ("name] FROM t", 1), ("SELECT 2", 1)]),
    ],
)
def test_bracket_identifiers_only_in_sqlite(dialect, expected):
    assert split("SELECT [odd;name] FROM t; SELECT 2;", dialect) == expected


# --- dollar quoting ---------------------------------------------------------------------------


def test_dollar_quoted_body_hides_semicolons_quotes_and_other_tags():
    sql = "SELECT $$a; 'b; \"c; $q$ d;$$, $q$ e; $$ f $q$;\nSELECT 2;"
    assert split(sql) == [("SELECT $$a; 'b; \"c; $q$ d;$$, $q$ e; $$ f $q$", 1), ("SELECT 2", 2)]


def test_realistic_plpgsql_function_with_nested_dollar_quote():
    sql = """-- migrate:up
CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  -- keep updated_at fresh; always
  NEW.updated_at := now();
  EXECUTE $q$SELECT 'done;'$q$;
  RETURN NEW;
END;
$$;

CREATE TRIGGER users_touch BEFORE UPDATE ON users
FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
"""
    body = sql[sql.index("CREATE OR") : sql.index("$$;") + 2]
    assert split(sql) == [
        (body, 2),
        ("CREATE TRIGGER users_touch BEFORE UPDATE ON users\nFOR EACH ROW EXECUTE FUNCTION touch_updated_at()", 12),
    ]


def test_positional_parameters_are_not_dollar_quotes():
    sql = "PREPARE q(int, int) AS SELECT $1 + $2;\nEXECUTE q(1, 2);"
    assert split(sql) == [("PREPARE q(int, int) AS SELECT $1 + $2", 1), ("EXECUTE q(1, 2)", 2)]


def test_dollar_inside_an_identifier_is_not_a_dollar_quote():
    assert split("SELECT a$b$ FROM t; SELECT 2;") == [("SELECT a$b$ FROM t", 1), ("SELECT 2", 1)]


def test_tag_starting_with_a_digit_is_not_a_dollar_quote():
    assert split("SELECT $1$; SELECT 2;") == [("SELECT $1$", 1), ("SELECT 2", 1)]


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_dollar_quoting_only_in_postgres(dialect):
    assert split("SELECT $$a;b$$;", dialect) == [("SELECT $$a", 1), ("b$$", 1)]


def test_line_numbers_after_a_multiline_dollar_body():
    sql = "DO $body$\nBEGIN\n  PERFORM 1;\nEND\n$body$;\n\nSELECT 2;"
    assert split(sql) == [("DO $body$\nBEGIN\n  PERFORM 1;\nEND\n$body$", 1), ("SELECT 2", 7)]


# --- comments ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("mysql", [("SELECT 1", 1), ("SELECT 2", 2)]),
        ("postgres", [("SELECT 1", 1), ("# note", 1), ("here\nSELECT 2", 1)]),
        ("sqlite", [("SELECT 1", 1), ("# note", 1), ("here\nSELECT 2", 1)]),
    ],
)
def test_hash_comments_only_in_mysql(dialect, expected):
    assert split("SELECT 1; # note; here\nSELECT 2;", dialect) == expected


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("mysql", [("SELECT 5--1", 1), ("SELECT 2", 2)]),
        ("postgres", [("SELECT 5--1;\nSELECT 2", 1)]),
        ("sqlite", [("SELECT 5--1;\nSELECT 2", 1)]),
    ],
)
def test_mysql_double_dash_needs_a_space_to_start_a_comment(dialect, expected):
    assert split("SELECT 5--1;\nSELECT 2;", dialect) == expected


@pytest.mark.parametrize(
    "dialect, expected",
    [
        ("postgres", [("SELECT 1 /* a /* b; */ c; */", 1), ("SELECT 2", 1)]),
        ("mysql", [("SELECT 1 /* a /* b; */ c", 1), ("*/", 1), ("SELECT 2", 1)]),
        ("sqlite", [("SELECT 1 /* a /* b; */ c", 1), ("*/", 1), ("SELECT 2", 1)]),
    ],
)
def test_block_comments_nest_only_in_postgres(dialect, expected):
    assert split("SELECT 1 /* a /* b; */ c; */; SELECT 2;", dialect) == expected


@pytest.mark.parametrize("dialect", DIALECTS)
def test_line_numbers_after_multiline_comments(dialect):
    sql = "/* one;\n two;\n three */ SELECT 1; -- x;\n-- y;\nSELECT 2;"
    assert split(sql, dialect) == [("SELECT 1", 3), ("SELECT 2", 5)]


def test_mysql_executable_comment_is_a_statement():
    sql = "/*!40101 SET NAMES utf8mb4 */;\n/* plain */ SELECT 1;"
    assert split(sql, "mysql") == [("/*!40101 SET NAMES utf8mb4 */", 1), ("SELECT 1", 2)]


# --- transactions and keywords in names -------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("opener", ["BEGIN", "begin", "BEGIN TRANSACTION", "START TRANSACTION"])
def test_top_level_transaction_statements_are_ordinary(dialect, opener):
    sql = f"{opener};\nUPDATE t SET a = 1;\nCOMMIT;"
    assert split(sql, dialect) == [(opener, 1), ("UPDATE t SET a = 1", 2), ("COMMIT", 3)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_identifiers_containing_keywords_do_not_open_blocks(dialect):
    sql = (
        'CREATE TABLE trigger_log (begin_date date, end_at date, "BEGIN" int, case_id int);\n'
        "CREATE TRIGGER trigger_name AFTER INSERT ON t FOR EACH ROW BEGIN\n"
        '  INSERT INTO trigger_log (begin_date, end_at, "BEGIN") VALUES (NEW.begin_date, NEW.end, 1);\n'
        "END;\n"
        "SELECT 2;"
    )
    assert split(sql, dialect) == [
        ('CREATE TABLE trigger_log (begin_date date, end_at date, "BEGIN" int, case_id int)', 1),
        (
            "CREATE TRIGGER trigger_name AFTER INSERT ON t FOR EACH ROW BEGIN\n"
            '  INSERT INTO trigger_log (begin_date, end_at, "BEGIN") VALUES (NEW.begin_date, NEW.end, 1);\nEND',
            2,
        ),
        ("SELECT 2", 5),
    ]


def test_routine_parameter_named_begin_does_not_open_a_block():
    sql = "CREATE FUNCTION f(begin date) RETURNS date LANGUAGE sql AS $$ SELECT begin; $$;\nSELECT 2;"
    assert split(sql) == [
        ("CREATE FUNCTION f(begin date) RETURNS date LANGUAGE sql AS $$ SELECT begin; $$", 1),
        ("SELECT 2", 2),
    ]


# --- compound bodies --------------------------------------------------------------------------

SQLITE_TRIGGER = """CREATE TRIGGER orders_audit AFTER UPDATE OF status ON orders
WHEN old.status <> new.status
BEGIN
  INSERT INTO audit (order_id, note) VALUES (new.id, 'status changed; see log');
  UPDATE orders SET updated_at = CURRENT_TIMESTAMP WHERE id = new.id;
END"""


def test_realistic_sqlite_trigger():
    sql = f"CREATE TABLE audit (order_id int, note text);\n{SQLITE_TRIGGER};\nSELECT 2;"
    assert split(sql, "sqlite") == [
        ("CREATE TABLE audit (order_id int, note text)", 1),
        (SQLITE_TRIGGER, 2),
        ("SELECT 2", 8),
    ]


@pytest.mark.parametrize("head", ["CREATE TEMP TRIGGER IF NOT EXISTS", "create temporary trigger", "Create Trigger"])
def test_sqlite_trigger_heads_and_case_expression_in_body(head):
    trigger = f"{head} t AFTER INSERT ON a BEGIN\n  SELECT CASE WHEN new.x THEN 1 ELSE 0 END;\n  DELETE FROM b;\nend"
    assert split(f"{trigger};\nSELECT 2;", "sqlite") == [(trigger, 1), ("SELECT 2", 5)]


MYSQL_PROCEDURE = """CREATE DEFINER=`admin`@`%` PROCEDURE grade_orders(IN min_total INT)
BEGIN
  DECLARE done INT DEFAULT 0;
  IF min_total > 100 THEN
    UPDATE orders SET grade = CASE WHEN total > 1000 THEN 'gold' ELSE 'silver' END;
  ELSEIF min_total > 10 THEN
    UPDATE orders SET grade = IF(total > 50, 'bronze', 'none');
  ELSE
    UPDATE orders SET grade = 'none';
  END IF;
END"""


def test_realistic_mysql_procedure_with_if_else_and_case_expression():
    assert split(f"{MYSQL_PROCEDURE};\nCALL grade_orders(5);", "mysql") == [
        (MYSQL_PROCEDURE, 1),
        ("CALL grade_orders(5)", 12),
    ]


def test_mysql_trigger_with_definer_and_if_function():
    trigger = (
        "CREATE DEFINER = 'app'@'localhost' TRIGGER set_flag BEFORE INSERT ON t FOR EACH ROW BEGIN\n"
        "  SET NEW.flag = IF(NEW.x > 0, 1, 0);\n"
        "  IF (NEW.y IS NULL) THEN SET NEW.y = 0; END IF;\n"
        "END"
    )
    assert split(f"{trigger};\nSELECT 2;", "mysql") == [(trigger, 1), ("SELECT 2", 5)]


def test_mysql_loops_with_labels():
    procedure = (
        "CREATE PROCEDURE count_up()\n"
        "BEGIN\n"
        "  DECLARE i INT DEFAULT 0;\n"
        "  outer_loop: LOOP\n"
        "    SET i = i + 1;\n"
        "    IF i > 10 THEN LEAVE outer_loop; END IF;\n"
        "  END LOOP outer_loop;\n"
        "  WHILE i > 0 DO SET i = i - 1; END WHILE;\n"
        "  rep:REPEAT SET i = i + 1; UNTIL i >= 3 END REPEAT rep;\n"
        "  SELECT REPEAT('x', i);\n"
        "END"
    )
    assert split(f"{procedure};\nSELECT 2;", "mysql") == [(procedure, 1), ("SELECT 2", 12)]


def test_mysql_case_statement_with_if_in_its_branches():
    procedure = (
        "CREATE PROCEDURE p(IN v INT)\n"
        "BEGIN\n"
        "  CASE v\n"
        "    WHEN 1 THEN IF v > 0 THEN SELECT 'one'; END IF;\n"
        "    ELSE SELECT CASE WHEN v > 1 THEN IF(v > 2, 'many', 'two') END;\n"
        "  END CASE;\n"
        "END"
    )
    assert split(f"{procedure};\nSELECT 2;", "mysql") == [(procedure, 1), ("SELECT 2", 8)]


def test_mysql_end_if_closes_exactly_one_block():
    procedure = (
        "CREATE FUNCTION sign_of(x INT) RETURNS INT DETERMINISTIC\n"
        "BEGIN\n"
        "  IF x > 0 THEN\n"
        "    IF x > 100 THEN RETURN 2; END IF;\n"
        "    RETURN 1;\n"
        "  END IF;\n"
        "  RETURN 0;\n"
        "END"
    )
    assert split(f"{procedure};\nSELECT 2;", "mysql") == [(procedure, 1), ("SELECT 2", 9)]


def test_mysql_block_keywords_ignore_case():
    procedure = (
        "create procedure p()\n"
        "begin\n"
        "  l1: loop\n"
        "    if rand() > 0.5 then leave l1; end if;\n"
        "  end loop l1;\n"
        "  Case When 1 Then select 1; End Case;\n"
        "end"
    )
    assert split(f"{procedure};\nselect 2;", "mysql") == [(procedure, 1), ("select 2", 8)]


def test_mysql_trigger_without_begin_ends_at_the_first_semicolon():
    sql = "CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.begin_at = NOW();\nSELECT 2;"
    assert split(sql, "mysql") == [
        ("CREATE TRIGGER t BEFORE INSERT ON a FOR EACH ROW SET NEW.begin_at = NOW()", 1),
        ("SELECT 2", 2),
    ]


def test_comment_between_label_and_loop_still_opens_the_loop():
    procedure = "CREATE PROCEDURE p()\nBEGIN\n  -- count\n  lbl: /* forever */ LOOP LEAVE lbl; END LOOP;\nEND"
    assert split(f"{procedure};\nSELECT 2;", "mysql") == [(procedure, 1), ("SELECT 2", 6)]


def test_mysql_event_body():
    event = "CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO BEGIN\n  DELETE FROM logs WHERE at < NOW();\n  DO 1;\nEND"
    assert split(f"{event};\nSELECT 2;", "mysql") == [(event, 1), ("SELECT 2", 5)]


def test_mysql_routine_without_begin_ends_at_the_first_semicolon():
    sql = "CREATE FUNCTION pick(a INT) RETURNS INT DETERMINISTIC RETURN IF(a > 0, a, 0);\nSELECT 2;"
    assert split(sql, "mysql") == [
        ("CREATE FUNCTION pick(a INT) RETURNS INT DETERMINISTIC RETURN IF(a > 0, a, 0)", 1),
        ("SELECT 2", 2),
    ]


def test_postgres_begin_atomic_body():
    function = (
        "CREATE OR REPLACE FUNCTION add_one(x int) RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT x + 1;\n"
        "  SELECT CASE WHEN x > 0 THEN 1 END;\n"
        "END"
    )
    assert split(f"{function};\nSELECT 2;") == [(function, 1), ("SELECT 2", 6)]


# --- DELIMITER --------------------------------------------------------------------------------


def test_mysql_delimiter_command_switches_the_delimiter():
    procedure = "CREATE PROCEDURE p()\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND"
    sql = f"DROP PROCEDURE IF EXISTS p;\nDELIMITER $$\n{procedure} $$\nDELIMITER ;\nCALL p();\n"
    assert split(sql, "mysql") == [("DROP PROCEDURE IF EXISTS p", 1), (procedure, 3), ("CALL p()", 9)]


def test_mysql_delimiter_is_not_looked_for_inside_strings_or_comments():
    sql = "delimiter //\nSELECT '//' -- //\n, 1 //\nSELECT 2; SELECT 3//\nDELIMITER ;\nSELECT 4;"
    assert split(sql, "mysql") == [("SELECT '//' -- //\n, 1", 2), ("SELECT 2; SELECT 3", 4), ("SELECT 4", 6)]


def test_delimiter_command_only_in_mysql():
    assert split("DELIMITER //\nSELECT 1//", "sqlite") == [("DELIMITER //\nSELECT 1//", 1)]


def test_delimiter_without_argument_is_an_error():
    assert syntax_error("SELECT 1;\nDELIMITER\nSELECT 2;", "mysql") == (
        "line 2: DELIMITER must be followed by the new delimiter",
        2,
    )


# --- goose markers ----------------------------------------------------------------------------

GOOSE_FUNCTION = """CREATE FUNCTION bump() RETURNS trigger AS $$
BEGIN
  NEW.n := NEW.n + 1;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql"""


def test_realistic_goose_statement_block():
    sql = (
        "-- +goose Up\n"
        "CREATE TABLE c (n int);\n"
        "-- +goose StatementBegin\n"
        f"{GOOSE_FUNCTION};\n"
        "-- +goose StatementEnd\n"
        "SELECT 2;\n"
    )
    assert split(sql) == [("CREATE TABLE c (n int)", 2), (GOOSE_FUNCTION, 4), ("SELECT 2", 11)]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_goose_block_is_taken_verbatim_and_markers_ignore_case(dialect):
    sql = (
        "SELECT 1\n"
        "-- +goose statementbegin\n"
        "\n"
        "  -- lead\n"
        "  INSERT INTO t VALUES ('unclosed ; ` [ $$ /*');;\n"
        "  -- +goose STATEMENTEND\n"
        "SELECT 2;"
    )
    assert split(sql, dialect) == [
        ("SELECT 1", 1),
        ("INSERT INTO t VALUES ('unclosed ; ` [ $$ /*');", 5),
        ("SELECT 2", 7),
    ]


def test_empty_goose_block_gives_nothing():
    assert split("-- +goose StatementBegin\n-- nothing\n-- +goose StatementEnd\n") == []


def test_goose_marker_not_at_line_start_is_a_comment():
    assert split("SELECT 1; -- +goose StatementBegin\nSELECT 2;") == [("SELECT 1", 1), ("SELECT 2", 2)]


def test_unterminated_goose_block_is_an_error():
    assert syntax_error("SELECT 1;\n-- +goose StatementBegin\nSELECT 2;\n") == (
        "line 2: unterminated goose StatementBegin block (no '-- +goose StatementEnd' line)",
        2,
    )


# --- line endings -----------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECTS)
def test_crlf_line_endings(dialect):
    sql = (
        "-- head\r\nSELECT 'a\r\nb';\r\n\r\nSELECT 2;\r\n"
        "-- +goose StatementBegin\r\nSELECT 3;\r\n-- +goose StatementEnd\r\n"
    )
    assert split(sql, dialect) == [("SELECT 'a\r\nb'", 2), ("SELECT 2", 5), ("SELECT 3", 7)]


def test_crlf_mysql_delimiter_lines():
    sql = "DELIMITER $$\r\nSELECT 1; SELECT 2$$\r\nDELIMITER ;\r\nSELECT 3;"
    assert split(sql, "mysql") == [("SELECT 1; SELECT 2", 2), ("SELECT 3", 4)]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dialect, sql, expected",
    [
        ("postgres", "SELECT 1;\nSELECT 'abc;\n", ("line 2: unterminated string literal", 2)),
        ("mysql", "SELECT 'it\\';\n", ("line 1: unterminated string literal", 1)),
        ("sqlite", 'SELECT 1;\n\nSELECT "a;', ("line 3: unterminated quoted identifier", 3)),
        ("mysql", 'SELECT "a\\";', ("line 1: unterminated double-quoted string", 1)),
        ("mysql", "SELECT `a;", ("line 1: unterminated backtick-quoted identifier", 1)),
        ("sqlite", "SELECT [a;", ("line 1: unterminated bracket-quoted identifier", 1)),
        (
            "postgres",
            "SELECT 1;\nCREATE FUNCTION f() AS $fn$\nBEGIN; END;\n$$;",
            ("line 2: unterminated dollar-quoted string $fn$", 2),
        ),
        ("postgres", "SELECT 1 /* a /* b */;\n", ("line 1: unterminated block comment", 1)),
        ("sqlite", "SELECT 1;\n/* a;\n", ("line 2: unterminated block comment", 2)),
    ],
)
def test_unterminated_tokens_are_reported_where_they_start(dialect, sql, expected):
    assert syntax_error(sql, dialect) == expected


def test_unterminated_trigger_body_names_the_begin_line():
    sql = "SELECT 1;\nCREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  DELETE FROM b;\n"
    assert syntax_error(sql, "sqlite") == ("line 3: unterminated BEGIN ... END block", 3)


def test_unterminated_if_names_the_if_line():
    sql = "CREATE PROCEDURE p()\nBEGIN\n  IF 1 THEN SELECT 1;\n"
    assert syntax_error(sql, "mysql") == ("line 3: unterminated IF ... END IF block", 3)


def test_error_lines_honour_first_line():
    assert syntax_error("\nSELECT 'x", first_line=20) == ("line 21: unterminated string literal", 21)


# --- size -------------------------------------------------------------------------------------


def test_splits_a_megabyte_of_mixed_statements():
    chunk = (
        "CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL DEFAULT 'x', begin_date date);\n"
        "-- seed rows; for table {i}\n"
        "INSERT INTO t{i} (id, name) VALUES (1, 'it''s; fine'), (2, 'a -- b /* c */');\n"
        "CREATE FUNCTION f{i}(p int) RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  IF p > 0 THEN RETURN p; END IF;\n  RETURN $q$;$q$::int;\nEND;\n$$;\n\n"
    )
    count = 1_000_000 // len(chunk.format(i=0)) + 1
    sql = "".join(chunk.format(i=i) for i in range(count))
    statements = split_statements(sql)
    assert len(sql) >= 1_000_000
    assert len(statements) == 3 * count
    assert statements[-1].text.startswith(f"CREATE FUNCTION f{count - 1}(")
    assert statements[-1].line == 10 * (count - 1) + 4


# --- the lexer on long adversarial input ---------------------------------------------------------

_MB = 1_000_000
ADVERSARIAL = {  # each a megabyte that would make a backtracking pattern quadratic
    "unterminated string": "'" + "a" * _MB, "unterminated escape string": "E'" + "\\'" * (_MB // 2),
    "unterminated dollar quote": "$x$" + "a" * _MB, "unterminated comment": "/*" + "a" * _MB,
    "comment openers": "/*" * (_MB // 2), "a long word then a quote": "a" * _MB + "'", "string prefixes": "E" * _MB + "'",
    "backslashes in a string": "'" + "\\a" * (_MB // 2), "doubled quotes": "''" * (_MB // 2),
    "a trigger of BEGINs": "CREATE TRIGGER t BEGIN " + "BEGIN " * (_MB // 6), "dollar signs": "$" * _MB,
}


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", ADVERSARIAL)
def test_a_megabyte_of_adversarial_text_is_read_in_linear_time(name, dialect):
    import time

    from dkmigrate.lexer import tokenize

    started = time.process_time()
    try:
        split_statements(ADVERSARIAL[name], dialect)
    except SqlSyntaxError:
        pass
    tokenize(ADVERSARIAL[name], dialect)
    assert time.process_time() - started < 5  # linear: about a second at most; quadratic: minutes
