"""What the spec's five scripts share: a JSON payload in, one JSON result out, always.

The original system's runner ("ScriptManager") starts a script with a JSON payload, either
as ``--params '{...}'`` or on standard input, and reads one JSON object from standard
output. Errors come back the same way, ``{"success": false, "error": ..., "errorType": ...}``,
with mcclink's exit codes (1 operation failed, 2 bad input or configuration): a bad option,
a payload of the wrong shape, a closed terminal or an unexpected failure included, never a
traceback.

Each script declares its payload as a ``Schema``: every field's reader, so that a string
``"false"`` is never taken for a boolean and a typo in a field name never goes unnoticed.
"""

from __future__ import annotations

from mcclink import interrupt  # before any other import: it answers Ctrl-C during them

# isort: split
import argparse
import json
import sys
import traceback
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from mcclink.bootstrap import Container
from mcclink.config import Settings
from mcclink.domain import CustomerId
from mcclink.errors import InputError, InvalidCustomerId, MccLinkError

#: Reads one payload field's JSON value; raises ``ValueError`` saying what was expected.
Reader = Callable[[object], Any]
#: A script's payload: each field it accepts and how to read it.
Schema = Mapping[str, Reader]
Payload = Mapping[str, Any]

#: ``pendingHours`` above a year is a mistake (a unit mix-up), not a policy.
MAX_PENDING_HOURS = 24 * 365
#: The largest payload read from stdin: a payload is a small JSON object.
MAX_STDIN_BYTES = 1024 * 1024


def customer_id_field(value: object) -> CustomerId:
    """A customer id: a JSON string such as ``"123-456-7890"`` (a number drops leading zeros)."""
    if not isinstance(value, str):
        raise ValueError(f'must be a string such as "123-456-7890", not {_json(value)}')
    try:
        return CustomerId.parse(value)
    except InvalidCustomerId as exc:
        raise ValueError(str(exc)) from None


def boolean_field(value: object) -> bool:
    """A JSON ``true`` or ``false`` (a string such as ``"false"`` is refused)."""
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false (a JSON boolean), not {_json(value)}")
    return value


def text_field(value: object) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {_json(value)}")
    return value


def optional_text_field(value: object) -> str | None:
    """A JSON string, or ``null``."""
    return None if value is None else text_field(value)


def hours_field(value: object) -> float:
    """A JSON number of hours above 0, at most ``MAX_PENDING_HOURS``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number of hours such as 24, not {_json(value)}")
    if not 0 < value <= MAX_PENDING_HOURS:  # NaN too: Python's JSON reads NaN
        raise ValueError(
            f"must be above 0 and at most {MAX_PENDING_HOURS} (a year), not {_json(value)}"
        )
    return float(value)


def choice_field(*choices: str) -> Reader:
    """A reader of one of ``choices`` (a JSON string)."""

    def read(value: object) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)}, not {_json(value)}")
        return str(value)

    return read


#: Fields every script accepts.
COMMON: Schema = {"mccCustomerId": customer_id_field}


class ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose errors are ``InputError``s (so they come back as JSON)."""

    def error(self, message: str) -> NoReturn:
        raise InputError(f"{message}; see {self.prog} --help")


def parser(description: str) -> argparse.ArgumentParser:
    """An argument parser with the shared ``--params`` and ``--store`` options."""
    p = ArgumentParser(description=description)
    p.add_argument("--params", help="JSON payload (default: read from stdin when piped)")
    p.add_argument("--store", help="store URL (default: MCC_STORE or the SQLite file)")
    return p


def payload(args: argparse.Namespace, schema: Schema) -> dict[str, Any]:
    """The payload from ``--params``, else from a piped stdin, else ``{}``, read by ``schema``
    (plus ``COMMON``); ``null`` counts as absent.

    Returns:
        Each field given, as its reader returned it.

    Raises:
        InputError: not a JSON object, or fields unknown or of the wrong type: every one named.
    """
    raw = args.params
    if raw is None and not sys.stdin.isatty():
        raw = _stdin()
    if not raw or not raw.strip():
        return {}
    try:
        data = json.loads(raw, parse_int=_integer)
    except ValueError as exc:
        raise InputError(
            f"the payload is not valid JSON ({exc}); pass --params '{{...}}'"
        ) from None
    if not isinstance(data, dict):
        raise InputError('the payload must be a JSON object, e.g. {"customerId": "1234567890"}')
    return fields(data, {**COMMON, **schema})


