"""Reminders to the advertiser: a pending invitation chases itself by e-mail.

A ``PENDING`` client with an e-mail address gets one message per step of ``MCC_REMIND_AT``
(ages since the invitation, default ``1d,3d,7d``), each with a new onboarding link (only its
hash is stored, so every message carries a link of its own) and what accepting means.
Only the latest step that is due is sent: a client found 8 days after the invitation gets
the 7-day message, not three at once.

**At most once per (invitation, step).** Before sending, a ``REMIND`` history entry claims
the step: its id is derived from the MCC, the customer, the invitation (its manager link id,
else its time) and the step, and its time is the step's due time, so every claimer writes
the same key; ``details["claim"]`` differs per claimer, so the store records one claim and
answers the others ``HistoryEntryExists``, and they do not send. This holds with several
monitors at once, on both stores. A process killed between the claim and the send loses that
step's message (it is never sent twice); a send that fails is recorded as a ``REMIND``
``FAILED`` entry with the error code and not retried.

Reminders stop as soon as the client leaves ``PENDING`` (accepted, refused, cancelled), or
unsubscribes (``POST /onboard/{token}/unsubscribe``, one-click per RFC 8058), which sets the
client attribute ``unsubscribed_at`` and records an ``UNSUBSCRIBE`` entry.

History never holds a link's token or URL: the claim names the onboarding link by its id.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from mcclink.config import check_all
from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LinkStatus,
    Operation,
    Outcome,
    parse_duration,
    utcnow,
)
from mcclink.errors import (
    ClientNotFound,
    ConfigurationError,
    HistoryEntryExists,
    InputError,
    MailError,
    OnboardingLinkInvalid,
    VersionConflict,
)
from mcclink.mail import (
    Mail,
    Mailer,
    MailRejected,
    MailSettingsRefused,
    MailUnavailable,
    check_mail,
    locale_for,
    new_message_id,
)
from mcclink.onboarding import (
    DEFAULT_EXPIRY,
    OnboardingLink,
    link_url,
    new_link,
    parse_token,
    secret_matches,
)
from mcclink.ports import Store
from mcclink.reminder_mail import render
from mcclink.serialization import format_timestamp

if TYPE_CHECKING:
    from mcclink.bootstrap import Container

REMIND_AT_VAR = "MCC_REMIND_AT"
DEFAULT_STEPS = "1d,3d,7d"
#: The client attribute an unsubscription sets (its time, ISO 8601).
UNSUBSCRIBED = "unsubscribed_at"
#: How long a reminder's onboarding link works.
LINK_EXPIRY = DEFAULT_EXPIRY
_UNSUBSCRIBE_TRIES = 5


def parse_steps(raw: str) -> tuple[timedelta, ...]:
    """``MCC_REMIND_AT``: comma-separated ages, increasing (``1d,3d,7d``, ``30s,2m``).

    Raises:
        ConfigurationError: empty, a part is not a duration, or the ages do not increase.
    """
    parts = [part.strip() for part in raw.split(",")]
    fix = f"set {REMIND_AT_VAR} to increasing ages such as {DEFAULT_STEPS} or 30s,2m"
    if not all(parts):
        raise ConfigurationError(f"{REMIND_AT_VAR} has an empty step in {raw!r}: {fix}")
    try:
        steps = tuple(parse_duration(part) for part in parts)
    except InputError as exc:
        raise ConfigurationError(f"{REMIND_AT_VAR}: {exc}; {fix}") from None
    if any(later <= earlier for earlier, later in pairwise(steps)):
        raise ConfigurationError(f"{REMIND_AT_VAR}={raw!r} does not increase: {fix}")
    return steps


def steps_from_env(environ: Mapping[str, str]) -> tuple[timedelta, ...]:
    """The steps ``MCC_REMIND_AT`` names, ``DEFAULT_STEPS`` when it is unset or blank.

    Raises:
        ConfigurationError: it is set and malformed.
    """
    return parse_steps(environ.get(REMIND_AT_VAR, "").strip() or DEFAULT_STEPS)


def invitation_start(client: Client) -> datetime | None:
    """When the client's pending invitation was sent (None: not known)."""
    return client.invited_at or client.status_changed_at


def claim_id(client: Client, step: int) -> str:
    """The id of the ``REMIND`` entry that claims ``step`` (1-based) of the client's current
    invitation: the same for every claimer, another for a later invitation."""
    start = invitation_start(client)
    invitation = client.manager_link_id or (start.isoformat() if start else "")
    key = f"{client.mcc_customer_id.digits}:{client.customer_id.digits}:{invitation}:{step}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def is_unsubscribed(client: Client) -> bool:
    """Whether the advertiser asked for no more reminders."""
    return UNSUBSCRIBED in client.attributes


