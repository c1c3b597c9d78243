"""SIGINT and SIGTERM during `up` and `down`, and a connection the server ends: real processes, real statements.

A signal cancels the running statement on the server, the migration is rolled back (or recorded dirty when it
runs outside a transaction, with the `repair` hint), the output names it, `--format json` still prints its one
object, and the exit code is 128 + the signal's number.
"""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from conftest import wait_for_stderr

LONG = {  # a statement that runs until it is stopped
    "postgres": "SELECT pg_sleep(120)",
    "sqlite": "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) "
              "SELECT count(*) FROM n",
}
EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


def running_statements(engine) -> int:
    """PostgreSQL sessions of the test's database still running the long statement (other test runs on the
    same server run it too)."""
    return engine.query("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND datname = current_database() "
                        "AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()")[0][0]


def wait_until_running(engine, process, timeout=60):
    """Until the process is inside the long statement (on SQLite: inside the migration's write transaction,
    or past its first statement when it runs without one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if engine.name == "postgres":
            if running_statements(engine):
                return
        elif _sqlite_busy(engine):
            time.sleep(0.5)  # from the first statement into the long one
            return
        time.sleep(0.05)
    raise AssertionError("the migration never started its long statement")


def _sqlite_busy(engine) -> bool:
    connection = sqlite3.connect(engine.url.removeprefix("sqlite://"), timeout=0, isolation_level=None)
    try:
        if connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'").fetchone()[0]:
            if connection.execute("SELECT count(*) FROM schema_migrations WHERE progress = 1").fetchone()[0]:
                return True
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    finally:
        connection.close()


def stop(process, signal_number, timeout=30):
    process.send_signal(signal_number)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"still running {timeout} s after {signal.Signals(signal_number).name}") from None
    return process.returncode, stdout, stderr


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_migration_cancels_it_and_rolls_it_back(project, engine, signal_number):
    project.migration("1", "first", "CREATE TABLE first (id integer);", "DROP TABLE first;")
    project.migration("2", "long", f"CREATE TABLE long (id integer);\n{LONG[engine.name]};", "DROP TABLE long;")
    process = project.launch("up", wait=False)
    wait_until_running(engine, process)
    started = time.monotonic()
    code, stdout, stderr = stop(process, signal_number)

    assert code == EXIT[signal_number], stderr
    assert time.monotonic() - started < 10
    name = signal.Signals(signal_number).name
    assert (f"error: interrupted by {name} while applying 2_long (1 migration applied before it): "
            "rolled back: the database is as it was before 2_long") in stderr
    assert "[2/2] 2_long  failed" in stdout
    assert engine.tracked_versions() == ["1"]
    assert engine.tables() == {"schema_migrations", "first"}
    if engine.name == "postgres":
        assert running_statements(engine) == 0


def test_a_signal_during_a_non_transactional_migration_leaves_it_dirty_with_the_repair_hint(project, engine):
    project.migration("1", "long", f"CREATE TABLE long (id integer);\n{LONG[engine.name]};\n"
                                   "CREATE TABLE after (id integer);", "DROP TABLE long;", up_options="transaction:false")
    process = project.launch("up", "--format", "json", wait=False)
    wait_until_running(engine, process)
    code, stdout, stderr = stop(process, signal.SIGINT)

    assert code == 130, stderr
    document = project.run("status", "--format", "json").json
    [migration] = document["migrations"]
    assert (migration["state"], migration["statements_done"]) == ("dirty", 1)
    assert "hint: fix the database by hand, then record the truth with `migrate repair 1 --applied`" in stderr
    result = json.loads(stdout)  # exactly one JSON object on stdout
    assert result["error"]["code"] == 130 and result["error"]["signal"] == "SIGINT"
    assert result["error"]["message"] == ("interrupted by SIGINT while applying 1_long: 1_long is now dirty: "
                                          "1 of 3 statements ran outside a transaction")
    assert result["error"]["rolled_back"] is False
    assert [(m["version"], m["result"]) for m in result["migrations"]] == [("1", "failed")]
    assert "long" in engine.tables() and "after" not in engine.tables()
    if engine.name == "postgres":
        assert running_statements(engine) == 0


def test_a_signal_during_down_rolls_the_down_back(project, engine):
    project.migration("1", "kept", "CREATE TABLE kept (id integer);", f"DROP TABLE kept;\n{LONG[engine.name]};")
    assert project.run("up").code == 0
    process = project.launch("down", wait=False)
    wait_until_running(engine, process)
    code, _, stderr = stop(process, signal.SIGTERM)
    assert code == 143, stderr
    assert "interrupted by SIGTERM while rolling back 1_kept: rolled back" in stderr
    assert engine.tracked_versions() == ["1"]
    assert "kept" in engine.tables()


def test_a_signal_while_waiting_for_the_lock_stops_the_waiter(project, engine):
    project.migration("1", "long", f"CREATE TABLE long (id integer);\n{LONG[engine.name]};", "DROP TABLE long;")
    holder = project.launch("up", wait=False)
    try:
        wait_until_running(engine, holder)
        waiter = project.launch("up", "--lock-wait", "60", "--format", "json", wait=False)
        assert "waiting for the migration lock" in wait_for_stderr(waiter, "waiting for the migration lock")
        code, stdout, stderr = stop(waiter, signal.SIGTERM)
    finally:
        holder_code = stop(holder, signal.SIGTERM)[0]
    assert code == 143, stderr
    assert "error: interrupted by SIGTERM" in stderr
    assert json.loads(stdout)["error"] == {"code": 143, "message": "interrupted by SIGTERM"}
    assert holder_code == 143
    assert engine.tracked_versions() == []


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_terminated_connection_is_one_line_with_the_servers_message_and_sqlstate(project, engine):
    project.migration("1", "long", f"{LONG['postgres']};", "SELECT 1;")
    process = project.launch("up", wait=False)
    wait_until_running(engine, process)
    engine.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                 "AND query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()")
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    [error] = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert "terminating connection due to administrator command (SQLSTATE 57P01)" in error
    assert "\t" not in stderr and len(stderr.splitlines()) <= 3, stderr


class ConnectionCutter:
    """A TCP relay to PostgreSQL that can drop every connection at once, as a failing network or a proxy does:
    the client then sees the connection end without a word from the server."""

    def __init__(self, target_url: str):
        parts = urlsplit(target_url)
        query = parse_qsl(parts.query)
        socket_directory = dict(query).get("host")  # pgserver's URL names a socket directory
        if socket_directory:
            self.target = (socket.AF_UNIX, f"{socket_directory}/.s.PGSQL.{parts.port or 5432}")
        else:
            self.target = (socket.AF_INET, (parts.hostname, parts.port or 5432))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = urlunsplit((parts.scheme, f"{parts.username or 'postgres'}@127.0.0.1:{self.listener.getsockname()[1]}",
                               parts.path, urlencode([(key, value) for key, value in query if key != "host"]), ""))
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _connect(self):
        family, address = self.target
        server = socket.socket(family, socket.SOCK_STREAM)
        server.connect(address)
        return server

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = self._connect()
            self.sockets += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._relay, args=(source, sink), daemon=True).start()

    @staticmethod
    def _relay(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass

    def cut(self):
        self.listener.close()
        for connection in self.sockets:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            connection.close()


@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_connection_lost_without_a_message_is_one_line(project, engine):
    cutter = ConnectionCutter(engine.url)
    project.url = cutter.url
    project.migration("1", "long", f"{LONG['postgres']};", "SELECT 1;")
    process = project.launch("up", wait=False)
    wait_until_running(engine, process)
    cutter.cut()
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 1
    [error] = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert "server closed the connection unexpectedly" in error
    assert "\t" not in stderr and len(stderr.splitlines()) <= 3, stderr


def test_a_signal_during_a_long_sqlite_read_outside_a_run_stops_the_command(tmp_path):
    from dkmigrate import interruption
    from dkmigrate.adapters import adapter_for
    from dkmigrate.urls import parse_url

    adapter = adapter_for(parse_url(f"sqlite:{tmp_path / 'read.db'}", tmp_path), "schema_migrations")
    adapter.open(create=True)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    try:
        with interruption.raising(), pytest.raises(interruption.Interrupted) as stopped:
            timer.start()
            adapter.query(LONG["sqlite"])
    finally:
        timer.cancel()
        adapter.close()
    assert stopped.value.signal_number == signal.SIGINT
