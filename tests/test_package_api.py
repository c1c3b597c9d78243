"""The package used as a library: operations return values, raise typed errors and never print."""

import pytest

from dkmigrate import operations
from dkmigrate.config import Options, load_settings
from dkmigrate.errors import SafetyRefusal, StateError
from dkmigrate.runner import Listener, MigrationFailed


class Recorder(Listener):
    def __init__(self):
        self.done = []

    def migration_done(self, index, total, result):
        self.done.append((index, total, result.migration.label, result.result))


@pytest.fixture
def settings(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    project.migration("2", "two", "CREATE TABLE two (id integer);", "DROP TABLE two;")
    return load_settings(Options(directory=str(project.root), url=project.url), environ={})


def test_operations_return_reports_and_print_nothing(settings, engine, capsys):
    before = operations.status(settings)
    assert [status.state for status in before.statuses] == ["pending", "pending"]

    recorder = Recorder()
    report = operations.up(settings, listener=recorder)
    assert [result.result for result in report.results] == ["applied", "applied"]
    assert recorder.done == [(1, 2, "1_one", "applied"), (2, 2, "2_two", "applied")]
    assert {"one", "two"} <= engine.tables()

    dry = operations.down(settings, steps=2, dry_run=True)
    assert [result.result for result in dry.results] == ["would_roll_back", "would_roll_back"]
    assert dry.script.index("DROP TABLE two;") < dry.script.index("DROP TABLE one;")
    assert {"one", "two"} <= engine.tables()

    assert capsys.readouterr() == ("", "")


def test_operations_raise_typed_errors(settings, project, engine):
    project.migration("3", "bad", "SELECT * FROM nowhere;", "SELECT 1;")
    with pytest.raises(MigrationFailed) as failure:
        operations.up(settings)
    assert failure.value.exit_code == 1
    assert failure.value.rolled_back is True
    assert [result.migration.label for result in failure.value.completed] == ["1_one", "2_two"]
    assert failure.value.line == 2

    with pytest.raises(StateError) as state:
        operations.down(settings, to="3")
    assert state.value.exit_code == 2


def test_protected_settings_refuse_down_without_confirmation(project):
    project.migration("1", "one", "CREATE TABLE one (id integer);", "DROP TABLE one;")
    (project.root / "migrate.yaml").write_text(
        f"environments:\n  production:\n    url: {project.url}\n    protected: true\n")
    settings = load_settings(Options(directory=str(project.root), env="production"), environ={})
    operations.up(settings)
    with pytest.raises(SafetyRefusal) as refusal:
        operations.down(settings)
    assert refusal.value.exit_code == 4
    assert [r.result for r in operations.down(settings, confirmed=True).results] == ["rolled_back"]
