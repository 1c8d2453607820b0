"""POST /api/v1/clients never answers a 4xx after writing (issue #14, item 21): Google checks
the invitation first (validate_only), and a failure after the registration is a 5xx."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import Emulator
from mcclink.errors import LinkRefused, TransientError
from mcclink.ports import LinkChange

PADARIA = CustomerId.parse("111-222-3333")
#: Under 5 other managers already: Google answers ManagerLinkError.TOO_MANY_MANAGERS.
PET_SHOP = CustomerId.parse("555-666-7777")
#: In no scenario: the account does not exist.
NOBODY = CustomerId.parse("999-999-9999")


def _post(api: TestClient, cid: CustomerId) -> tuple[int, dict[str, object]]:
    answer = api.post("/api/v1/clients", json={"customer_id": cid.dashed, "name": "Cliente"})
    body: dict[str, object] = answer.json()
    return answer.status_code, body


def _nothing_written(container: Container, emulator: Emulator, cid: CustomerId) -> None:
    assert container.store.get_client(container.mcc, cid) is None
    assert list(container.store.client_history(container.mcc, cid)) == []
    assert emulator.state.link_status(container.mcc.digits, cid.digits) is None


@pytest.mark.parametrize(
    ("cid", "status", "code"),
    [(PET_SHOP, 409, "LinkRefused"), (NOBODY, 422, "AccountNotFound")],
)
def test_an_invitation_google_would_refuse_is_refused_with_nothing_written(
    api: TestClient,
    web_container: Container,
    fresh_emulator: Emulator,
    cid: CustomerId,
    status: int,
    code: str,
) -> None:
    answered, body = _post(api, cid)

    assert (answered, body["code"]) == (status, code)
    assert cid.dashed in str(body["detail"])
    _nothing_written(web_container, fresh_emulator, cid)


def test_an_accepted_check_sends_exactly_one_invitation(
    api: TestClient, web_container: Container, fresh_emulator: Emulator
) -> None:
    answered, body = _post(api, PADARIA)

    assert (answered, body["status"]) == (201, "PENDING")
    assert fresh_emulator.state.calls["MutateCustomerClientLink"] == 2  # the check, then it
    mcc = web_container.mcc.digits
    assert fresh_emulator.state.invitations_sent(PADARIA.digits, mcc) == 1
    assert fresh_emulator.state.link_status(mcc, PADARIA.digits) == "PENDING"


def _fail_after_the_check(
    container: Container, monkeypatch: pytest.MonkeyPatch, failure: Exception
) -> None:
    """Google passes the check, then fails the invitation itself (it changed in between)."""
    send: Callable[..., LinkChange] = container.ads.send_invitation

    def invitation(
        manager: CustomerId, client: CustomerId, *, validate_only: bool = False
    ) -> LinkChange:
        if validate_only:
            return send(manager, client, validate_only=True)
        raise failure

    monkeypatch.setattr(container.ads, "send_invitation", invitation)


@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (LinkRefused("too many managers", code="ManagerLinkError.TOO_MANY_MANAGERS"), 502),
        (TransientError("unavailable", code="UNAVAILABLE"), 503),
    ],
)
def test_a_failure_after_the_registration_is_a_5xx_that_says_it_is_registered(
    api: TestClient,
    web_container: Container,
    monkeypatch: pytest.MonkeyPatch,
    failure: Exception,
    status: int,
) -> None:
    _fail_after_the_check(web_container, monkeypatch, failure)

    answered, body = _post(api, PADARIA)

    assert answered == status
    detail = str(body["detail"])
    assert f"client {PADARIA.dashed} is registered" in detail
    assert f"POST /api/v1/clients/{PADARIA.digits}/invite" in detail
    client = web_container.store.get_client(web_container.mcc, PADARIA)
    assert client is not None
    assert client.status is LinkStatus.NOT_LINKED
    assert client.last_error is not None
