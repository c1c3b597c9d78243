"""SIGINT and SIGTERM.

Outside a run of migrations a signal stops the command at once (Interrupted, raised where the program is).
While migrations run it must not: an exception raised between a statement and its tracking write would
leave the record false. There the signal is only noted, the statement in progress is cancelled on the
server, and the runner stops at its next safe point, rolling back or recording `dirty`.
"""

import signal
import threading
from collections.abc import Callable
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_raised: list[int] = []  # the signals `raising` turned into Interrupted, for a driver that swallowed the exception


def signal_name(number: int) -> str:
    return signal.Signals(number).name


class Interrupted(KeyboardInterrupt):
    """A signal stopped the command. A KeyboardInterrupt, so that `except Exception` lets it through and a
    driver waiting for the server cancels the query it sent (psycopg does)."""

    def __init__(self, signal_number: int):
        super().__init__(signal_name(signal_number))
        self.signal_number = signal_number


class StopRequest:
    """A signal noted while migrations run; `statement_running` says whether to cancel on the server now."""

    def __init__(self, cancel: Callable[[], None]):
        self.cancel = cancel
        self.signal_number: int | None = None
        self.statement_running = False

    @property
    def requested(self) -> bool:
        return self.signal_number is not None

    @property
    def signal_name(self) -> str:
        return signal_name(self.signal_number)

    def receive(self, signal_number: int) -> None:
        if self.signal_number is None:
            self.signal_number = signal_number
        if self.statement_running:
            self.cancel()


@contextmanager
def _handling(handler):
    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = {number: signal.signal(number, handler) for number in SIGNALS}
    try:
        yield
    finally:
        for number, old in previous.items():
            signal.signal(number, old)


@contextmanager
def raising():
    """Signals raise Interrupted wherever the program is."""
    def handler(signal_number, frame):
        _raised.append(signal_number)
        raise Interrupted(signal_number)

    _raised.clear()
    with _handling(handler):
        yield


def reraise() -> None:
    """Raise Interrupted again when a signal was turned into one that a callback from a driver lost (SQLite
    ends the statement with "interrupted" and drops the exception)."""
    if _raised:
        raise Interrupted(_raised[-1])


@contextmanager
def deferred(cancel: Callable[[], None]):
    """Signals are noted in the StopRequest this yields; one that arrives while a statement runs cancels it."""
    request = StopRequest(cancel)
    with _handling(lambda signal_number, frame: request.receive(signal_number)):
        yield request
