"""The commands of `migrate`, in the order `--help` lists them.

A command is a module with NAME, HELP, add_arguments(parser) and run(args, settings, out) -> exit code,
and optionally FORMATS (default: text and json).
"""

from . import baseline, create, detect, down, init, lint, plan, repair, status, trace, up, verify

COMMANDS = (init, create, up, down, status, verify, trace, lint, plan, repair, baseline, detect)
