"""The advertiser's side over gRPC/TLS: a signed-in person's token, their accounts, their accept.

Ana is ADMIN of Padaria and READ_ONLY of Açaí; her token comes from the emulator's
authorization page and token endpoint over HTTP (``tests.fixtures.signin``). The last tests run
``OnboardingService`` on the emulator and a SQLite store.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from mcclink.ads import GoogleAdsClientService
from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome
from mcclink.emulator import Emulator
from mcclink.errors import AccountNotFound, AuthenticationFailed, PermissionDenied
from mcclink.onboard_problems import Reason
from mcclink.onboard_service import OnboardingService
from mcclink.onboarding import new_link
from mcclink.ports import AccountInfo, Store
from mcclink.store import open_store
from tests.ads.conftest import ACAI, CLOSED, MCC, PADARIA, SANDBOX
from tests.fixtures.emulator import AdsClientFactory, customer_client_links
from tests.fixtures.signin import add_user, user_token

ANA = "ana@padaria.com.br"


@pytest.fixture
def ana_token(emu: Emulator) -> str:
    """Ana's access token: ADMIN of Padaria, READ_ONLY of Açaí, ADMIN of the closed account."""
    access = {PADARIA.digits: "ADMIN", ACAI.digits: "READ_ONLY", CLOSED.digits: "ADMIN"}
    add_user(emu, ANA, access, name="Ana")
    return user_token(emu, ANA)


@pytest.fixture
def ana(ads: GoogleAdsClientService, ana_token: str) -> GoogleAdsClientService:
    """The agency's adapter, acting as Ana."""
    return ads.for_user(ana_token)


def test_a_users_gateway_lists_only_that_users_accounts(
    ads: GoogleAdsClientService, ana: GoogleAdsClientService
) -> None:
    assert ana.list_accessible_customers() == sorted([PADARIA, ACAI, CLOSED])
    assert MCC in ads.list_accessible_customers()  # the agency's own user, unchanged
    assert ana._conn.limiter is ads._conn.limiter  # one Cloud project: one pace for both


def test_describe_account_reads_the_accounts_own_customer_row(
    ana: GoogleAdsClientService, emu: Emulator
) -> None:
    padaria = ana.describe_account(PADARIA)
    account = emu.state.account(PADARIA.digits)
    assert account is not None

    assert padaria == AccountInfo(
        customer_id=PADARIA,
        name="Padaria",
        currency_code=account.currency_code,
        time_zone=account.time_zone,
        test_account=False,
        manager=False,
        status="ENABLED",
    )
    assert ana.describe_account(ACAI).name == "Açaí"  # READ_ONLY may read


def test_describe_account_through_the_agency_reads_a_test_account_and_a_manager(
    ads: GoogleAdsClientService,
) -> None:
    assert ads.describe_account(SANDBOX).test_account is True
    assert ads.describe_account(MCC).manager is True


def test_describe_account_of_a_cancelled_account_is_account_not_found(
    ana: GoogleAdsClientService,
) -> None:
    with pytest.raises(AccountNotFound) as caught:
        ana.describe_account(CLOSED)

    assert caught.value.code == "AuthorizationError.CUSTOMER_NOT_ENABLED"


def test_a_user_cannot_read_an_account_they_do_not_reach(ana: GoogleAdsClientService) -> None:
    with pytest.raises(PermissionDenied) as caught:
        ana.describe_account(MCC)

    assert caught.value.code == "AuthorizationError.USER_PERMISSION_DENIED"


def test_an_admin_accepts_the_agencys_invitation_and_google_shows_it_active(
    ads: GoogleAdsClientService,
    ana: GoogleAdsClientService,
    ads_client_factory: AdsClientFactory,
) -> None:
    invitation = ads.send_invitation(MCC, PADARIA).link

    answer = ana.respond_as_client(invitation, accept=True)

    assert answer.link.status is LinkStatus.APPROVED
    assert answer.request_id
    assert _google_status(ads_client_factory, MCC, PADARIA) == "ACTIVE"


