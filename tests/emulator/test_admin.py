"""The admin HTTP endpoints, and the ``respond`` / ``fetch_state`` client of another process."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from typing import Any

import pytest
from google.api_core.exceptions import ServiceUnavailable

from mcclink.emulator import Emulator, fetch_state, respond
from mcclink.errors import ConfigurationError, InputError, InvalidTransition
from tests.emulator.calls import ACAI, MCC, PADARIA, invite, stream
from tests.fixtures.emulator import AdsClientFactory


def admin(emulator: Emulator, path: str, body: object = None, raw: bytes | None = None) -> Any:
    """Call an admin endpoint; (HTTP status, JSON answer)."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(emulator.admin_url + path, data=data)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def test_state_lists_links_with_invitations_and_call_counters(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    invite(ads_client_factory(MCC), MCC, PADARIA)

    status, state = admin(fresh_emulator, "/_emulator/state")

    assert status == 200
    ours = [k for k in state["links"] if k["manager"] == MCC]
    assert [(k["client"], k["status"], k["invitations_sent"]) for k in ours] == [
        (PADARIA, "PENDING", 1)
    ]
    assert isinstance(ours[0]["manager_link_id"], int)
    assert state["calls"] == {"MutateCustomerClientLink": 1}
    assert state["knobs"]["fault_rate"] == 0.0


def test_respond_accepts_for_the_first_manager_by_default(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    invite(ads_client_factory(MCC), MCC, PADARIA)

    status, link = admin(
        fresh_emulator, "/_emulator/respond", {"client": "111-222-3333", "action": "accept"}
    )

    assert (status, link["manager"], link["status"]) == (200, MCC, "ACTIVE")
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "ACTIVE"


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"client": PADARIA, "action": "accept"}, 409, "never invited"),
        ({"client": PADARIA, "action": "dance"}, 400, "unknown action"),
        ({"action": "accept"}, 400, "'client' is required"),
        ({"client": "12", "action": "accept"}, 400, "invalid Google Ads customer id"),
        ({"client": "9876543210", "action": "accept"}, 400, "not in the emulator's scenario"),
    ],
)
def test_respond_refuses_what_an_advertiser_cannot_do(
    fresh_emulator: Emulator, body: dict[str, str], status: int, message: str
) -> None:
    answer = admin(fresh_emulator, "/_emulator/respond", body)

    assert answer[0] == status
    assert message in answer[1]["error"]


def test_respond_on_a_link_that_is_not_pending_is_a_conflict(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    invite(ads_client_factory(MCC), MCC, PADARIA)
    fresh_emulator.state.respond(PADARIA, MCC, "refuse")

    status, body = admin(
        fresh_emulator, "/_emulator/respond", {"client": PADARIA, "action": "accept"}
    )

    assert status == 409
    assert "No pending invitation" in body["error"]


def test_knobs_endpoint_sets_knobs_and_refuses_unknown_ones(fresh_emulator: Emulator) -> None:
    assert admin(fresh_emulator, "/_emulator/knobs", {"latency_ms": 5})[0] == 200
    assert fresh_emulator.state.knobs.latency_ms == 5

    status, body = admin(fresh_emulator, "/_emulator/knobs", {"latency": 5})

    assert status == 400
    assert "unknown knob" in body["error"]


def test_tokens_endpoint_revokes_and_restores_the_refresh_token(fresh_emulator: Emulator) -> None:
    form = (
        b"grant_type=refresh_token&refresh_token=mcclink-emulator-refresh-token"
        b"&client_id=mcclink-emulator.apps.local&client_secret=mcclink-emulator-client-secret"
    )
    assert admin(fresh_emulator, "/_emulator/tokens", {"action": "revoke"})[0] == 200
    assert admin(fresh_emulator, "/token", raw=form)[1]["error"] == "invalid_grant"

    assert admin(fresh_emulator, "/_emulator/tokens", {"action": "restore"})[0] == 200
    assert "access_token" in admin(fresh_emulator, "/token", raw=form)[1]
    assert admin(fresh_emulator, "/_emulator/tokens", {"action": "burn"})[0] == 400


def test_reset_endpoint_loads_a_posted_scenario_or_the_original(fresh_emulator: Emulator) -> None:
    scenario = {"managers": [{"id": "555-444-3333", "name": "Outra Agência"}]}

    assert admin(fresh_emulator, "/_emulator/reset", scenario)[0] == 200
    assert fresh_emulator.state.first_manager == "5554443333"
    assert admin(fresh_emulator, "/_emulator/reset", {})[0] == 200
    assert fresh_emulator.state.first_manager == MCC


def test_reset_endpoint_names_the_problem_of_a_bad_scenario(fresh_emulator: Emulator) -> None:
    status, body = admin(fresh_emulator, "/_emulator/reset", {"managers": "none"})

    assert status == 400
    assert body["error"].startswith("POST /_emulator/reset: managers must be a list")


@pytest.mark.parametrize(
    ("path", "raw", "status"),
    [
        ("/_emulator/nothing", b"{}", 404),
        ("/_emulator/knobs", b"{not json", 400),
        ("/_emulator/knobs", b"[1, 2]", 400),
    ],
)
def test_bad_admin_requests_get_json_errors(
    fresh_emulator: Emulator, path: str, raw: bytes, status: int
) -> None:
    answer = admin(fresh_emulator, path, raw=raw)

    assert answer[0] == status
    assert answer[1]["error"]


def test_respond_client_answers_for_the_advertiser_from_another_process(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    invite(ads_client_factory(MCC), MCC, ACAI)

    link = respond(fresh_emulator.admin_url, "222-333-4444", "refuse", manager=MCC)

    assert (link["client"], link["status"]) == (ACAI, "REFUSED")
    assert fetch_state(fresh_emulator.admin_url)["calls"] == {"MutateCustomerClientLink": 1}
    with pytest.raises(InvalidTransition, match="cannot accept"):
        respond(fresh_emulator.admin_url, ACAI, "accept")
    with pytest.raises(InputError, match="unknown action"):
        respond(fresh_emulator.admin_url, ACAI, "maybe")


def test_respond_client_says_how_to_start_an_emulator_that_is_not_running() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    with pytest.raises(ConfigurationError, match="mcclink emulator serve"):
        respond(f"http://127.0.0.1:{closed_port}", PADARIA, "accept")
    with pytest.raises(InputError, match="must start with http"):
        respond("127.0.0.1:1", PADARIA, "accept")


def test_faults_endpoint_fails_the_next_calls_of_one_method_and_nothing_else(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    status, _ = admin(
        fresh_emulator, "/_emulator/faults", {"method": "MutateCustomerClientLink", "count": 2}
    )
    ads = ads_client_factory(MCC)
    stream(ads, MCC, "SELECT customer.id FROM customer")  # another method is served

    for _ in range(2):
        with pytest.raises(ServiceUnavailable):
            invite(ads, MCC, PADARIA)
    invite(ads, MCC, PADARIA)

    assert status == 200
    assert fresh_emulator.state.link_status(MCC, PADARIA) == "PENDING"
    assert fresh_emulator.state.invitations_sent(PADARIA, MCC) == 1
    assert fresh_emulator.state.faults_injected == 2


@pytest.mark.parametrize(
    "body", [{"method": "Nonsense"}, {"method": "MutateCustomerClientLink", "count": -1}]
)
def test_faults_endpoint_refuses_an_unserved_method_or_a_negative_count(
    fresh_emulator: Emulator, body: dict[str, object]
) -> None:
    status, answer = admin(fresh_emulator, "/_emulator/faults", body)

    assert status == 400
    assert "error" in answer
