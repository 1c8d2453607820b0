"""Ctrl-C in a spec script: one JSON result and exit 130, from the script's first import on.

A script's imports (gRPC, the Google Ads library, the stores) take a few hundred
milliseconds. Importing this module installs the SIGINT handler; each script's first import is
``scripting``, whose first import is this module, so Ctrl-C is answered from then on: while
the script starts, by writing the result and leaving at once (nothing is open yet); once
``scripting.run`` has started the script's body, by raising ``KeyboardInterrupt`` there, so
that open work is closed before the result is written. After the first Ctrl-C further ones
are ignored: the result is written exactly once.

Before the interpreter reaches the script's first line (its own start, some tens of
milliseconds), Python's default applies and no result is written. Standard library modules
only: this module must be cheap to import.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from types import FrameType
from typing import Any, NoReturn

#: Exit code of a script stopped by Ctrl-C, as a shell reports it.
INTERRUPTED = 130
#: The result a script stopped by Ctrl-C writes.
RESULT: dict[str, Any] = {
    "success": False,
    "error": "interrupted (Ctrl-C)",
    "errorType": "Interrupted",
}


def write_result(result: dict[str, Any]) -> None:
    """Write a script's JSON result to standard output."""
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def _while_starting(signum: int, frame: FrameType | None) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    write_result(RESULT)
    os._exit(INTERRUPTED)  # mid-import: no exception may unwind through the import system


def _while_running(signum: int, frame: FrameType | None) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def while_running() -> None:
    """From now on, Ctrl-C raises ``KeyboardInterrupt`` (once) in the script's body."""
    signal.signal(signal.SIGINT, _while_running)


def ignore() -> None:
    """From now on, Ctrl-C is ignored (the result is being written)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


signal.signal(signal.SIGINT, _while_starting)