def _stdin() -> str:
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        raise InputError(
            f"the payload on stdin is over {MAX_STDIN_BYTES:,} bytes (1 MiB): "
            "send one small JSON object"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the payload on stdin is not UTF-8 text: send it as UTF-8 JSON") from None


class _LongNumber:
    """A JSON integer too long for Python to read (over ``sys.get_int_max_str_digits()``)."""

    def __init__(self, text: str) -> None:
        self.digits = len(text.lstrip("-"))

    def __str__(self) -> str:
        return f"a number of {self.digits:,} digits"


def _integer(text: str) -> int | _LongNumber:
    try:
        return int(text)
    except ValueError:  # too many digits: named with its field by ``fields``
        return _LongNumber(text)


def fields(data: Mapping[str, object], schema: Schema) -> dict[str, Any]:
    """``data`` read by ``schema``; ``None`` counts as absent.

    Raises:
        InputError: fields unknown or of the wrong type, every one named.
    """
    problems, read = [], {}
    for name, value in data.items():
        reader = schema.get(name)
        if reader is None:
            problems.append(f"unknown field {name!r}: expected {', '.join(schema)}")
        elif isinstance(value, _LongNumber):
            problems.append(f"{name}: the number is too long ({value}): send a short value")
        elif value is not None:
            try:
                read[name] = reader(value)
            except ValueError as exc:
                problems.append(f"{name}: {exc}")
    if problems:
        raise InputError("; ".join(problems))
    return read


def container(args: argparse.Namespace, data: Payload) -> Container:
    """Dependencies for the payload's MCC (``mccCustomerId``, else ``MCC_CUSTOMER_ID``)."""
    return Container(store_url=args.store, mcc=data.get("mccCustomerId"), actor="script")


def customer_id(data: Payload, key: str = "customerId") -> CustomerId:
    """The customer id read under ``key`` (``googleAdsCustomerId`` is accepted too).

    Raises:
        InputError: the payload has neither.
    """
    cid: CustomerId | None = data.get(key) or data.get("googleAdsCustomerId")
    if cid is None:
        raise InputError(f'the payload needs {key!r}, e.g. {{"{key}": "123-456-7890"}}')
    return cid


def run(main: Callable[[], dict[str, Any]]) -> NoReturn:
    """Run a script body; print its JSON result, or the error as JSON, and exit.

    The exit code is 0 on success; a result with ``"success": false`` exits with its
    ``exitCode`` (1 unless it says), an mcclink error with its own code, Ctrl-C with 130
    and anything unexpected with 1 (its traceback only with ``MCCLINK_DEBUG`` set). Ctrl-C
    is ignored once ``main`` has ended, so the result is written once.
    """
    try:
        interrupt.while_running()
        try:
            result = {"success": True, **main()}
        finally:
            interrupt.ignore()
        code = 0 if result["success"] else int(result.get("exitCode", 1))
    except MccLinkError as exc:
        result, code = _error(exc, str(exc)), exc.exit_code
    except KeyboardInterrupt:
        result, code = interrupt.RESULT, interrupt.INTERRUPTED
    except Exception as exc:  # the runner reads JSON, never a traceback
        if Settings.from_env().debug:
            traceback.print_exc()
        message = (
            f"unexpected {type(exc).__name__}: this is a bug in mcclink; rerun with "
            "MCCLINK_DEBUG=1 for its traceback on stderr and report it"
        )
        result, code = _error(exc, message), 1
    interrupt.write_result(result)
    sys.exit(code)


def _error(exc: Exception, message: str) -> dict[str, Any]:
    return {
        "success": False,
        "error": message,
        "errorType": type(exc).__name__,
        "errorCode": getattr(exc, "code", None),
        "requestId": getattr(exc, "request_id", None),
    }


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:80]
