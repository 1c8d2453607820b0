"""The scripts' shared layer: payload fields read by a schema, and one JSON result always."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mcclink import scripting
from mcclink.domain import CustomerId
from mcclink.errors import ClientNotFound, InputError


@pytest.fixture(autouse=True)
def pytests_own_ctrl_c() -> Iterator[None]:
    """Importing ``scripting`` and running a script body set SIGINT's handler: reset it."""
    yield
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.mark.parametrize(
    ("reader", "value", "expected"),
    [
        (scripting.boolean_field, False, False),
        (scripting.customer_id_field, "111-222-3333", CustomerId("1112223333")),
        (scripting.hours_field, 24, 24.0),
        (scripting.hours_field, 0.25, 0.25),
        (scripting.hours_field, scripting.MAX_PENDING_HOURS, float(scripting.MAX_PENDING_HOURS)),
        (scripting.optional_text_field, None, None),
        (scripting.choice_field("list", "invite"), "invite", "invite"),
    ],
)
def test_readers_take_values_of_their_type(
    reader: scripting.Reader, value: object, expected: object
) -> None:
    assert reader(value) == expected


@pytest.mark.parametrize(
    ("reader", "value"),
    [
        (scripting.boolean_field, "false"),
        (scripting.boolean_field, 1),
        (scripting.customer_id_field, 1112223333),
        (scripting.customer_id_field, "12"),
        (scripting.hours_field, "24"),
        (scripting.hours_field, True),
        (scripting.hours_field, 0),
        (scripting.hours_field, -5),
        (scripting.hours_field, float("nan")),
        (scripting.hours_field, float("inf")),
        (scripting.hours_field, 10**400),
        (scripting.text_field, ["a"]),
        (scripting.choice_field("list"), "LIST"),
    ],
)
def test_readers_refuse_values_of_another_type(reader: scripting.Reader, value: object) -> None:
    with pytest.raises(ValueError, match=r"must|invalid"):
        reader(value)


def test_fields_names_every_bad_and_unknown_field_at_once() -> None:
    schema: scripting.Schema = {"flag": scripting.boolean_field, "id": scripting.customer_id_field}

    with pytest.raises(InputError) as caught:
        scripting.fields({"flag": "yes", "id": 5, "flga": True}, schema)

    message = str(caught.value)
    assert 'flag: must be true or false (a JSON boolean), not "yes"' in message
    assert 'id: must be a string such as "123-456-7890", not 5' in message
    assert "unknown field 'flga': expected flag, id" in message


def test_null_counts_as_absent() -> None:
    assert scripting.fields({"flag": None}, {"flag": scripting.boolean_field}) == {}


def test_a_bad_field_is_named_before_a_colon() -> None:
    with pytest.raises(InputError) as refused:
        scripting.fields({"customerId": "12"}, {"customerId": scripting.customer_id_field})

    assert str(refused.value).startswith("customerId: invalid Google Ads customer id '12'")


def test_an_integer_too_long_to_read_is_named_with_its_field() -> None:
    long, negative = "1" + "0" * 5000, "-" + "9" * 5000
    params = f'{{"pendingHours": {long}, "mccCustomerId": [{negative}]}}'
    args = scripting.parser("test").parse_args(["--params", params])

    with pytest.raises(InputError) as refused:
        scripting.payload(args, {"pendingHours": scripting.hours_field})

    message = str(refused.value)
    assert "pendingHours: the number is too long (a number of 5,001 digits)" in message
    assert 'mccCustomerId: must be a string such as "123-456-7890", not ["a number of 5,000' in (
        message
    )
    assert "set_int_max_str_digits" not in message


def outcome(
    capsys: pytest.CaptureFixture[str], main: Callable[[], dict[str, Any]]
) -> tuple[int, Any, str]:
    with pytest.raises(SystemExit) as exited:
        scripting.run(main)
    out, err = capsys.readouterr()
    assert isinstance(exited.value.code, int)
    return exited.value.code, json.loads(out), err


def test_run_prints_an_mcclink_error_as_json_with_its_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def main() -> dict[str, Any]:
        raise ClientNotFound("1234567890", "1112223333")

    code, result, _ = outcome(capsys, main)

    assert code == 2
    assert result["errorType"] == "ClientNotFound"
    assert "1112223333 is not registered" in result["error"]


def test_run_turns_an_unexpected_failure_into_json_without_its_text_or_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MCCLINK_DEBUG", raising=False)

    def main() -> dict[str, Any]:
        raise RuntimeError("token=s3cr3t went wrong")

    code, result, err = outcome(capsys, main)

    assert code == 1
    assert result["success"] is False
    assert result["errorType"] == "RuntimeError"
    assert "MCCLINK_DEBUG=1" in result["error"]
    assert "s3cr3t" not in json.dumps(result) + err
    assert "Traceback" not in err


def test_run_shows_the_traceback_on_stderr_with_mcclink_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCCLINK_DEBUG", "1")

    def main() -> dict[str, Any]:
        raise RuntimeError("boom")

    code, _, err = outcome(capsys, main)

    assert code == 1
    assert "Traceback" in err
    assert "RuntimeError: boom" in err


def test_run_answers_ctrl_c_with_json_and_130(capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> dict[str, Any]:
        raise KeyboardInterrupt

    code, result, _ = outcome(capsys, main)

    assert (code, result["errorType"]) == (130, "Interrupted")


def test_run_answers_repeated_ctrl_c_once(capsys: pytest.CaptureFixture[str]) -> None:
    def main() -> dict[str, Any]:
        try:
            os.kill(os.getpid(), signal.SIGINT)
        finally:  # the script's cleanup runs undisturbed by a second Ctrl-C
            os.kill(os.getpid(), signal.SIGINT)
        return {}

    code, result, _ = outcome(capsys, main)

    assert (code, result["errorType"]) == (130, "Interrupted")


def test_a_failed_result_exits_with_its_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert outcome(capsys, lambda: {"success": False})[0] == 1
    assert outcome(capsys, lambda: {"success": False, "exitCode": 2})[0] == 2
    assert outcome(capsys, lambda: {"checked": 3})[:2] == (0, {"success": True, "checked": 3})
