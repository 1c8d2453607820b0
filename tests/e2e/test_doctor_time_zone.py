"""``mcclink doctor``'s settings check names a wrong ``MCC_TIMEZONE`` (the agency's zone,
whose days, weeks and months reports count in) with the other settings' problems."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.conftest import MCCLINK
from tests.e2e.test_settings_problems import assert_one_error_lists, run


def test_doctor_names_an_unknown_time_zone_with_the_other_problems(tmp_path: Path) -> None:
    done = run(
        tmp_path,
        MCCLINK,
        "doctor",
        "--json",
        MCC_CUSTOMER_ID="12-34",
        MCC_TIMEZONE="America/Sao_Paolo",
    )

    assert done.returncode == 2
    settings = json.loads(done.stdout)[0]
    assert settings["check"] == "settings"
    assert_one_error_lists(
        settings["detail"],
        "MCC_CUSTOMER_ID: invalid",
        "MCC_TIMEZONE 'America/Sao_Paolo' is not a time zone: set it to an IANA name such as "
        "America/Sao_Paulo",
    )


def test_doctor_accepts_an_iana_time_zone(tmp_path: Path) -> None:
    done = run(tmp_path, MCCLINK, "doctor", "--json", MCC_TIMEZONE="Europe/Lisbon")

    assert "MCC_TIMEZONE" not in json.loads(done.stdout)[0]["detail"]
