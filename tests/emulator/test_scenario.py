"""Scenarios: the demo, JSON loading, and errors that name the file, problem and shape."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mcclink.emulator import Scenario
from mcclink.emulator.scenario import EXPECTED_SHAPE, MAX_MANAGERS_PER_CLIENT, Knobs
from mcclink.emulator.state import EmulatorState
from mcclink.errors import InputError


def test_demo_has_one_agency_and_ten_brazilian_advertisers_one_at_its_manager_limit() -> None:
    demo = Scenario.demo()

    assert [(m.id, m.name) for m in demo.managers] == [("1234567890", "Agência Demo")]
    assert len(demo.clients) == 10
    names = {c.id: c.name for c in demo.clients}
    assert names["1112223333"] == "Padaria São João"
    assert names["2223334444"] == "Açaí & Cia"
    at_limit = [c.id for c in demo.clients if c.existing_managers == MAX_MANAGERS_PER_CLIENT]
    assert at_limit == ["5556667777"]


def test_demo_ids_are_the_ones_the_module_documents() -> None:
    from mcclink.emulator import scenario

    assert scenario.__doc__ is not None
    for client in Scenario.demo().clients:
        dashed = f"{client.id[:3]}-{client.id[3:6]}-{client.id[6:]}"
        assert f"``{dashed}`` {client.name}" in " ".join(scenario.__doc__.split())


def test_dashed_ids_and_traits_are_read() -> None:
    loaded = Scenario.from_json(
        json.dumps(
            {
                "managers": [{"id": "123-456-7890", "name": "A", "test_account": True}],
                "clients": [
                    {"id": "111-222-3333", "name": "B", "linked_to": ["123-456-7890"]},
                    {"id": "2223334444", "name": "C", "status": "CANCELED", "accessible": False},
                ],
                "qps_limit": 3,
            }
        )
    )

    assert loaded.managers[0].id == "1234567890"
    assert loaded.managers[0].test_account is True
    assert loaded.clients[0].linked_to == ("1234567890",)
    assert (loaded.clients[1].status, loaded.clients[1].accessible) == ("CANCELED", False)
    assert loaded.knobs == Knobs(qps_limit=3)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{", "invalid JSON"),
        ("[]", "the top level must be a JSON object"),
        ('{"managers": []}', "at least one manager"),
        ('{"managers": [{"name": "A"}]}', "managers[0].id is missing"),
        ('{"managers": [{"id": "12", "name": "A"}]}', "managers[0].id: invalid Google Ads"),
        ('{"managers": [{"id": "1234567890", "name": " "}]}', "managers[0].name must be"),
        ('{"managers": [{"id": "1234567890", "name": "A", "vip": 1}]}', "unknown key(s) ['vip']"),
        ('{"managers": [{"id": "1234567890", "name": "A"}], "fault_rate": 2}', "fault_rate"),
        ('{"managers": [{"id": "1234567890", "name": "A"}], "qps_limit": true}', "qps_limit"),
        (
            '{"managers": [{"id": "1234567890", "name": "A"}, {"id": "1234567890", "name": "B"}]}',
            "used more than once: ['1234567890']",
        ),
        (
            '{"managers": [{"id": "1234567890", "name": "A"}],'
            ' "clients": [{"id": "1112223333", "name": "B", "status": "PAUSED"}]}',
            "clients[0].status must be one of",
        ),
        (
            '{"managers": [{"id": "1234567890", "name": "A"}],'
            ' "clients": [{"id": "1112223333", "name": "B", "linked_to": ["2223334444"]}]}',
            "names no scenario manager",
        ),
        (
            '{"managers": [{"id": "1234567890", "name": "A"}], "clients": [{"id": "1112223333",'
            ' "name": "B", "existing_managers": 5, "linked_to": ["1234567890"]}]}',
            "more than 5 managers",
        ),
    ],
)
def test_bad_scenarios_name_the_source_the_problem_and_the_shape(text: str, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        Scenario.from_json(text, source="mine.json")

    message = str(caught.value)
    assert message.startswith("mine.json: ")
    assert problem in message
    assert message.endswith(EXPECTED_SHAPE)


def test_loading_a_file_names_it_when_it_is_missing_or_wrong(tmp_path: Path) -> None:
    missing, broken = tmp_path / "missing.json", tmp_path / "broken.json"
    broken.write_text('{"managers": 1}', encoding="utf-8")

    with pytest.raises(InputError, match=r"cannot read scenario file .*missing\.json"):
        Scenario.load(missing)
    with pytest.raises(InputError, match=r"broken\.json: managers must be a list"):
        Scenario.load(broken)


def test_a_scenario_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "ok.json"
    path.write_text('{"managers": [{"id": "1234567890", "name": "Agência"}]}', encoding="utf-8")

    assert Scenario.load(path).managers[0].name == "Agência"


def test_outside_managers_never_take_a_scenario_account_id() -> None:
    state = EmulatorState(
        Scenario.from_dict(
            {
                "managers": [{"id": "1234567890", "name": "A"}],
                "clients": [
                    {"id": "1112223333", "name": "B", "existing_managers": 2},
                    {"id": "9000000001", "name": "C"},
                ],
            }
        )
    )

    assert state.active_managers("1112223333") == ["9000000002", "9000000003"]
    account = state.account("9000000001")
    assert account is not None
    assert (account.name, account.manager) == ("C", False)


AGENCY = {
    "managers": [{"id": "1234567890", "name": "A"}],
    "clients": [{"id": "1112223333", "name": "B"}],
}
ANA = {"email": "Ana@Padaria.com.br", "name": "Ana", "access": {"111-222-3333": "READ_ONLY"}}
APP = {"client_id": "app", "client_secret": "s", "redirect_uris": ["https://app.example/cb"]}


def test_users_and_oauth_clients_are_read() -> None:
    loaded = Scenario.from_dict(
        {**AGENCY, "users": [{**ANA, "hd": "padaria.com.br"}], "oauth_clients": [APP]}
    )

    (user,) = loaded.users
    assert (user.email, user.access, user.hd) == (
        "ana@padaria.com.br",
        {"1112223333": "READ_ONLY"},
        "padaria.com.br",
    )
    assert loaded.oauth_clients[0].redirect_uris == ("https://app.example/cb",)
    assert EmulatorState(loaded).user("ANA@padaria.com.br") == user
    assert user.email_verified is True


def test_a_user_may_have_an_address_google_has_not_verified() -> None:
    loaded = Scenario.from_dict({**AGENCY, "users": [{**ANA, "email_verified": False}]})

    assert loaded.users[0].email_verified is False


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        (
            {"users": [{**ANA, "access": {"1112223333": "OWNER"}}]},
            "users[0].access['1112223333'] must be one of",
        ),
        (
            {"users": [{**ANA, "access": {"2223334444": "ADMIN"}}]},
            "users[0].access names no scenario account: ['2223334444']",
        ),
        (
            {"users": [{**ANA, "access": {"12": "ADMIN"}}]},
            "users[0].access['12']: invalid Google Ads",
        ),
        (
            {"users": [ANA, {**ANA, "name": "Twin"}]},
            "users: used more than once: ['ana@padaria.com.br']",
        ),
        ({"users": [{**ANA, "email": "ana"}]}, "users[0].email must be an email address"),
        ({"users": [{**ANA, "hd": ""}]}, "users[0].hd must be a non-empty string"),
        ({"users": [{**ANA, "email_verified": "no"}]}, "users[0].email_verified must be"),
        ({"oauth_clients": [{**APP, "redirect_uris": []}]}, "needs at least one URI"),
        ({"oauth_clients": [{**APP, "redirect_uris": ["/cb"]}]}, "must be an absolute http(s) URI"),
        ({"oauth_clients": [{**APP, "redirect_uris": ["https://a.example/cb#x"]}]}, "fragment"),
        ({"oauth_clients": [APP, APP]}, "oauth_clients: used more than once: ['app']"),
        (
            {"oauth_clients": [{**APP, "client_id": "mcclink-emulator.apps.local"}]},
            "emulator's own client",
        ),
    ],
)
def test_bad_users_and_clients_are_explained(section: dict[str, object], problem: str) -> None:
    with pytest.raises(InputError) as caught:
        Scenario.from_dict({**AGENCY, **section}, source="mine.json")

    assert problem in str(caught.value)
