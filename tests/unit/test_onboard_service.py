"""OnboardingService's rules on the fake Google Ads (agency and advertiser) and a real SQLite store.

The advertiser ("ana") is ADMIN of SOL and READ_ONLY of LUA unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from mcclink.domain import CustomerId, LinkStatus, Operation, Outcome, utcnow
from mcclink.errors import (
    AccountNotFound,
    AuthenticationFailed,
    GoogleAdsError,
    LinkRefused,
    OnboardingLinkInvalid,
    PermissionDenied,
    TransientError,
)
from mcclink.onboard_problems import Reason, explain
from mcclink.onboard_service import AccountChoice, OnboardingService
from mcclink.onboarding import OnboardingLink, new_link
from mcclink.ports import AccountInfo, Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

EMAIL = "ana@sol.com.br"
ACTOR = f"advertiser:{EMAIL}"
UNKNOWN = CustomerId.parse("999-999-9999")


@pytest.fixture
def onboarding(store: Store, ads: FakeAds) -> OnboardingService:
    ads.infos[SOL] = AccountInfo(
        SOL, "Sol Padaria", "BRL", "America/Sao_Paulo", False, False, "ENABLED"
    )
    return OnboardingService(store, ads)


@pytest.fixture
def ana(ads: FakeAds) -> FakeAds:
    """Google as Ana's token sees it."""
    return ads.as_user({SOL.digits: "ADMIN", LUA.digits: "READ_ONLY"})


def make_link(
    store: Store, customer: CustomerId | None = None, *, expires_in: timedelta = timedelta(days=14)
) -> tuple[OnboardingLink, str]:
    link, token = new_link(MCC, customer, expires_in, "test")
    return store.create_onboarding_link(link), token


def counts(store: Store, link: OnboardingLink) -> tuple[int, int, int]:
    fresh = store.get_onboarding_link(link.id)
    assert fresh is not None
    return fresh.opened, fresh.signed_in, fresh.accepted


def history(store: Store, cid: CustomerId) -> list[tuple[Operation, Outcome, str]]:
    entries = reversed(list(store.client_history(MCC, cid)))
    return [(e.operation, e.outcome, e.actor) for e in entries]


def stored_status(store: Store, cid: CustomerId) -> LinkStatus | None:
    client = store.get_client(MCC, cid)
    return client.status if client else None


# -- open ----------------------------------------------------------------------------------


def test_open_returns_the_link_and_counts_it_opened(
    onboarding: OnboardingService, store: Store
) -> None:
    link, token = make_link(store, SOL)

    assert onboarding.open(token).id == link.id
    assert onboarding.open(token, count=False).id == link.id
    assert counts(store, link) == (1, 0, 0)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # wrong secret
        lambda token: "x" * 16 + token[16:],  # no such id
        lambda token: "not a token",
    ],
)
def test_a_wrong_token_is_unknown_and_never_repeated(
    onboarding: OnboardingService, store: Store, tamper: Callable[[str], str]
) -> None:
    link, token = make_link(store, SOL)
    bad = tamper(token)

    with pytest.raises(OnboardingLinkInvalid) as caught:
        onboarding.open(bad)

    assert caught.value.reason == "unknown"
    assert bad not in str(caught.value)
    assert counts(store, link) == (0, 0, 0)


def test_an_expired_or_revoked_link_says_so(store: Store, ads: FakeAds) -> None:
    link, token = make_link(store, SOL, expires_in=timedelta(hours=1))
    later = OnboardingService(store, ads, clock=lambda: utcnow() + timedelta(hours=2))
    with pytest.raises(OnboardingLinkInvalid) as expired:
        later.open(token)

    store.revoke_onboarding_link(link.id, utcnow())
    with pytest.raises(OnboardingLinkInvalid) as revoked:
        OnboardingService(store, ads).open(token)

    assert (expired.value.reason, revoked.value.reason) == ("expired", "revoked")
    assert counts(store, link) == (0, 0, 0)


