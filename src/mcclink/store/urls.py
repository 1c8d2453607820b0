"""Store URLs: which backend, and where.

Accepted forms::

    sqlite:///path/to/file.db                      an absolute path (percent-encoded if need be);
                                                   sqlite:////path/to/file.db is the same file
    dynamodb://?region=REGION&prefix=PREFIX        both parameters optional

No URL at all means ``MCC_STORE``, and without that the SQLite file
``$XDG_DATA_HOME/mcclink/mcclink.db`` (``~/.local/share/mcclink/mcclink.db``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from mcclink.errors import InvalidStoreUrl

ACCEPTED_FORMS = "sqlite:///path/to/file.db or dynamodb://?region=REGION&prefix=PREFIX"

_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d{1,2}")
# DynamoDB table names allow these characters; the prefix is part of the name.
_PREFIX = re.compile(r"[A-Za-z0-9_.-]{0,200}")


@dataclass(frozen=True)
class SqliteUrl:
    """A SQLite database file."""

    path: Path


@dataclass(frozen=True)
class DynamoDbUrl:
    """DynamoDB tables; ``region`` None means the standard AWS configuration decides."""

    region: str | None = None
    prefix: str = ""


def parse_store_url(url: str) -> SqliteUrl | DynamoDbUrl:
    """Read a store URL.

    Raises:
        InvalidStoreUrl: the URL names no backend or has malformed parameters; the message
            shows the value and the accepted forms.
    """
    parts = urlsplit(url.strip())
    if parts.scheme == "sqlite":
        return _sqlite(url, parts.netloc, parts.path, parts.query)
    if parts.scheme == "dynamodb":
        return _dynamodb(url, parts.netloc + parts.path, parts.query)
    raise _invalid(url, "unknown backend")


def default_sqlite_path(environ: Mapping[str, str]) -> Path:
    """``$XDG_DATA_HOME/mcclink/mcclink.db``, XDG's default being ``~/.local/share``.

    A relative ``XDG_DATA_HOME`` is ignored, as the XDG specification says.
    """
    data_home = Path(environ.get("XDG_DATA_HOME") or "")
    if not data_home.is_absolute():
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        data_home = home / ".local" / "share"
    return data_home / "mcclink" / "mcclink.db"


def _sqlite(url: str, netloc: str, path: str, query: str) -> SqliteUrl:
    # ``sqlite:/x.db`` and ``sqlite:x.db`` parse too; both are typos of the three-slash form,
    # and the second would put the store wherever the command happens to run.
    slashes = url.strip().partition(":")[2].startswith("///")
    if netloc or not (slashes and path.startswith("/")) or query:
        typo = path and not (netloc or query)
        hint = f"; did you mean sqlite:///{path.lstrip('/')}?" if typo else ""
        raise _invalid(url, f"a SQLite URL is sqlite:/// followed by an absolute file path{hint}")
    # One leading slash: ``sqlite:////abs/x.db`` (SQLAlchemy's spelling) is ``/abs/x.db``,
    # not ``//abs/x.db``, which pathlib keeps as written and which is then not the default
    # store's path (whose directory only is created) and reads oddly in messages.
    return SqliteUrl(Path("/" + unquote(path).lstrip("/")))


def _dynamodb(url: str, location: str, query: str) -> DynamoDbUrl:
    if location:
        raise _invalid(url, f"unexpected {location!r}: DynamoDB is chosen by AWS configuration")
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _invalid(url, "malformed query string") from None
    params = dict(pairs)
    unknown = sorted(set(params) - {"region", "prefix"})
    if unknown or len(params) != len(pairs):
        raise _invalid(url, f"unknown or repeated parameter(s) {unknown or sorted(params)}")
    region, prefix = params.get("region") or None, params.get("prefix", "")
    if region is not None and not _REGION.fullmatch(region):
        raise _invalid(url, f"region {region!r} is not an AWS region such as sa-east-1")
    if not _PREFIX.fullmatch(prefix):
        raise _invalid(url, f"prefix {prefix!r} may only hold letters, digits, '_', '-', '.'")
    return DynamoDbUrl(region=region, prefix=prefix)


def _invalid(url: str, reason: str) -> InvalidStoreUrl:
    return InvalidStoreUrl(f"invalid store URL {url!r} ({reason}): expected {ACCEPTED_FORMS}")
