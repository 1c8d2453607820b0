"""Files mcclink creates for itself (owner-only from the first byte), and files it is given
(read within a bound, whatever the path names)."""

from __future__ import annotations

import errno
import stat
from pathlib import Path


class NotAPlainFile(OSError):
    """``read_plain_file``'s refusal; ``strerror`` says why: a device or pipe, or too big."""


def read_plain_file(path: Path, limit: int) -> bytes:
    """The bytes of ``path``, a regular file of at most ``limit`` bytes: a directory, device
    or pipe is never opened, and at most ``limit`` + 1 bytes are read.

    Raises:
        IsADirectoryError: a directory.
        NotAPlainFile: a device or pipe, or a file larger than ``limit`` bytes.
        OSError: the file cannot be read.
    """
    mode = path.stat().st_mode
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", str(path))
    if not stat.S_ISREG(mode):
        raise NotAPlainFile(errno.EINVAL, "not a regular file (a device or pipe)", str(path))
    with path.open("rb") as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise NotAPlainFile(errno.EFBIG, f"larger than {limit // (1024 * 1024)} MiB", str(path))
    return data


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
