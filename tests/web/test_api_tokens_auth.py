"""The API's bearer tokens: personal tokens with their owner's role at most, refusals that
say why without repeating the token, the break-glass MCC_API_TOKEN, and the throttle of
failures for every kind of token (issue #16, items 3 and 6)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.errors import ConfigurationError
from mcclink.staff import Role, token_id_of
from mcclink.staff_service import StaffDirectory
from mcclink.web.app import create_app
from mcclink.web.auth import api_principal
from mcclink.web.security import AUTH_FAILURES, WebSettings
from tests.web.conftest import TOKEN
from tests.web.staffing import as_request

ANA = "ana@agencia.com.br"
STATS = "/api/v1/stats"
#: Where a personal token's secret starts: after ``mcl_``, its 12-character id and ``_``.
SECRET_AT = len("mcl_") + 12 + 1


@pytest.fixture
def staff(web_container: Container) -> StaffDirectory:
    return StaffDirectory(web_container.store, "cli:test")


@pytest.fixture
def ana_token(staff: StaffDirectory) -> str:
    """An operator token of Ana, an operator."""
    staff.add_user(ANA, Role.OPERATOR)
    secret, _ = staff.create_token("ci", Role.OPERATOR, ANA)
    return secret


def _get(client: TestClient, token: str, path: str = STATS) -> tuple[int, dict[str, object]]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def _refusal(client: TestClient, token: str) -> str:
    status, body = _get(client, token)
    assert status == 401, body
    assert token not in str(body)
    assert token[SECRET_AT:] not in str(body)
    return str(body["detail"])


def test_a_personal_token_acts_with_its_role_as_its_named_actor(
    client: TestClient, web_app: FastAPI, ana_token: str
) -> None:
    assert _get(client, ana_token)[0] == 200

    principal = api_principal(as_request(web_app, bearer=ana_token))
    assert (principal.kind, principal.role, principal.email) == ("token", Role.OPERATOR, ANA)
    assert principal.actor == f"token:ci ({ANA})"
    assert principal.token is not None
    assert principal.session is None


def test_a_token_acts_with_no_more_than_its_owner_s_role_now(
    web_app: FastAPI, staff: StaffDirectory, ana_token: str
) -> None:
    staff.set_role(ANA, Role.VIEWER)

    assert api_principal(as_request(web_app, bearer=ana_token)).role is Role.VIEWER


def test_a_revoked_token_is_refused_at_once_saying_so(
    client: TestClient, staff: StaffDirectory, ana_token: str
) -> None:
    assert _get(client, ana_token)[0] == 200
    staff.revoke_token(ana_token)

    detail = _refusal(client, ana_token)
    assert f"API token mcl_{token_id_of(ana_token)} was revoked on " in detail


def test_an_expired_token_is_refused_with_its_date_and_the_fix(
    client: TestClient, web_app: FastAPI, staff: StaffDirectory
) -> None:
    staff.add_user(ANA, Role.OPERATOR)
    secret, record = staff.create_token("old", Role.VIEWER, ANA, timedelta(days=30))
    assert _get(client, secret)[0] == 200
    assert record.expires_at is not None
    web_app.state.clock = lambda: record.created_at + timedelta(days=30)

    detail = _refusal(client, secret)
    assert f"expired on {record.expires_at:%Y-%m-%d %H:%M} UTC" in detail
    assert "mcclink tokens create" in detail


def test_a_token_whose_owner_was_removed_is_refused_as_revoked_even_after_they_return(
    client: TestClient, staff: StaffDirectory, ana_token: str
) -> None:
    staff.add_user("bia@agencia.com.br", Role.ADMIN)
    staff.remove_user(ANA)
    staff.add_user(ANA, Role.ADMIN)

    assert "was revoked on" in _refusal(client, ana_token)


def test_an_unknown_or_altered_token_is_refused_by_its_prefix_only(
    client: TestClient, ana_token: str
) -> None:
    altered = ana_token[:-4] + ("AAAA" if not ana_token.endswith("AAAA") else "BBBB")
    unknown = "mcl_zzzzzzzzzzzz_" + ana_token[SECRET_AT:]

    assert f"no API token mcl_{token_id_of(ana_token)} exists" in _refusal(client, altered)
    assert "no API token mcl_zzzzzzzzzzzz exists" in _refusal(client, unknown)


def test_a_request_without_a_token_is_told_which_header_to_send(client: TestClient) -> None:
    response = client.get(STATS)

    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


# -- the break-glass token ------------------------------------------------------------------


def test_break_glass_is_an_admin_token_while_there_is_no_user(
    api: TestClient, web_app: FastAPI
) -> None:
    assert api.get(STATS).status_code == 200

    principal = api_principal(as_request(web_app, bearer=TOKEN, client="198.51.100.4"))
    assert (principal.kind, principal.role, principal.email) == ("break-glass", Role.ADMIN, None)
    assert principal.actor == "break-glass:198.51.100.4"


def test_once_a_user_exists_break_glass_is_refused_saying_how_to_turn_it_on(
    client: TestClient, staff: StaffDirectory
) -> None:
    staff.add_user(ANA, Role.ADMIN)

    detail = _refusal(client, TOKEN)
    assert "MCC_BREAK_GLASS=on" in detail
    assert "mcclink tokens create" in detail


def test_with_break_glass_on_it_works_beside_users(
    web_container: Container, web_env: dict[str, str], staff: StaffDirectory
) -> None:
    staff.add_user(ANA, Role.ADMIN)
    app = create_app(web_container, WebSettings.from_env({**web_env, "MCC_BREAK_GLASS": "on"}))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert _get(client, TOKEN)[0] == 200


def test_a_set_but_refused_break_glass_token_is_warned_of_at_start(
    web_container: Container,
    web_env: dict[str, str],
    staff: StaffDirectory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    staff.add_user(ANA, Role.ADMIN)

    create_app(web_container, WebSettings.from_env(web_env))

    assert "MCC_API_TOKEN is set but refused" in caplog.text
    assert "MCC_BREAK_GLASS=on" in caplog.text
    assert TOKEN not in caplog.text


def test_a_personal_token_alone_is_a_way_in(
    web_container: Container, web_env: dict[str, str], staff: StaffDirectory
) -> None:
    secret, _ = staff.create_token("ci", Role.VIEWER, "cli:ana")
    environ = {k: v for k, v in web_env.items() if k != "MCC_API_TOKEN"}
    app = create_app(web_container, WebSettings.from_env(environ))
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert _get(client, secret)[0] == 200
        assert _get(client, TOKEN)[0] == 401  # not set: no break-glass at all


def test_the_server_starts_only_with_a_way_in(web_container: Container) -> None:
    with pytest.raises(ConfigurationError, match="nobody could sign in"):
        create_app(web_container, WebSettings.from_env({}))


def test_users_without_google_sign_in_or_a_usable_token_are_no_way_in(
    web_container: Container, staff: StaffDirectory
) -> None:
    staff.add_user("bia@agencia.com.br", Role.ADMIN)
    staff.revoke_token(staff.create_token("old", Role.VIEWER, "cli:ana")[1].id)

    with pytest.raises(ConfigurationError) as refused:
        create_app(web_container, WebSettings.from_env({}))

    assert "nobody could sign in: mcclink has users, but they sign in with Google" in str(
        refused.value
    )
    assert "MCC_STAFF_CLIENT_ID" in str(refused.value)


# -- the throttle ---------------------------------------------------------------------------


@pytest.fixture
def from_one_address(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, base_url="http://127.0.0.1", client=("192.0.2.8", 1)) as client:
        yield client


def test_unknown_personal_tokens_are_throttled_then_even_a_good_one_waits(
    from_one_address: TestClient, ana_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    guess = "mcl_aaaaaaaaaaaa_" + "x" * 43
    for _ in range(AUTH_FAILURES):
        assert _get(from_one_address, guess)[0] == 401

    status, body = _get(from_one_address, ana_token)

    assert status == 429
    assert "too many wrong tokens" in str(body["detail"])
    assert f"{AUTH_FAILURES} failed authentications from 192.0.2.8" in caplog.text
    assert guess not in caplog.text


def test_a_revoked_token_is_refused_but_is_no_guess(
    from_one_address: TestClient, staff: StaffDirectory, ana_token: str
) -> None:
    staff.revoke_token(ana_token)
    for _ in range(AUTH_FAILURES + 2):
        assert _get(from_one_address, ana_token)[0] == 401
    assert _get(from_one_address, TOKEN)[0] == 401  # break-glass is off now: a user exists