def test_a_read_only_user_cannot_accept(
    ads: GoogleAdsClientService,
    ana: GoogleAdsClientService,
    ads_client_factory: AdsClientFactory,
) -> None:
    invitation = ads.send_invitation(MCC, ACAI).link

    with pytest.raises(PermissionDenied) as caught:
        ana.respond_as_client(invitation, accept=True)

    assert caught.value.code == "AuthorizationError.ACTION_NOT_PERMITTED"
    assert caught.value.request_id
    assert _google_status(ads_client_factory, MCC, ACAI) == "PENDING"


def test_the_token_is_in_no_error_text_and_no_log_record(
    ads: GoogleAdsClientService,
    ana: GoogleAdsClientService,
    ana_token: str,
    emu: Emulator,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    logging.getLogger("google.ads.googleads.client").setLevel(logging.DEBUG)
    try:
        texts = [repr(ana)]
        invitation = ads.send_invitation(MCC, ACAI).link
        for call in (
            lambda: ana.respond_as_client(invitation, accept=True),
            lambda: ana.describe_account(MCC),
            lambda: ana.describe_account(CLOSED),
        ):
            with pytest.raises(Exception) as caught:  # noqa: PT011 - each raises its own
                call()
            texts += [str(caught.value), repr(caught.value), str(caught.value.__cause__)]
        emu.state.tokens.expire_all()  # never refreshed: fails, says nothing of it
        with pytest.raises(AuthenticationFailed) as expired:
            ana.list_accessible_customers()
        texts += [str(expired.value), str(expired.value.__cause__)]
        assert expired.value.code == "AuthenticationError.OAUTH_TOKEN_EXPIRED"  # not refreshed
    finally:
        logging.getLogger("google.ads.googleads.client").setLevel(logging.ERROR)

    logged = [r.getMessage() + str(r.args) + str(r.exc_info) for r in caplog.records]
    assert logged  # the library did log each call
    assert not [t for t in texts + logged if ana_token in t]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(f"sqlite:///{tmp_path / 'mcclink.db'}", {})
    yield opened
    opened.close()


def test_onboarding_through_the_general_page_links_one_account_and_explains_the_other(
    ads: GoogleAdsClientService,
    ana: GoogleAdsClientService,
    ana_token: str,
    store: Store,
    ads_client_factory: AdsClientFactory,
) -> None:
    onboarding = OnboardingService(store, ads)
    link = store.create_onboarding_link(new_link(MCC, None, timedelta(days=1), "test")[0])

    choices = onboarding.accounts(link, ana)
    linked, refused = onboarding.accept(link, ANA, ana, [PADARIA, ACAI])

    assert [(c.customer_id, c.name, c.reason) for c in choices] == [
        (PADARIA, "Padaria", None),
        (ACAI, "Açaí", None),
        (CLOSED, "", Reason.NOT_ENABLED),
    ]
    assert (linked.ok, linked.name) == (True, "Padaria")
    assert _google_status(ads_client_factory, MCC, PADARIA) == "ACTIVE"
    assert (refused.ok, refused.reason, refused.code) == (
        False,
        Reason.NO_ADMIN,
        "AuthorizationError.ACTION_NOT_PERMITTED",
    )
    assert _google_status(ads_client_factory, MCC, ACAI) == "PENDING"
    entries = list(store.client_history(MCC, PADARIA)) + list(store.client_history(MCC, ACAI))
    assert {e.actor for e in entries} == {f"advertiser:{ANA}"}
    assert all(e.request_id for e in entries if e.operation is not Operation.REGISTER)
    assert [(e.operation, e.outcome) for e in reversed(list(store.client_history(MCC, ACAI)))] == [
        (Operation.REGISTER, Outcome.SUCCESS),
        (Operation.INVITE, Outcome.SUCCESS),
        (Operation.RESPOND, Outcome.FAILED),
    ]
    assert not [e for e in entries if ana_token in repr(e)]


def _google_status(factory: AdsClientFactory, manager: CustomerId, client: CustomerId) -> str:
    """The link's status as the official client reads it, logged in as the manager."""
    links = customer_client_links(factory, manager.digits)
    [status] = [status for cid, _, status in links if cid == client.digits]
    return status