# -- accounts ------------------------------------------------------------------------------


def test_the_general_page_offers_every_account_the_sign_in_reaches(
    onboarding: OnboardingService, store: Store, ana: FakeAds
) -> None:
    link, _ = make_link(store)

    choices = onboarding.accounts(link, ana)

    assert choices == [
        AccountChoice(SOL, "Sol Padaria", "BRL"),
        AccountChoice(LUA, f"Account {LUA}", "BRL"),
    ]
    assert counts(store, link) == (0, 1, 0)


def test_a_link_for_one_account_offers_it_alone_preselected(
    onboarding: OnboardingService, store: Store, ana: FakeAds
) -> None:
    link, _ = make_link(store, LUA)

    assert onboarding.accounts(link, ana) == [
        AccountChoice(LUA, f"Account {LUA}", "BRL", preselected=True)
    ]


def test_a_link_for_an_account_the_sign_in_does_not_reach_says_so(
    onboarding: OnboardingService, store: Store, ads: FakeAds
) -> None:
    link, _ = make_link(store, LUA)

    [choice] = onboarding.accounts(link, ads.as_user({SOL.digits: "ADMIN"}), locale="pt-BR")

    assert (choice.customer_id, choice.reason, choice.preselected) == (
        LUA,
        Reason.NOT_REACHED,
        False,
    )
    assert choice.problem is not None
    assert "não abre a conta 444-555-6666" in choice.problem


# -- accept --------------------------------------------------------------------------------


