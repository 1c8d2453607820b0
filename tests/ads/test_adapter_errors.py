"""Google's refusals and failures, as the adapter raises them, over the wire."""

from __future__ import annotations

import time

import pytest

from mcclink.ads import GoogleAdsClientService, RetryPolicy
from mcclink.config import Secret
from mcclink.domain import CustomerId, LinkStatus
from mcclink.emulator import CLIENT_SECRET, DEVELOPER_TOKEN, REFRESH_TOKEN, Emulator
from mcclink.errors import (
    AccountNotFound,
    AuthenticationFailed,
    GoogleAdsError,
    LinkRefused,
    PermissionDenied,
    TransientError,
)
from tests.ads.conftest import (
    CLOSED,
    CROWDED,
    FULL,
    INVITED,
    LINKED,
    MCC,
    PADARIA,
    PRIVATE,
    SANDBOX,
    SATURATED_MCC,
    SUSPENDED_MCC,
    UNKNOWN,
    MakeAds,
)

SECRETS = (REFRESH_TOKEN, CLIENT_SECRET, DEVELOPER_TOKEN)


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


def test_client_at_five_managers_is_refused_with_the_fix_and_request_id(
    ads: GoogleAdsClientService,
) -> None:
    with pytest.raises(LinkRefused) as caught:
        ads.send_invitation(MCC, FULL)

    error = caught.value
    assert error.code == "ManagerLinkError.TOO_MANY_MANAGERS"
    assert "at most 5 managers" in error.message
    assert error.request_id
    assert error.request_id in str(error)


def test_client_with_too_many_invitations_is_refused(ads: GoogleAdsClientService) -> None:
    with pytest.raises(LinkRefused) as caught:
        ads.send_invitation(MCC, CROWDED)

    assert caught.value.code == "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_INVITATIONS"
    assert "too many pending invitations" in caught.value.message


