"""The staff's side of onboarding links, shared by the CLI, the dashboard and the REST API:
make one (for a registered client, or the agency's general access page) and find one of
the MCC's. The advertiser's side is ``mcclink.onboard_service``.
"""

from __future__ import annotations

from datetime import timedelta

from mcclink.bootstrap import Container
from mcclink.config import check_all
from mcclink.domain import CustomerId
from mcclink.errors import OnboardingLinkNotFound
from mcclink.onboarding import OnboardingLink, link_url, new_link


def new_onboarding_link(
    built: Container,
    customer_id: CustomerId | None,
    expires_in: timedelta,
    created_by: str,
    *,
    mcc: CustomerId | None = None,
) -> tuple[OnboardingLink, str]:
    """A new onboarding link, stored, and its URL (shown once: only its hash is kept).

    Args:
        built: the container (settings, MCC, store).
        customer_id: the registered client the link is for; None for the general page.
        expires_in: how long the link works.
        created_by: who makes it (``cli:<user>``, ``user:<email>``, ``token:<name> (<owner>)``).
        mcc: the manager the link invites to; default the container's MCC.

    Raises:
        ConfigurationError: ``MCC_PUBLIC_URL`` is unset or wrong.
        ClientNotFound: ``customer_id`` is not registered under the MCC.
        InputError: ``expires_in`` is out of range, or ``customer_id`` is the MCC.
        StoreError: the store failed.
    """
    check_all(lambda: built.settings.public_url, lambda: mcc or built.mcc)
    public_url, manager = built.settings.public_url, mcc or built.mcc
    if customer_id is not None:
        built.service.get(manager, customer_id)
    link, token = new_link(manager, customer_id, expires_in, created_by)
    return built.store.create_onboarding_link(link), link_url(public_url, token)


def mcc_onboarding_link(
    built: Container, link_id: str, mcc: CustomerId | None = None
) -> OnboardingLink:
    """The onboarding link ``link_id`` of ``mcc`` (default the container's MCC; another
    manager's is not found either).

    Raises:
        OnboardingLinkNotFound: no such link under the MCC.
        StoreError: the store failed.
    """
    link = built.store.get_onboarding_link(link_id)
    if link is None or link.mcc_customer_id != (mcc or built.mcc):
        raise OnboardingLinkNotFound(link_id)
    return link