def test_accept_registers_invites_and_accepts_as_the_advertiser(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    link, _ = make_link(store)

    [outcome] = onboarding.accept(link, EMAIL, ana, [SOL])

    assert (outcome.ok, outcome.already, outcome.name, outcome.problem) == (
        True,
        False,
        "Sol Padaria",
        None,
    )
    client = store.get_client(MCC, SOL)
    assert client is not None
    assert (client.status, client.name, client.email) == (
        LinkStatus.APPROVED,
        "Sol Padaria",
        EMAIL,
    )
    assert ads.links[(MCC, SOL)].status is LinkStatus.APPROVED
    assert history(store, SOL) == [
        (Operation.REGISTER, Outcome.SUCCESS, ACTOR),
        (Operation.INVITE, Outcome.SUCCESS, ACTOR),
        (Operation.RESPOND, Outcome.SUCCESS, ACTOR),
    ]
    assert all(e.request_id for e in store.client_history(MCC, SOL) if e.operation != "REGISTER")
    assert counts(store, link) == (0, 0, 1)


def test_an_account_already_pending_is_accepted_without_a_second_invitation(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    staff = GoogleAdsMCCService(store, ads, actor="cli:staff")
    staff.register(MCC, Registration(SOL, "Sol"), invite=True)
    link, _ = make_link(store, SOL)

    [outcome] = onboarding.accept(link, EMAIL, ana, [SOL])

    assert outcome.ok
    assert ads.invitations[SOL] == 1
    assert [op for op, _, actor in history(store, SOL) if actor == ACTOR] == [Operation.RESPOND]


def test_an_account_already_linked_is_reported_linked_and_not_counted(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    link, _ = make_link(store, SOL)
    onboarding.accept(link, EMAIL, ana, [SOL])

    [again] = onboarding.accept(link, EMAIL, ana, [SOL])

    assert (again.ok, again.already) == (True, True)
    assert counts(store, link) == (0, 0, 1)


def test_a_stale_pending_is_read_again_and_invited_anew(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    GoogleAdsMCCService(store, ads).register(MCC, Registration(SOL, "Sol"), invite=True)
    ads.advertiser(MCC.digits, SOL.digits, LinkStatus.REJECTED)  # declined in Google Ads
    link, _ = make_link(store, SOL)

    [outcome] = onboarding.accept(link, EMAIL, ana, [SOL])

    assert outcome.ok
    assert stored_status(store, SOL) is LinkStatus.APPROVED
    assert ads.invitations[SOL] == 2


# -- each failure: plain words, and nothing changed but that account's recorded attempt ----


def refuse(code: str) -> LinkRefused:
    return LinkRefused("refused", code=code, request_id="req-x")


FAILURES = {
    # name: (who fails, method, error, expected reason, stored status afterwards)
    "5 managers": (
        "agency",
        "send_invitation",
        refuse("ManagerLinkError.TOO_MANY_MANAGERS"),
        Reason.TOO_MANY_MANAGERS,
        LinkStatus.NOT_LINKED,
    ),
    "test vs production": (
        "agency",
        "send_invitation",
        refuse("ManagerLinkError.INVALID_CHANGE"),
        Reason.TEST_VS_PRODUCTION,
        LinkStatus.NOT_LINKED,
    ),
    "under another manager of the hierarchy": (
        "agency",
        "send_invitation",
        refuse("ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY"),
        Reason.IN_HIERARCHY,
        LinkStatus.NOT_LINKED,
    ),
    "cancelled": (
        "advertiser",
        "describe_account",
        AccountNotFound("not enabled", code="AuthorizationError.CUSTOMER_NOT_ENABLED"),
        Reason.NOT_ENABLED,
        None,
    ),
    "does not exist": (
        "advertiser",
        "describe_account",
        AccountNotFound("no such account", code="AuthenticationError.CUSTOMER_NOT_FOUND"),
        Reason.NOT_FOUND,
        None,
    ),
    "no admin access": (
        "advertiser",
        "respond",
        PermissionDenied("read only", code="AuthorizationError.ACTION_NOT_PERMITTED"),
        Reason.NO_ADMIN,
        LinkStatus.PENDING,
    ),
    "Google unavailable": (
        "advertiser",
        "respond",
        TransientError("unavailable", code="StatusCode.UNAVAILABLE"),
        Reason.UNAVAILABLE,
        LinkStatus.PENDING,
    ),
    "sign-in expired": (
        "advertiser",
        "respond",
        AuthenticationFailed("expired", code="AuthenticationError.OAUTH_TOKEN_EXPIRED"),
        Reason.SIGN_IN_EXPIRED,
        LinkStatus.PENDING,
    ),
    "agency credentials refused": (
        "agency",
        "send_invitation",
        PermissionDenied("no", code="AuthorizationError.ACTION_NOT_PERMITTED"),
        Reason.AGENCY_SETUP,
        LinkStatus.NOT_LINKED,
    ),
}


@pytest.mark.parametrize("case", FAILURES, ids=list(FAILURES))
def test_each_failure_is_explained_and_changes_nothing_else(
    onboarding: OnboardingService, store: Store, ads: FakeAds, case: str
) -> None:
    side, method, error, reason, status = FAILURES[case]
    ana = ads.as_user({SOL.digits: "ADMIN", LUA.digits: "ADMIN"})
    (ads if side == "agency" else ana).failures[method] = error
    link, _ = make_link(store)

    failed, linked = onboarding.accept(link, EMAIL, ana, [SOL, LUA], locale="pt-BR")

    assert (failed.customer_id, failed.ok, failed.reason, failed.code) == (
        SOL,
        False,
        reason,
        error.code,
    )
    assert failed.problem == explain(reason, SOL, "pt-BR")
    assert stored_status(store, SOL) is status
    google = ads.links.get((MCC, SOL))
    assert (google.status if google else None) is (
        LinkStatus.PENDING if status is LinkStatus.PENDING else None
    )
    assert linked.ok  # the other account is unaffected
    assert stored_status(store, LUA) is LinkStatus.APPROVED
    assert counts(store, link) == (0, 0, 1)


def test_no_admin_access_keeps_the_recorded_invitation_for_an_administrator(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    link, _ = make_link(store, LUA)

    [refused] = onboarding.accept(link, EMAIL, ana, [LUA])
    admin = ads.as_user({LUA.digits: "ADMIN"})
    [accepted] = onboarding.accept(link, "beto@lua.com.br", admin, [LUA])

    assert (refused.reason, refused.code) == (
        Reason.NO_ADMIN,
        "AuthorizationError.ACTION_NOT_PERMITTED",
    )
    assert refused.problem is not None
    assert refused.problem.startswith("Only an administrator of account 444-555-6666")
    assert accepted.ok
    assert ads.invitations[LUA] == 1
    assert [(op, outcome) for op, outcome, _ in history(store, LUA)] == [
        (Operation.REGISTER, Outcome.SUCCESS),
        (Operation.INVITE, Outcome.SUCCESS),
        (Operation.RESPOND, Outcome.FAILED),
        (Operation.RESPOND, Outcome.SUCCESS),
    ]


def test_a_retry_after_google_was_unavailable_accepts_the_pending_invitation(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    link, _ = make_link(store, SOL)
    ana.failures["respond"] = TransientError("unavailable", code="StatusCode.UNAVAILABLE")

    [first] = onboarding.accept(link, EMAIL, ana, [SOL])
    pending = store.get_client(MCC, SOL)
    [retry] = onboarding.accept(link, EMAIL, ana, [SOL])

    assert (first.ok, first.reason) == (False, Reason.UNAVAILABLE)
    assert pending is not None
    assert pending.status is LinkStatus.PENDING
    assert pending.last_error is not None
    assert retry.ok
    assert stored_status(store, SOL) is LinkStatus.APPROVED
    assert ads.invitations[SOL] == 1
    failed_respond = next(e for e in store.client_history(MCC, SOL) if e.outcome is Outcome.FAILED)
    assert (failed_respond.operation, failed_respond.actor, failed_respond.error_code) == (
        Operation.RESPOND,
        ACTOR,
        "StatusCode.UNAVAILABLE",
    )


# -- the link's rules ----------------------------------------------------------------------


def test_a_link_for_one_account_accepts_only_that_account(
    onboarding: OnboardingService, store: Store, ads: FakeAds, ana: FakeAds
) -> None:
    link, _ = make_link(store, SOL)
    calls_before = sum(ads.calls.values())

    [other] = onboarding.accept(link, EMAIL, ana, [LUA])

    assert (other.ok, other.reason, other.code) == (False, Reason.OTHER_ACCOUNT, None)
    assert sum(ads.calls.values()) == calls_before + 1  # the sign-in's accounts, nothing more
    assert store.get_client(MCC, LUA) is None


def test_only_accounts_the_sign_in_reaches_can_be_accepted(
    onboarding: OnboardingService, store: Store, ads: FakeAds
) -> None:
    link, _ = make_link(store)
    sol_only = ads.as_user({SOL.digits: "ADMIN"})

    [unreached, manager] = onboarding.accept(link, EMAIL, sol_only, [LUA, MCC])

    assert (unreached.reason, manager.reason) == (Reason.NOT_REACHED, Reason.CANNOT_LINK)
    assert store.get_client(MCC, LUA) is None
    assert (MCC, LUA) not in ads.links


def test_accept_on_a_link_revoked_since_it_was_opened_is_refused(
    onboarding: OnboardingService, store: Store, ana: FakeAds
) -> None:
    link, token = make_link(store, SOL)
    opened = onboarding.open(token)
    store.revoke_onboarding_link(link.id, utcnow())

    with pytest.raises(OnboardingLinkInvalid, match="revoked"):
        onboarding.accept(opened, EMAIL, ana, [SOL])
    assert store.get_client(MCC, SOL) is None


def test_a_failure_to_list_the_advertisers_accounts_is_raised(
    onboarding: OnboardingService, store: Store, ana: FakeAds
) -> None:
    link, _ = make_link(store)
    ana.failures["list_accessible_customers"] = TransientError(
        "down", code="StatusCode.UNAVAILABLE"
    )

    with pytest.raises(GoogleAdsError):
        onboarding.accept(link, EMAIL, ana, [SOL])
