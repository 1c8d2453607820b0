"""Files mcclink creates for itself: owner-only from the first byte."""

from __future__ import annotations

from pathlib import Path


def make_private_dirs(directory: Path) -> None:
    """Create ``directory`` and every missing parent with mode 0700.

    ``Path.mkdir(mode, parents=True)`` gives the parents it makes (such as
    ``~/.local/share``) the umask's mode; the XDG base directory spec asks for 0700.

    Raises:
        OSError: a level cannot be created.
    """
    for level in [*reversed(directory.parents), directory]:
        if not level.exists():
            level.mkdir(mode=0o700, exist_ok=True)