@dataclass(frozen=True)
class Due:
    """One reminder that is due: ``step`` is 1-based, ``age`` the step's age."""

    client: Client
    step: int
    age: timedelta
    due_at: datetime

    @property
    def claim_id(self) -> str:
        return claim_id(self.client, self.step)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customer_id": self.client.customer_id.digits,
            "name": self.client.name,
            "email": self.client.email,
            "step": self.step,
            "age_seconds": int(self.age.total_seconds()),
            "due_at": format_timestamp(self.due_at),
        }


def due_step(client: Client, step: int, steps: tuple[timedelta, ...]) -> Due:
    """Step ``step`` (1-based) of ``steps`` for the client's current invitation.

    Raises:
        InputError: the invitation's time is not known, or there is no such step.
    """
    start = invitation_start(client)
    if start is None or not 1 <= step <= len(steps):
        raise InputError(f"client {client.customer_id} has no reminder step {step}")
    return Due(client, step, steps[step - 1], start + steps[step - 1])


def claim_entry(
    due: Due,
    *,
    actor: str,
    message_id: str,
    onboarding_link_id: str,
    claim: str | None = None,
) -> HistoryEntry:
    """The ``REMIND`` entry that claims ``due`` before its message is sent: id and time the
    same for every claimer (``claim_id``, the due time), ``details["claim"]`` (default: a
    new random value) its own, so the store records one claimer's entry only."""
    client = due.client
    return HistoryEntry(
        client.customer_id,
        client.mcc_customer_id,
        Operation.REMIND,
        Outcome.SUCCESS,
        status_before=client.status,
        status_after=client.status,
        actor=actor,
        details={
            "step": str(due.step),
            "message_id": message_id,
            "onboarding_link_id": onboarding_link_id,
            "claim": claim or uuid.uuid4().hex,
        },
        timestamp=due.due_at,
        id=due.claim_id,
    )


def due_reminders(
    clients: Iterable[Client],
    steps: tuple[timedelta, ...],
    now: datetime,
    reminded: frozenset[str] | set[str] = frozenset(),
) -> list[Due]:
    """The reminders due at ``now``: for each pending, subscribed client with an e-mail, its
    latest step whose age has passed, unless that step's claim id is in ``reminded``.

    Pure: reads nothing but its arguments.
    """
    due = []
    for client in clients:
        start = invitation_start(client)
        if (
            client.status is not LinkStatus.PENDING
            or not client.email
            or start is None
            or is_unsubscribed(client)
        ):
            continue
        latest = None
        for number, age in enumerate(steps, start=1):
            if start + age > now:
                break
            latest = Due(client, number, age, start + age)
        if latest is not None and latest.claim_id not in reminded:
            due.append(latest)
    return due


def plan(store: Store, mcc: CustomerId, steps: tuple[timedelta, ...], now: datetime) -> list[Due]:
    """The reminders due for ``mcc``: one listing of its pending clients, then one history
    read per client with a step due (to leave out the steps already claimed).

    Raises:
        StoreError: the store could not be read.
    """
    candidates = due_reminders(store.list_clients(mcc, LinkStatus.PENDING), steps, now)
    claimed = set()
    for due in candidates:
        for entry in store.client_history(mcc, due.client.customer_id):
            if entry.operation is Operation.REMIND and entry.outcome is Outcome.SUCCESS:
                claimed.add(entry.id)
    return [due for due in candidates if due.claim_id not in claimed]


@dataclass(frozen=True)
class Result:
    """What became of one due reminder: ``sent``, ``failed`` or ``skipped`` (claimed by
    another process, or the client changed since the plan)."""

    due: Due
    outcome: str
    message_id: str | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.due.to_dict() | {
            "outcome": self.outcome,
            "message_id": self.message_id,
            "error": self.error,
        }


@dataclass(frozen=True)
class RemindReport:
    """One reminder pass over an MCC: what was due and, unless a dry run, what was done."""

    mcc: CustomerId
    dry_run: bool
    due: tuple[Due, ...]
    results: tuple[Result, ...] = field(default=())

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mcc": self.mcc.digits,
            "dry_run": self.dry_run,
            "due": [d.to_dict() for d in self.due],
            "sent": self.count("sent"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "results": [r.to_dict() for r in self.results],
        }


