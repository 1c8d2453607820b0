"""OnboardingService: an advertiser opens a link, signs in with Google and accepts the invitation.

The public API of the shared design (issue 13), with these choices, for the web pages:

- ``OnboardingService(store, agency_ads, *, clock=utcnow)``: no ``public_url``, as the
  service builds no address (links are made with ``mcclink.onboarding.new_link``).
- ``open(token, *, count=True)``: ``count=False`` checks the link again without counting
  OPENED (the sign-in redirect and the callback re-check a link already opened).
- ``accounts(link, advertiser_ads, *, locale="en")`` counts SIGNED_IN: it runs once per
  sign-in, at the callback, so a person who signs in and chooses nothing still counts.
- ``accept(link, advertiser_email, advertiser_ads, chosen, *, locale="en")``.
- Problems are plain words and what to do, in ``locale`` ("en", or "pt-BR" for any
  ``pt``), from ``mcclink.onboard_problems``; ``reason`` names the entry, ``code`` is Google's
  error code (None for mcclink's own rules: another account than the link's, an account the
  sign-in does not reach).
- The caller owns ``advertiser_ads`` (``Container.advertiser_ads(access_token)``) and closes
  it after the request: the advertiser's token lives in it, in memory, and nowhere else.

Each accepted account is the MCC's invitation (sent with the agency's credentials when none
is pending) answered as the client with the advertiser's token, through
``GoogleAdsMCCService`` with actor ``advertiser:<email>``, so both land in history with
Google's request ids and the status becomes APPROVED at once. Nothing is half-done: an
invitation sent but not accepted (Google unavailable, or the person is not an administrator)
stays PENDING and recorded, and opening the link again accepts it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from mcclink.domain import Client, CustomerId, LinkStatus, Operation, storable_name, utcnow
from mcclink.errors import (
    ClientExists,
    GoogleAdsError,
    InputError,
    LinkRefused,
    OnboardingLinkInvalid,
    StoreUnavailable,
)
from mcclink.onboard_problems import Reason, Side, explain, reason_for
from mcclink.onboarding import (
    OnboardingEvent,
    OnboardingLink,
    OnboardingState,
    parse_token,
    secret_matches,
)
from mcclink.ports import (
    AccountInfo,
    AdsGateway,
    Store,
)
from mcclink.service import GoogleAdsMCCService, Registration

#: Google's answer to accepting an invitation that is no longer pending (the stored PENDING
#: is stale: declined or withdrawn in Google Ads): read the link again and invite anew, once.
_NO_PENDING_INVITE = "CustomerManagerLinkError.NO_PENDING_INVITE"


@dataclass(frozen=True)
class AccountChoice:
    """An account offered to the advertiser; one with a ``problem`` cannot be chosen."""

    customer_id: CustomerId
    name: str = ""
    currency_code: str = ""
    test_account: bool = False
    preselected: bool = False
    problem: str | None = None
    reason: Reason | None = None
    code: str | None = None


@dataclass(frozen=True)
class AccountOutcome:
    """What happened to one chosen account: linked (``ok``), or why not and what to do."""

    customer_id: CustomerId
    ok: bool
    name: str = ""
    #: True when the account was already linked to the MCC: nothing was done.
    already: bool = False
    problem: str | None = None
    reason: Reason | None = None
    code: str | None = None


class OnboardingService:
    """An advertiser's way through an onboarding link, recorded like any other change."""

    def __init__(
        self,
        store: Store,
        agency_ads: AdsGateway | Callable[[], AdsGateway],
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Build the service.

        Args:
            store: where links, clients and history live.
            agency_ads: the agency's Google Ads gateway (or a factory called on first use):
                it sends the MCC's invitations.
            clock: the current time (links expire).
        """
        self.store = store
        self._agency = agency_ads
        self._clock = clock

    @cached_property
    def agency_ads(self) -> AdsGateway:
        """The agency's gateway (built on first use when a factory was given)."""
        return self._agency if isinstance(self._agency, AdsGateway) else self._agency()

    def open(self, token: str, *, count: bool = True) -> OnboardingLink:
        """The usable link a URL token names; counts OPENED unless ``count`` is False.

        Raises:
            OnboardingLinkInvalid: "unknown" (malformed, no such link, wrong secret: the same
                answer, so a page reveals nothing), "expired" or "revoked".
            StoreError: the store failed.
        """
        try:
            link_id, secret = parse_token(token)
        except InputError:
            raise OnboardingLinkInvalid("unknown") from None
        link = self.store.get_onboarding_link(link_id)
        if link is None or not secret_matches(link, secret):
            raise OnboardingLinkInvalid("unknown")
        self._check_usable(link)
        if count:
            self.store.count_onboarding_event(link.id, OnboardingEvent.OPENED)
        return link

    def accounts(
        self, link: OnboardingLink, advertiser_ads: AdsGateway, *, locale: str = "en"
    ) -> list[AccountChoice]:
        """The accounts the signed-in advertiser may choose; counts SIGNED_IN.

        A link that names an account offers that account only (preselected), with a problem
        when the sign-in does not reach it; the general page offers every account the
        sign-in reaches (preselected when there is just one).

        Raises:
            GoogleAdsError: the advertiser's accounts could not be listed.
            StoreError: the store failed.
        """
        self.store.count_onboarding_event(link.id, OnboardingEvent.SIGNED_IN)
        reachable = set(advertiser_ads.list_accessible_customers())
        offered = [link.customer_id] if link.customer_id else sorted(reachable)
        return [
            self._choice(link, customer, reachable, advertiser_ads, locale, len(offered) == 1)
            for customer in offered
        ]

    def accept(
        self,
        link: OnboardingLink,
        advertiser_email: str,
        advertiser_ads: AdsGateway,
        chosen: Iterable[CustomerId],
        *,
        locale: str = "en",
    ) -> list[AccountOutcome]:
        """Link each chosen account to the link's MCC: invite if needed, accept as the client.

        Each account succeeds or fails alone; a failure changes nothing but that account's
        recorded attempt. Counts ACCEPTED once per account linked now.

        Raises:
            OnboardingLinkInvalid: the link expired or was revoked since it was opened.
            GoogleAdsError: the advertiser's accounts could not be listed.
            StoreError: the store failed.
        """
        current = self.store.get_onboarding_link(link.id)
        if current is None:
            raise OnboardingLinkInvalid("unknown")
        self._check_usable(current)
        email = advertiser_email.strip()
        actor = f"advertiser:{email}"
        attempt = _Attempt(
            link=current,
            email=email,
            advertiser_ads=advertiser_ads,
            reachable=set(advertiser_ads.list_accessible_customers()),
            agency=GoogleAdsMCCService(self.store, lambda: self.agency_ads, actor=actor),
            client=GoogleAdsMCCService(self.store, advertiser_ads, actor=actor),
            locale=locale,
        )
        outcomes = []
        for customer in dict.fromkeys(chosen):
            outcome = self._link(attempt, customer)
            if outcome.ok and not outcome.already:
                self.store.count_onboarding_event(current.id, OnboardingEvent.ACCEPTED)
            outcomes.append(outcome)
        return outcomes

    # -- one account ---------------------------------------------------------------------

    def _choice(
        self,
        link: OnboardingLink,
        customer: CustomerId,
        reachable: set[CustomerId],
        advertiser_ads: AdsGateway,
        locale: str,
        alone: bool,
    ) -> AccountChoice:
        refusal = _refusal(link, customer, reachable)
        if refusal is not None:
            return AccountChoice(
                customer, problem=explain(refusal, customer, locale), reason=refusal
            )
        try:
            info = advertiser_ads.describe_account(customer)
        except GoogleAdsError as exc:
            reason = reason_for(exc, Side.ADVERTISER)
            problem = explain(reason, customer, locale)
            return AccountChoice(customer, problem=problem, reason=reason, code=exc.code)
        return AccountChoice(
            customer,
            name=info.name,
            currency_code=info.currency_code,
            test_account=info.test_account,
            preselected=alone or customer == link.customer_id,
        )

    def _link(self, attempt: _Attempt, customer: CustomerId) -> AccountOutcome:
        """Check the rules, register (if new), invite (unless pending), accept: one account."""
        refusal = _refusal(attempt.link, customer, attempt.reachable)
        if refusal is not None:
            return attempt.failed(customer, "", refusal)
        name = ""
        try:
            info = attempt.advertiser_ads.describe_account(customer)
            name = info.name
            client = self._registered(attempt, info)
            try:
                already = self._settle(attempt, client)
            except LinkRefused as exc:
                if exc.code != _NO_PENDING_INVITE:
                    raise
                already = self._settle(attempt, self._reread(attempt.agency, client))
        except _AgencyFailure as failure:
            return attempt.failed(
                customer, name, reason_for(failure.error, Side.AGENCY), failure.error
            )
        except (GoogleAdsError, StoreUnavailable) as exc:
            return attempt.failed(customer, name, reason_for(exc, Side.ADVERTISER), exc)
        return AccountOutcome(customer, True, name, already=already)

    def _registered(self, attempt: _Attempt, info: AccountInfo) -> Client:
        """The client as stored; registered now (named as in Google Ads) if it was not."""
        mcc = attempt.link.mcc_customer_id
        stored = self.store.get_client(mcc, info.customer_id)
        if stored is not None:
            return stored
        registration = Registration(
            info.customer_id,
            storable_name(info.name, str(info.customer_id)),
            attempt.email,
            {"currency_code": info.currency_code, "time_zone": info.time_zone},
        )
        try:
            return attempt.agency.register(mcc, registration)
        except ClientExists:  # the same advertiser in another tab, a moment earlier
            return attempt.agency.get(mcc, info.customer_id)

    @staticmethod
    def _settle(attempt: _Attempt, client: Client) -> bool:
        """Invite unless pending, then accept as the client; True if it was already linked."""
        if client.status not in (LinkStatus.PENDING, LinkStatus.APPROVED):
            with _agency_side():
                client = attempt.agency.invite(client.mcc_customer_id, client.customer_id)
        if client.status is LinkStatus.APPROVED:
            return True
        attempt.client.respond(client.mcc_customer_id, client.customer_id, accept=True)
        return False

    @staticmethod
    def _reread(service: GoogleAdsMCCService, client: Client) -> Client:
        """Make the stored link Google's again (a stale PENDING), as the monitor would."""
        read_at = utcnow()
        with _agency_side():
            link = service.ads.get_link(client.mcc_customer_id, client.customer_id)
        note = "read again: the stored invitation was no longer pending at Google"
        return service.apply_link(client, link, Operation.SYNC, note=note, read_at=read_at)

    def _check_usable(self, link: OnboardingLink) -> None:
        state = link.state(self._clock())
        if state is OnboardingState.EXPIRED:
            raise OnboardingLinkInvalid("expired")
        if state is OnboardingState.REVOKED:
            raise OnboardingLinkInvalid("revoked")


@dataclass(frozen=True)
class _Attempt:
    """One ``accept`` call: the link, who signed in, what their token reaches, and the
    service on each side, both recording as the advertiser: ``agency`` registers and invites
    with the agency's credentials, ``client`` accepts with the advertiser's token."""

    link: OnboardingLink
    email: str
    advertiser_ads: AdsGateway
    reachable: set[CustomerId]
    agency: GoogleAdsMCCService
    client: GoogleAdsMCCService
    locale: str

    def failed(
        self,
        customer: CustomerId,
        name: str,
        reason: Reason,
        error: GoogleAdsError | StoreUnavailable | None = None,
    ) -> AccountOutcome:
        """The outcome of an account not linked, in plain words."""
        return AccountOutcome(
            customer,
            False,
            name,
            problem=explain(reason, customer, self.locale),
            reason=reason,
            code=error.code if isinstance(error, GoogleAdsError) else None,
        )


class _AgencyFailure(Exception):
    """A failure of a call made with the agency's credentials (so not the advertiser's)."""

    def __init__(self, error: GoogleAdsError) -> None:
        super().__init__(str(error))
        self.error = error


@contextmanager
def _agency_side() -> Iterator[None]:
    try:
        yield
    except GoogleAdsError as exc:
        raise _AgencyFailure(exc) from exc


def _refusal(
    link: OnboardingLink, customer: CustomerId, reachable: set[CustomerId]
) -> Reason | None:
    """mcclink's own rules, checked before any call: the link's account, the sign-in's reach."""
    if link.customer_id is not None and customer != link.customer_id:
        return Reason.OTHER_ACCOUNT
    if customer == link.mcc_customer_id:
        return Reason.CANNOT_LINK
    if customer not in reachable:
        return Reason.NOT_REACHED
    return None
