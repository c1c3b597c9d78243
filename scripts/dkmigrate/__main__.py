"""`python -m dkmigrate`: the command line, answering SIGINT and SIGTERM from the first instant to the exit."""

import os
import signal
import sys

from .interruption import SIGNALS, signal_name


def _interrupted_while_starting(number, frame):
    message = f"interrupted by {signal_name(number)}"
    argv = sys.argv[1:]
    if "--format=json" in argv or any(a == "--format" and b == "json" for a, b in zip(argv, argv[1:])):
        import json

        print(json.dumps({"error": {"code": 128 + number, "message": message}}, indent=2), flush=True)
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(128 + number)


for _number in SIGNALS:  # until main() sets its own: nothing has run yet
    signal.signal(_number, _interrupted_while_starting)

from .cli import main  # noqa: E402

try:
    code = main()
except KeyboardInterrupt as stop:  # a signal while the result was being written
    code = 128 + getattr(stop, "signal_number", signal.SIGINT)
for _number in SIGNALS:  # the outcome is decided: a late signal must not change the exit code
    signal.signal(_number, signal.SIG_IGN)
# The command has closed what it opened and written its output: once that is flushed, the process ends without the
# interpreter's teardown of every module (psycopg's alone takes 50 ms). Output that cannot be flushed takes the
# interpreter's usual exit, which reports it; so does a run under a profiler, coverage or a debugger, which write
# their results at exit.
if sys.getprofile() is not None or sys.gettrace() is not None:
    sys.exit(code)
try:
    sys.stdout.flush()
    sys.stderr.flush()
except BaseException:
    sys.exit(code)
os._exit(code)