def remind(
    container: Container,
    *,
    dry_run: bool,
    now: datetime | None = None,
    mcc: CustomerId | None = None,
    actor: str | None = None,
) -> RemindReport:
    """One reminder pass over ``mcc`` (default: the container's MCC): plan, then (unless
    ``dry_run``) claim, send and record each due reminder as ``actor`` (default: the
    container's).

    Raises:
        ConfigurationError: ``MCC_REMIND_AT`` is malformed, or (to send) the mail settings,
            ``MCC_PUBLIC_URL`` or ``MCC_LOCALE`` are missing or wrong; every problem in one
            error. ``MailSettingsRefused`` (one) when the mail server refuses the settings.
        MailUnavailable: the SMTP server did not answer (checked before anything is claimed).
        StoreError: the store failed.
    """
    at = now or utcnow()
    if dry_run:
        owner = mcc or container.mcc
        steps = steps_from_env(container.environ)
        return RemindReport(owner, True, tuple(plan(container.store, owner, steps, at)))
    mailer = remind_settings(container, mcc)
    owner = mcc or container.mcc
    due = plan(container.store, owner, steps_from_env(container.environ), at)
    settings = container.settings.mail
    if due and settings is not None and settings.scheme != "ses":
        # Reach the SMTP server before claiming anything: a refused setting or a server that
        # is down then costs no step its message (SES is asked nothing but SendEmail).
        check_mail(settings)
    results = tuple(_send(container, mailer, d, actor or container.actor) for d in due)
    return RemindReport(owner, False, tuple(due), results)


def remind_settings(container: Container, mcc: CustomerId | None = None) -> Mailer:
    """The mailer, once every setting sending reminders needs is checked (the MCC too,
    unless ``mcc`` is given).

    Raises:
        ConfigurationError: every problem of ``MCC_REMIND_AT``, the MCC, ``MCC_PUBLIC_URL``,
            ``MCC_LOCALE`` and the mail settings, in one error.
    """
    check_all(
        lambda: steps_from_env(container.environ),
        lambda: mcc or container.mcc,
        lambda: container.settings.public_url,
        lambda: locale_for(None, container.environ),
        lambda: require_mailer(container),
    )
    return require_mailer(container)


def require_mailer(container: Container) -> Mailer:
    """The container's mailer.

    Raises:
        ConfigurationError: ``MCC_MAIL_URL`` is unset (or the mail settings are wrong).
    """
    mailer = container.mailer
    if mailer is None:
        raise ConfigurationError(
            "mail is not configured: set MCC_MAIL_URL (smtp://user:pass@host:587, "
            "smtps://…, or ses://?region=…) and MCC_MAIL_FROM to send reminders"
        )
    return mailer


def message(
    container: Container,
    client: Client,
    token: str,
    expires_at: datetime,
    message_id: str | None = None,
) -> Mail:
    """The reminder to ``client`` carrying the onboarding link of URL token ``token``.

    Raises:
        InputError: the client's address is not one e-mail address.
    """

    url = link_url(container.settings.public_url, token)
    unsubscribe_url = f"{url}/unsubscribe"
    rendered = render(
        client,
        agency=container.settings.agency_name or f"MCC {client.mcc_customer_id.dashed}",
        url=url,
        unsubscribe_url=unsubscribe_url,
        expires_at=expires_at,
        locale=locale_for(client, container.environ),
    )
    assert client.email is not None
    return Mail(
        to=client.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        unsubscribe_url=unsubscribe_url,
        message_id=message_id or new_message_id(),
    )


def preview(container: Container, customer_id: CustomerId, now: datetime | None = None) -> Mail:
    """The reminder ``customer_id`` would get, with a placeholder link: nothing is stored.

    Raises:
        ClientNotFound: the client is not registered under the MCC.
        InputError: the client has no e-mail address.
        ConfigurationError: ``MCC_PUBLIC_URL`` or ``MCC_LOCALE`` is missing or wrong.
    """
    check_all(lambda: container.mcc, lambda: container.settings.public_url)
    client = container.store.get_client(container.mcc, customer_id)
    if client is None:
        raise ClientNotFound(container.mcc.digits, customer_id.digits)
    if not client.email:
        raise InputError(
            f"client {customer_id} has no e-mail address: reminders go only to clients "
            "registered with one (--email of mcclink clients add, the email column of "
            "mcclink clients import)"
        )
    return message(container, client, "LINK-ID.SECRET", (now or utcnow()) + LINK_EXPIRY)


