"""The ``mcclink`` command's entry point (also ``python -m mcclink``).

It checks the ``cli`` extra before importing the command line, and turns a command's failed
import of an extra's module into the same error, so an install without an extra says what to
install (exit 2) instead of failing on a missing module.
"""

from __future__ import annotations

import sys
from typing import NoReturn

from mcclink.errors import MissingExtra
from mcclink.extras import explain, require


def main() -> None:
    """Run the command line, or exit 2 naming the extra to install."""
    try:
        require("cli")
        from mcclink.cli import main as run

        run()
    except MissingExtra as exc:
        _refuse(exc)
    except ModuleNotFoundError as exc:
        missing = explain(exc)
        if missing is None:
            raise
        _refuse(missing)


def _refuse(exc: MissingExtra) -> NoReturn:
    print(f"error: {exc}", file=sys.stderr)
    sys.exit(exc.exit_code)


if __name__ == "__main__":
    main()
