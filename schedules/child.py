"""Run a maintenance function in a child process: `python -m schedules.child MODULE:NAME ARGS`.

The scheduler starts maintenance jobs this way (a function and its JSON arguments, not a
command line of the CLI); the job's output goes to its log, and an exception it raises ends
the process with status 1 (Python's own behaviour).
"""

from __future__ import annotations

import importlib
import json
import sys


def main(argv: list[str]) -> None:
    target, raw_args = argv
    module, _, name = target.partition(":")
    function = getattr(importlib.import_module(module), name)
    function(*json.loads(raw_args))


if __name__ == "__main__":
    main(sys.argv[1:])
