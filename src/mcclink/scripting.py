"""What the spec's five scripts share: a JSON payload in, a JSON result out.

The original system's runner ("ScriptManager") starts a script with a JSON payload, either
as ``--params '{...}'`` or on standard input, and reads one JSON object from standard
output. Errors come back the same way, ``{"success": false, "error": ..., "errorType": ...}``,
with mcclink's exit codes (1 operation failed, 2 bad input or configuration).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.errors import InputError, MccLinkError

Payload = Mapping[str, Any]


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the shared ``--params`` and ``--store`` options."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--params", help="JSON payload (default: read from stdin when piped)")
    p.add_argument("--store", help="store URL (default: MCC_STORE or the SQLite file)")
    return p


def payload(args: argparse.Namespace) -> dict[str, Any]:
    """The JSON payload from ``--params``, else from a piped stdin, else ``{}``.

    Raises:
        InputError: the payload is not a JSON object.
    """
    raw = args.params
    if raw is None and not sys.stdin.isatty():
        raw = sys.stdin.read()
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the payload is not valid JSON ({exc}); pass --params '{{...}}'"
        ) from None
    if not isinstance(data, dict):
        raise InputError('the payload must be a JSON object, e.g. {"customerId": "1234567890"}')
    return data


def container(args: argparse.Namespace, data: Payload) -> Container:
    """Dependencies for the payload's MCC (``mccCustomerId``, else ``MCC_CUSTOMER_ID``)."""
    mcc = data.get("mccCustomerId")
    return Container(
        store_url=args.store,
        mcc=CustomerId.parse(mcc) if mcc else None,
        actor="script",
    )


def customer_id(data: Payload, key: str = "customerId") -> CustomerId:
    """The customer id under ``key`` (``googleAdsCustomerId`` is accepted too).

    Raises:
        InputError: missing or malformed.
    """
    raw = data.get(key) or data.get("googleAdsCustomerId")
    if raw is None:
        raise InputError(f'the payload needs {key!r}, e.g. {{"{key}": "123-456-7890"}}')
    return CustomerId.parse(str(raw))


def run(main: Callable[[], dict[str, Any]]) -> None:
    """Run a script body; print its JSON result, or the error as JSON with the exit code."""
    try:
        result = {"success": True, **main()}
        code = 0 if result.get("success", True) else 1
    except MccLinkError as exc:
        result = {
            "success": False,
            "error": str(exc),
            "errorType": type(exc).__name__,
            "errorCode": getattr(exc, "code", None),
            "requestId": getattr(exc, "request_id", None),
        }
        code = exc.exit_code
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.exit(code)