def test_invitation_already_pending_is_returned_as_already(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    change = ads.send_invitation(MCC, INVITED)

    assert change.already is True
    assert change.link.status is LinkStatus.PENDING
    assert change.link == ads.get_link(MCC, INVITED)
    assert change.request_id
    assert emu.state.invitations_sent(INVITED.digits, MCC.digits) == 0  # nothing new sent


def test_client_already_managed_is_returned_as_already(ads: GoogleAdsClientService) -> None:
    change = ads.send_invitation(MCC, LINKED)

    assert change.already is True
    assert change.link.status is LinkStatus.APPROVED


def test_cancelling_an_active_link_is_an_invalid_status_change(
    ads: GoogleAdsClientService,
) -> None:
    active = ads.get_link(MCC, LINKED)
    assert active is not None

    with pytest.raises(LinkRefused) as caught:
        ads.cancel_invitation(MCC, active)

    assert caught.value.code == "ManagerLinkError.INVALID_STATUS_CHANGE"
    assert "mcclink monitor --once" in caught.value.message


def test_answering_a_cancelled_invitation_finds_no_pending_invite(
    ads: GoogleAdsClientService,
) -> None:
    link = ads.send_invitation(MCC, PADARIA).link
    ads.cancel_invitation(MCC, link)

    with pytest.raises(LinkRefused) as caught:
        ads.respond_as_client(link, accept=True)

    assert caught.value.code == "CustomerManagerLinkError.NO_PENDING_INVITE"


def test_inviting_an_unknown_account_is_account_not_found(ads: GoogleAdsClientService) -> None:
    with pytest.raises(AccountNotFound) as caught:
        ads.send_invitation(MCC, UNKNOWN)

    assert caught.value.code == "RequestError.INVALID_CUSTOMER_ID"
    assert caught.value.message.startswith(
        "inviting 987-654-3210 to be managed by 123-456-7890: a customer id names no Google "
        "Ads account"
    )


def test_listing_an_unknown_manager_is_account_not_found(ads: GoogleAdsClientService) -> None:
    with pytest.raises(AccountNotFound) as caught:
        ads.list_links(UNKNOWN)

    assert caught.value.code == "AuthenticationError.CUSTOMER_NOT_FOUND"
    assert caught.value.message.startswith("listing the links of 987-654-3210: ")


def test_inviting_a_closed_account_is_account_not_found(ads: GoogleAdsClientService) -> None:
    with pytest.raises(AccountNotFound) as caught:
        ads.send_invitation(MCC, CLOSED)

    assert caught.value.code == "AuthorizationError.CUSTOMER_NOT_ENABLED"
    assert "not enabled" in caught.value.message


def test_production_manager_cannot_link_a_test_account(ads: GoogleAdsClientService) -> None:
    with pytest.raises(LinkRefused) as caught:
        ads.send_invitation(MCC, SANDBOX)

    assert caught.value.code == "ManagerLinkError.INVALID_CHANGE"
    assert "test accounts and production accounts" in caught.value.message


def test_suspended_manager_cannot_invite(ads: GoogleAdsClientService) -> None:
    with pytest.raises(LinkRefused) as caught:
        ads.send_invitation(SUSPENDED_MCC, PADARIA)

    assert caught.value.code == "ManagerLinkError.SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS"


@pytest.mark.parametrize(
    ("currency", "time_zone", "code", "fix"),
    [
        ("XXX", "America/Sao_Paulo", "CurrencyCodeError.UNSUPPORTED", "e.g. BRL"),
        ("BRL", "Mars/Olympus", "TimeZoneError.INVALID_TIME_ZONE", "e.g. America/Sao_Paulo"),
    ],
)
def test_bad_currency_or_time_zone_is_refused_with_an_example(
    ads: GoogleAdsClientService, currency: str, time_zone: str, code: str, fix: str
) -> None:
    with pytest.raises(GoogleAdsError) as caught:
        ads.create_client_account(MCC, "Loja", currency, time_zone)

    assert caught.value.code == code
    assert fix in caught.value.message


@pytest.mark.parametrize(
    ("manager", "code", "fix"),
    [
        (
            SATURATED_MCC,
            "CustomerClientLinkError.MAX_CUSTOMER_LIMIT_REACHED",
            "link existing accounts instead",
        ),
        (
            SUSPENDED_MCC,
            "CustomerError.CREATION_DENIED_INELIGIBLE_MCC",
            "create the account by hand and invite it",
        ),
    ],
)
def test_manager_that_may_not_create_accounts_is_told_why(
    ads: GoogleAdsClientService, manager: CustomerId, code: str, fix: str
) -> None:
    with pytest.raises(GoogleAdsError) as caught:
        ads.create_client_account(manager, "Loja", "BRL", "America/Sao_Paulo")

    assert caught.value.code == code
    assert fix in caught.value.message


def test_wrong_login_customer_is_permission_denied_naming_the_setting(make_ads: MakeAds) -> None:
    service = make_ads(login_customer_id=PADARIA)

    with pytest.raises(PermissionDenied) as caught:
        service.list_links(MCC)

    assert caught.value.code == "AuthorizationError.USER_PERMISSION_DENIED"
    assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" in caught.value.message


def test_answering_for_a_client_the_user_cannot_open_is_permission_denied(
    ads: GoogleAdsClientService,
) -> None:
    link = ads.send_invitation(MCC, PRIVATE).link

    with pytest.raises(PermissionDenied):
        ads.respond_as_client(link, accept=True)


def test_revoked_refresh_token_asks_for_a_new_one_without_showing_it(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    emu.state.tokens.revoke()

    with pytest.raises(AuthenticationFailed) as caught:
        ads.list_links(MCC)

    error = caught.value
    assert error.code == "OAuthError.INVALID_GRANT"
    assert "generate a new one and set GOOGLE_ADS_REFRESH_TOKEN" in str(error)
    assert ads.stats.retries == 0
    assert_no_secret(str(error), repr(error), repr(ads))


def test_access_token_revoked_mid_session_is_authentication_failed(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    ads.list_links(MCC)
    emu.state.tokens.revoke()

    with pytest.raises(AuthenticationFailed) as caught:
        ads.list_links(MCC)

    assert caught.value.code == "AuthenticationError.OAUTH_TOKEN_REVOKED"
    assert "GOOGLE_ADS_REFRESH_TOKEN" in caught.value.message


def test_wrong_client_secret_names_the_oauth_client_settings(make_ads: MakeAds) -> None:
    service = make_ads(client_secret=Secret("not-the-secret"))

    with pytest.raises(AuthenticationFailed) as caught:
        service.list_links(MCC)

    assert caught.value.code == "OAuthError.INVALID_CLIENT"
    assert "GOOGLE_ADS_CLIENT_SECRET" in caught.value.message
    assert "not-the-secret" not in str(caught.value)


def test_transient_faults_are_retried_until_success(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    emu.set_knobs(fault_rate=0.4, seed=3)

    for _ in range(8):
        ads.list_links(MCC)

    assert emu.state.faults_injected > 0
    assert ads.stats.retries == emu.state.faults_injected
    assert ads.stats.calls == 8 + ads.stats.retries


def test_a_retried_invitation_is_sent_once(ads: GoogleAdsClientService, emu: Emulator) -> None:
    emu.set_knobs(fault_rate=0.5, seed=11)

    change = ads.send_invitation(MCC, PADARIA)

    assert ads.stats.retries > 0
    assert change.link.status is LinkStatus.PENDING
    assert emu.state.invitations_sent(PADARIA.digits, MCC.digits) == 1


def test_unavailable_beyond_the_budget_is_a_transient_error(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    emu.set_knobs(fault_rate=1.0, seed=1)

    with pytest.raises(TransientError, match=r"gave up after 5 attempt\(s\)") as caught:
        ads.list_links(MCC)

    assert caught.value.code == "StatusCode.UNAVAILABLE"
    assert ads.stats.calls == 5
    assert ads.stats.retries == 4


def test_quota_error_waits_the_delay_google_asks_for(
    ads: GoogleAdsClientService, emu: Emulator
) -> None:
    emu.set_knobs(qps_limit=1)
    started = time.monotonic()
    ads.list_links(MCC)

    ads.list_links(MCC)  # over 1 per second: admitted only once the first leaves the window

    assert time.monotonic() - started >= 1.0
    assert emu.state.resource_exhausted >= 1
    assert ads.stats.retries == emu.state.resource_exhausted
    assert ads.stats.waited >= 0.5  # FAST_RETRY's own backoff alone is under 0.1 s


def test_quota_delay_beyond_the_deadline_gives_up_at_once(make_ads: MakeAds, emu: Emulator) -> None:
    service = make_ads(RetryPolicy(initial_backoff=0.01, deadline=0.2))
    emu.set_knobs(qps_limit=1)
    service.list_links(MCC)

    with pytest.raises(TransientError, match="Google asked to wait") as caught:
        service.list_links(MCC)

    assert caught.value.code == "QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED"
    assert caught.value.request_id
    assert service.stats.retries == 0


def test_request_ids_differ_per_call(ads: GoogleAdsClientService) -> None:
    ids = {ads.list_links(MCC).request_id for _ in range(3)}
    ids.add(ads.send_invitation(MCC, PADARIA).request_id)

    assert None not in ids
    assert len(ids) == 4
