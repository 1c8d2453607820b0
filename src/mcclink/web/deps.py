"""What routes get from the app: the container (store, service, MCC) built at start-up, and
the onboarding-link steps the pages and the API share."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Request

from mcclink.bootstrap import Container
from mcclink.domain import CustomerId
from mcclink.errors import OnboardingLinkNotFound
from mcclink.onboarding import OnboardingLink, link_url, new_link


def container(request: Request) -> Container:
    """The app's Container (set by ``create_app``); its store and service are shared."""
    built = request.app.state.container
    assert isinstance(built, Container)
    return built


def new_onboarding_link(
    built: Container, customer_id: CustomerId, expires_in: timedelta, created_by: str
) -> tuple[OnboardingLink, str]:
    """A new onboarding link for a registered client, stored, and its URL (shown once).

    Raises:
        ConfigurationError: ``MCC_PUBLIC_URL`` is unset or wrong.
        ClientNotFound: the client is not registered under the MCC.
        InputError: ``expires_in`` is out of range.
    """
    public_url = built.settings.public_url
    built.service.get(built.mcc, customer_id)
    link, token = new_link(built.mcc, customer_id, expires_in, created_by)
    return built.store.create_onboarding_link(link), link_url(public_url, token)


def mcc_onboarding_link(built: Container, link_id: str) -> OnboardingLink:
    """The MCC's onboarding link ``link_id`` (another MCC's is not found either).

    Raises:
        OnboardingLinkNotFound: no such link under the MCC.
    """
    link = built.store.get_onboarding_link(link_id)
    if link is None or link.mcc_customer_id != built.mcc:
        raise OnboardingLinkNotFound(link_id)
    return link
