"""GoogleAdsMCCService.check_manager: before the first client under a manager other than the
installation's own, Google is asked once whether it is a manager the login reaches; nothing is
written when it is not, or when Google cannot be asked. On the fake Google Ads and SQLite."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from mcclink.domain import CustomerId
from mcclink.errors import (
    ConfigurationError,
    GoogleAdsError,
    InputError,
    PermissionDenied,
    TransientError,
)
from mcclink.ports import AccountInfo, AdsGateway, Store
from mcclink.service import GoogleAdsMCCService, Registration
from tests.fakes import FakeAds
from tests.unit.conftest import LUA, MCC, SOL

SUB = CustomerId.parse("100-000-0001")
GHOST = CustomerId.parse("999-999-9999")


@pytest.fixture
def google(ads: FakeAds) -> FakeAds:
    """The fake Google Ads, knowing SUB as a manager (SOL and LUA are client accounts)."""
    ads.accounts.add(SUB)
    ads.infos[SUB] = AccountInfo(SUB, "Filial", "BRL", "America/Sao_Paulo", False, True, "ENABLED")
    return ads


def checking(store: Store, ads: AdsGateway | Callable[[], AdsGateway]) -> GoogleAdsMCCService:
    """A service as the installation builds it: MCC is its own manager."""
    return GoogleAdsMCCService(store, ads, actor="test", verify_managers=True, home=MCC)


def nothing_under(store: Store, manager: CustomerId) -> bool:
    return not list(store.list_clients(manager)) and not list(store.client_history(manager, SOL))


def test_a_sub_manager_is_asked_about_once_then_known_from_the_store(
    store: Store, google: FakeAds
) -> None:
    service = checking(store, google)

    service.register(SUB, Registration(SOL, "Sol"))
    service.register(SUB, Registration(LUA, "Lua"))
    checking(store, google).register(SUB, Registration(GHOST, "Fantasma"))  # a later command

    assert google.calls["describe_account"] == 1
    assert [c.customer_id for c in store.list_clients(SUB)] == [SOL, LUA, GHOST]


def test_the_installations_own_manager_is_never_asked_about(store: Store, google: FakeAds) -> None:
    checking(store, google).register(MCC, Registration(SOL, "Sol"))

    assert google.calls.total() == 0


def test_a_client_account_as_manager_is_refused_before_anything_is_written(
    store: Store, google: FakeAds
) -> None:
    service = checking(store, google)

    for invite in (False, True):
        with pytest.raises(InputError, match="it is a client account, not a manager") as refused:
            service.register(LUA, Registration(SOL, "Sol"), invite=invite)
        assert "give --mcc a manager of your tree" in str(refused.value)
        assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" not in str(refused.value)  # no login helps
        assert "give mcc= a manager of your tree" in refused.value.told("api")

    assert nothing_under(store, LUA)
    assert google.invitations.total() == 0


@pytest.mark.parametrize(
    ("failure", "code", "fix"),
    [
        # GHOST is no account: another login cannot help, the id is to be checked.
        (None, "CUSTOMER_NOT_FOUND", "check the id given to --mcc (`mcclink hierarchy` lists"),
        (
            PermissionDenied("no access", code="AuthorizationError.USER_PERMISSION_DENIED"),
            "USER",
            "or set GOOGLE_ADS_LOGIN_CUSTOMER_ID to a manager above it",
        ),
    ],
    ids=["no-such-account", "permission-denied"],
)
def test_an_unknown_or_unreachable_account_is_refused_with_googles_answer(
    store: Store, google: FakeAds, failure: GoogleAdsError | None, code: str, fix: str
) -> None:
    if failure is not None:
        google.failures["describe_account"] = failure

    with pytest.raises(InputError, match=f"no enabled manager your login reaches.*{code}") as no:
        checking(store, google).register(GHOST, Registration(SOL, "Sol"))

    assert fix in str(no.value)
    if failure is None:
        assert "GOOGLE_ADS_LOGIN_CUSTOMER_ID" not in str(no.value)
        assert "check the id given as mcc= (GET /api/v1/hierarchy" in no.value.told("api")
    assert nothing_under(store, GHOST)


def test_google_unavailable_refuses_the_registration_and_the_next_run_asks_again(
    store: Store, google: FakeAds
) -> None:
    google.failures["describe_account"] = TransientError("UNAVAILABLE", code="UNAVAILABLE")
    service = checking(store, google)

    with pytest.raises(TransientError, match=r"100-000-0001 is not MCC_CUSTOMER_ID.*nothing was"):
        service.register(SUB, Registration(SOL, "Sol"))
    assert nothing_under(store, SUB)

    service.register(SUB, Registration(SOL, "Sol"))
    assert google.calls["describe_account"] == 2


def test_no_google_ads_settings_name_why_they_are_needed(store: Store) -> None:
    def no_settings() -> AdsGateway:
        raise ConfigurationError("GOOGLE_ADS_CLIENT_ID is not set")

    service = checking(store, no_settings)

    with pytest.raises(ConfigurationError) as refused:
        service.register(SUB, Registration(SOL, "Sol"))
    assert refused.value.problems == [
        "100-000-0001 is not MCC_CUSTOMER_ID and has no client yet, so Google Ads was asked "
        "whether it is a manager",
        "GOOGLE_ADS_CLIENT_ID is not set",
    ]
    assert nothing_under(store, SUB)
    service.register(MCC, Registration(SOL, "Sol"))  # its own manager needs no Google


def test_a_service_built_by_hand_checks_nothing(store: Store, google: FakeAds) -> None:
    GoogleAdsMCCService(store, google).register(LUA, Registration(SOL, "Sol"))

    assert google.calls.total() == 0
