"""Where clients and their history live: ``open_store`` picks a backend from a URL.

``sqlite:///path/to/file.db`` (the default, embedded) or
``dynamodb://?region=REGION&prefix=PREFIX``. Importing this package imports neither boto3
nor google.ads: the DynamoDB backend is imported only when a DynamoDB URL is opened.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

from mcclink.extras import require
from mcclink.ports import Store
from mcclink.store.urls import (
    ACCEPTED_FORMS,
    DynamoDbUrl,
    SqliteUrl,
    default_sqlite_path,
    parse_store_url,
)

__all__ = ["ACCEPTED_FORMS", "default_store_url", "open_store"]


def default_store_url(environ: Mapping[str, str] = os.environ) -> str:
    """``MCC_STORE``, else the default SQLite file's URL (see ``urls.default_sqlite_path``)."""
    default = f"sqlite://{quote(default_sqlite_path(environ).as_posix())}"
    return environ.get("MCC_STORE") or default


def open_store(url: str | None = None, environ: Mapping[str, str] = os.environ) -> Store:
    """Open the store named by ``url``, else ``MCC_STORE``, else the default SQLite file.

    SQLite creates the file and its schema now, and the directory only at the default
    location; DynamoDB connects on first use. ``environ`` also supplies ``CLIENTS_TABLE`` /
    ``EXECUTION_HISTORY_TABLE`` and the AWS region when the URL has none.

    Raises:
        InvalidStoreUrl: the URL names no backend or has malformed parameters.
        ConfigurationError: a DynamoDB table name (from the environment) is invalid; the
            SQLite file's directory does not exist (outside the default location), or the
            file is not a SQLite database.
        StoreUnavailable: the SQLite file cannot be created or opened.
    """
    location = parse_store_url(url or default_store_url(environ))
    if isinstance(location, SqliteUrl):
        from mcclink.store.sqlite import SqliteStore

        default = location.path == default_sqlite_path(environ)
        return SqliteStore(location.path, create_directory=default)
    return _open_dynamodb(location, environ)


def _open_dynamodb(location: DynamoDbUrl, environ: Mapping[str, str]) -> Store:
    require("aws")
    from mcclink.store.dynamodb import DynamoDBStore
    from mcclink.store.tables import TableNames

    region = location.region or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
    return DynamoDBStore(TableNames.from_env(environ, location.prefix), region=region)