def _send(container: Container, mailer: Mailer, due: Due, actor: str) -> Result:
    """Claim ``due`` (re-read first: the client may have moved on), then send and record.

    A client address the mail cannot go to (stored before addresses were checked) is
    recorded like a refused message: once, and that step is done.
    """
    store = container.store
    client = store.get_client(due.client.mcc_customer_id, due.client.customer_id)
    if not _still_due(client, due):
        return Result(due, "skipped")
    assert client is not None
    link, token = new_link(client.mcc_customer_id, client.customer_id, LINK_EXPIRY, actor)
    message_id = new_message_id()
    claim = claim_entry(
        replace(due, client=client), actor=actor, message_id=message_id, onboarding_link_id=link.id
    )
    try:
        store.append_history(claim)
    except HistoryEntryExists:
        return Result(due, "skipped")
    try:
        mail = message(container, client, token, link.expires_at, message_id)
        store.create_onboarding_link(link)
        mailer.send(mail)
    except InputError as exc:  # the address
        return _failed(store, claim, due, MailRejected(str(exc)))
    except (MailRejected, MailUnavailable) as exc:
        result = _failed(store, claim, due, exc)
        if isinstance(exc, MailSettingsRefused):
            raise  # a setting to fix: every other message would fail alike
        return result
    return Result(due, "sent", message_id)


def _failed(store: Store, claim: HistoryEntry, due: Due, exc: MailError) -> Result:
    """Record that the claimed reminder was not sent (``REMIND`` FAILED, the claim's details
    but its ``claim``, and the error)."""
    code = "MAIL_REJECTED" if isinstance(exc, MailRejected) else "MAIL_UNAVAILABLE"
    store.append_history(
        replace(
            claim,
            outcome=Outcome.FAILED,
            error_code=code,
            error_message=str(exc),
            details={k: v for k, v in claim.details.items() if k != "claim"},
            timestamp=utcnow(),
            id=uuid.uuid4().hex,
        )
    )
    return Result(due, "failed", claim.details["message_id"], str(exc))


def _still_due(client: Client | None, due: Due) -> bool:
    """Whether ``client`` (read again) still waits on the invitation ``due`` was planned for."""
    return (
        client is not None
        and client.status is LinkStatus.PENDING
        and bool(client.email)
        and not is_unsubscribed(client)
        and claim_id(client, due.step) == due.claim_id
    )


def unsubscribe_link(store: Store, token: str) -> OnboardingLink:
    """The onboarding link of a client that the URL token ``token`` names (its expiry and
    revocation do not matter here); nothing is written.

    Raises:
        OnboardingLinkInvalid: "unknown": malformed, no such link, wrong secret, or a general
            (client-less) link.
        StoreError: the store failed.
    """
    try:
        link_id, secret = parse_token(token)
    except InputError:
        raise OnboardingLinkInvalid("unknown") from None
    link = store.get_onboarding_link(link_id)
    if link is None or link.customer_id is None or not secret_matches(link, secret):
        raise OnboardingLinkInvalid("unknown")
    return link


def unsubscribe(store: Store, token: str, actor: str, now: datetime | None = None) -> Client:
    """Record that the advertiser of the onboarding link ``token`` wants no more reminders:
    the client attribute ``unsubscribed_at`` and an ``UNSUBSCRIBE`` entry, once (asking
    again changes nothing). An expired or revoked link still unsubscribes: it came in a
    reminder, and stopping mail must keep working.

    Raises:
        OnboardingLinkInvalid: "unknown": malformed, no such link, wrong secret, a general
            (client-less) link, or a client no longer registered.
        StoreError: the store failed.
    """
    link = unsubscribe_link(store, token)
    assert link.customer_id is not None
    conflict: VersionConflict | None = None
    for _ in range(_UNSUBSCRIBE_TRIES):
        client = store.get_client(link.mcc_customer_id, link.customer_id)
        if client is None:
            raise OnboardingLinkInvalid("unknown")
        if is_unsubscribed(client):
            return client
        at = now or utcnow()
        attributes = dict(client.attributes) | {UNSUBSCRIBED: format_timestamp(at)}
        entry = HistoryEntry(
            client.customer_id,
            client.mcc_customer_id,
            Operation.UNSUBSCRIBE,
            Outcome.SUCCESS,
            status_before=client.status,
            status_after=client.status,
            actor=actor,
            details={"onboarding_link_id": link.id},
            timestamp=at,
        )
        try:
            return store.update_client(client.evolve(attributes=attributes), entry)
        except VersionConflict as exc:
            conflict = exc
    assert conflict is not None
    raise conflict
