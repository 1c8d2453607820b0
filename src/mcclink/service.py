"""GoogleAdsMCCService: every use case of mcclink, each one recorded in ExecutionHistory.

The service owns the rules; the store and the Google Ads gateway are passed in (ports.py).
Every write that changes a client goes through ``_commit``: read fresh, decide, write with
the version read, and try again from a fresh read when another writer got there first.

Dependencies run one way, downwards: this module uses ``monitor`` (a cycle, given this
service as its ``Recorder``), ``reconcile``, ``ports``, ``domain`` and ``errors``; none of
them imports it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cached_property

from mcclink import new_account
from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
    check_client_fields,
    client_field_problems,
    is_blank,
    utcnow,
)
from mcclink.errors import (
    AccountNotFound,
    ClientMovedAway,
    ClientNotFound,
    ConfigurationError,
    Fix,
    GoogleAdsError,
    InputError,
    InvalidTransition,
    PermissionDenied,
    TransientError,
    VersionConflict,
)
from mcclink.monitor import DEFAULT_PENDING_AGE, SyncReport, sync
from mcclink.ports import AdsGateway, GoogleLink, LinkChange, Store
from mcclink.reconcile import LIVE, state_from_google, stored_link

#: How often a write is retried from a fresh read when another writer changed the client.
CONFLICT_RETRIES = 5

#: How many later moves ``not_registered`` follows to say where a moved client is now (a
#: tree's moves rarely chain longer; past this it says the client moved on from there).
MOVES_FOLLOWED = 10

#: What to do about an account that is no manager, in each surface's words.
_OTHER_MANAGER = Fix(
    cli="give --mcc a manager of your tree (`mcclink hierarchy` lists them)",
    api="give mcc= a manager of your tree (GET /api/v1/hierarchy lists them)",
    page="choose a manager of your tree in the Manager list (Hierarchy shows them)",
)
#: What to do about an account Google does not show the login: the same, or another login.
_UNREACHED = replace(
    _OTHER_MANAGER,
    cli=f"{_OTHER_MANAGER.cli}, or set GOOGLE_ADS_LOGIN_CUSTOMER_ID to a manager above it",
)

#: Where to name another manager as the destination of a move, on each surface.
_OTHER_DESTINATION = Fix(
    cli="name with --to a manager of your tree (`mcclink hierarchy` lists them)",
    api="give as `to` a manager of your tree (GET /api/v1/hierarchy lists them)",
    page="enter in Move to manager a manager of your tree (Hierarchy shows them)",
)


def _check_id(cli: str, api: str, page: str) -> Fix:
    """What to do about an id that names no (enabled) account: check the id where it was
    given (another login cannot help), on each surface."""
    return Fix(
        cli=f"check the id given to {cli} (`mcclink hierarchy` lists your tree)",
        api=f"check the id given as {api} (GET /api/v1/hierarchy lists your tree)",
        page=f"check the id in {page} (Hierarchy shows your tree)",
    )


@dataclass(frozen=True)
class _Aim:
    """What a manager is checked for (``check_manager``), in a refusal's words."""

    #: What cannot be done, e.g. ``register clients under 100-000-0001``.
    action: str
    #: What was left as it was, e.g. ``nothing was registered``.
    unchanged: str
    #: How to name another manager: for a client account, for an id that names no
    #: enabled account, and for an account out of the login's reach.
    other: Fix
    missing: Fix
    unreached: Fix


def _acting_under(action: str, unchanged: str) -> _Aim:
    """Checking a manager given as ``--mcc`` / ``mcc=`` / the Manager list, to ``action``."""
    return _Aim(
        action,
        unchanged,
        _OTHER_MANAGER,
        _check_id("--mcc", "mcc=", "the Manager list"),
        _UNREACHED,
    )


#: Decides the next state from the freshest stored client: (client, entry) or None for no write.
Decision = Callable[[Client], "tuple[Client, HistoryEntry] | None"]


@dataclass(frozen=True)
class Registration:
    """One advertiser to register, checked when it is made (so before anything is sent or
    written, wherever it comes from).

    Raises:
        InputError: a name, e-mail or attributes outside ``domain.check_client_fields``'s
            limits.
    """

    customer_id: CustomerId
    name: str
    email: str | None = None
    attributes: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        check_client_fields(self.name, self.email or None, self.attributes or {})

    @classmethod
    def parse(
        cls,
        customer_id: object,
        name: str,
        email: str | None = None,
        attributes: Mapping[str, str] | None = None,
        *,
        mcc: CustomerId | None = None,
    ) -> Registration:
        """A registration from raw input (a command line, a CSV row), every problem named.

        Raises:
            InputError: a malformed customer id, ``mcc`` itself, a blank name and each field
                outside ``domain.check_client_fields``'s limits, all in one message.
        """
        cid: CustomerId | None = None
        try:
            cid = CustomerId.parse(customer_id)
        except InputError as exc:
            problems = [str(exc)]
        else:
            itself = f"{cid} is the MCC itself: a manager cannot manage itself"
            problems = [itself] if cid == mcc else []
        if is_blank(name):
            problems.append(f"{cid or 'the client'} has a blank name")
        fields = "; ".join(client_field_problems(name, email or None, attributes or {}))
        if fields:
            problems.append(f"{cid}: {fields}" if cid and not problems else fields)
        if problems or cid is None:
            raise InputError("; ".join(problems))
        return cls(cid, name, email, attributes)


class GoogleAdsMCCService:
    """Links advertisers to manager accounts and keeps the store true to Google Ads."""

    def __init__(
        self,
        store: Store,
        ads: AdsGateway | Callable[[], AdsGateway],
        *,
        actor: str = "mcclink",
        import_all_links: bool = False,
        verify_managers: bool = False,
        home: CustomerId | None = None,
    ) -> None:
        """Build the service.

        Args:
            store: where clients and history live.
            ads: the Google Ads gateway, or a factory called on first use (so work that
                never reaches Google Ads needs no Google Ads settings).
            actor: who is acting, recorded in every history entry.
            import_all_links: every monitor cycle also imports unknown clients whose link
                ended (``MCC_IMPORT_ALL_LINKS``); by default only live links are imported.
            verify_managers: before the first client is registered under a manager the
                store holds no client of, ask Google whether it is a manager the login
                reaches (``check_manager``); the installation's services do.
            home: the installation's own manager (``MCC_CUSTOMER_ID``), never asked about:
                ``mcclink doctor`` checks it.
        """
        self.store = store
        self._ads = ads
        self.actor = actor
        self.import_all_links = import_all_links
        self.verify_managers = verify_managers
        self.home = home
        #: Managers known to hold clients, or that Google confirmed: asked about once.
        self._managers: set[CustomerId] = set()

    @cached_property
    def ads(self) -> AdsGateway:
        """The Google Ads gateway (built on first use when a factory was given)."""
        return self._ads if isinstance(self._ads, AdsGateway) else self._ads()

    def require_ads(self) -> None:
        """Build the gateway now, so that a settings problem stops work before any write.

        Raises:
            ConfigurationError: the Google Ads settings are missing or malformed.
        """
        _ = self.ads

    # -- registering ---------------------------------------------------------------------

    def check_manager(self, mcc: CustomerId, aim: _Aim | None = None) -> None:
        """Make sure clients may be registered under ``mcc``, before the first one is
        (or moved to it, or it is monitored: ``aim`` words the refusal).

        With ``verify_managers`` and a ``home``, a manager other than it that the store holds no
        client of is looked up at Google once (``describe_account``, logged in as any call on
        ``mcc`` is): it must exist, be enabled, be reachable and be a manager. Otherwise a
        client would be registered under an account that can neither invite it nor be
        monitored. When Google cannot be asked (unavailable, no settings), nothing is
        registered: run the command again.

        Raises:
            InputError: ``mcc`` is a client account, no account, not enabled, or out of
                the login's reach.
            ConfigurationError: no usable Google Ads settings to ask with.
            GoogleAdsError: Google could not be asked (unavailable, credentials refused).
            StoreError: the store failed.
        """
        if not self.verify_managers or self.home in (None, mcc) or mcc in self._managers:
            return  # without MCC_CUSTOMER_ID, the manager named is the installation's own
        if next(self.store.list_clients(mcc), None) is None:
            registering = _acting_under(f"register clients under {mcc}", "nothing was registered")
            self._ask_google_about(mcc, aim or registering)
        self._managers.add(mcc)

    def _ask_google_about(self, mcc: CustomerId, aim: _Aim) -> None:
        """Raise unless Google says ``mcc`` is a manager the login reaches."""
        why = f"{mcc} is not MCC_CUSTOMER_ID and has no client yet, so Google Ads was asked"
        try:
            account = self.ads.describe_account(mcc)
        except ConfigurationError as exc:
            raise ConfigurationError([f"{why} whether it is a manager", *exc.problems]) from exc
        except (AccountNotFound, PermissionDenied) as exc:
            raise InputError(
                f"cannot {aim.action}: it is no enabled manager your login reaches (Google Ads "
                f"answered {exc}); {aim.unchanged}",
                fix=aim.missing if isinstance(exc, AccountNotFound) else aim.unreached,
            ) from exc
        except GoogleAdsError as exc:
            # Unavailable, or the credentials refused: nothing is written, the user retries.
            exc.args = (f"{why} whether it is a manager: {exc}; {aim.unchanged}",)
            raise
        if not account.manager:
            raise InputError(
                f"cannot {aim.action}: it is a client account, not a manager (MCC); "
                f"{aim.unchanged}",
                fix=aim.other,
            )

    def register(
        self, mcc: CustomerId, registration: Registration, *, invite: bool = False
    ) -> Client:
        """Register an advertiser as ``NOT_LINKED`` and, with ``invite``, invite it at once.

        ``mcc`` is checked first (``check_manager``): nothing is written under an account
        that is not a manager.

        Raises:
            InputError: a blank name, the MCC itself as the client, or ``mcc`` refused by
                ``check_manager``.
            ClientExists: already registered under ``mcc``.
            ConfigurationError: ``invite`` (or ``check_manager``) without usable Google Ads
                settings (nothing is written).
            GoogleAdsError: the invitation failed (the client stays registered, with
                ``last_error`` set and the failure in history); or ``check_manager`` could
                not ask Google (nothing is written).
            StoreError: the store failed.
        """
        if invite:
            self.require_ads()
        self.check_manager(mcc)
        client = Client(
            customer_id=registration.customer_id,
            mcc_customer_id=mcc,
            name=registration.name.strip(),
            email=(registration.email or "").strip() or None,
            attributes=dict(registration.attributes or {}),
        )
        created = self.store.create_client(
            client, self._entry(client, Operation.REGISTER, Outcome.SUCCESS, None, client.status)
        )
        return self.invite(mcc, created.customer_id) if invite else created

    def archive(
        self, mcc: CustomerId, *customer_ids: CustomerId, cancel_link: bool = False
    ) -> list[Client]:
        """Remove clients from the store; their history stays, and the monitor never imports
        them again.

        A client whose link is live (PENDING or APPROVED), or may be (an invitation an earlier
        run sent without recording Google's answer), is refused, since once archived nothing
        would follow its link: with ``cancel_link`` Google is asked about an invitation in
        flight, then the invitation is cancelled, or the link ended, first (as ``cancel`` and
        ``unlink`` do). Every client is checked before any is archived.

        Returns:
            The clients as they were archived, in the order given.

        Raises:
            ClientNotFound: one is not registered (nothing archived).
            InvalidTransition: a link is live and ``cancel_link`` is not set (nothing archived).
            ConfigurationError: ``cancel_link`` without usable Google Ads settings (nothing
                archived).
            GoogleAdsError: cancelling or ending a link failed (recorded; that client and
                those after it stay).
            StoreError: the store failed.
        """
        clients = [self.get(mcc, customer_id) for customer_id in customer_ids]
        live = [c for c in clients if c.status in LIVE or c.pending_operation is Operation.INVITE]
        if live and not cancel_link:
            listed = ", ".join(f"{c.customer_id} {_link_state(c)}" for c in live)
            raise InvalidTransition(
                f"cannot archive a client whose link is live at Google Ads ({listed}): nothing "
                "would follow the link once archived; pass --cancel-link (API: "
                "cancel_link=true) to cancel the invitation or end the link first"
            )
        if live:
            self.require_ads()
        return [self._archive(client) for client in clients]

    def _archive(self, client: Client) -> Client:
        """End ``client``'s live link, if any, then remove it from the store."""
        if client.pending_operation is Operation.INVITE:
            client = self._recover_invite(client) or client
        if client.status in LIVE:
            end = self.cancel if client.status is LinkStatus.PENDING else self.unlink
            client = end(client.mcc_customer_id, client.customer_id)
        self.store.delete_client(
            client, self._entry(client, Operation.ARCHIVE, Outcome.SUCCESS, client.status, None)
        )
        return client

    def get(self, mcc: CustomerId, customer_id: CustomerId) -> Client:
        """The registered client.

        Raises:
            ClientNotFound: not registered under ``mcc`` (``ClientMovedAway``: a move took it
                to another manager, named).
            StoreError: the store failed.
        """
        client = self.store.get_client(mcc, customer_id)
        if client is None:
            raise not_registered(self.store, mcc, customer_id)
        return client

    # -- link actions --------------------------------------------------------------------

    def invite(self, mcc: CustomerId, customer_id: CustomerId) -> Client:
        """Send (or re-send) the MCC's invitation; crash-safe.

        A write-ahead mark (``pending_operation``) is stored before Google is called. If a
        previous run died after Google's answer, the mark is found and Google is asked
        what happened, so no second invitation is sent. A client already ``PENDING`` or
        ``APPROVED`` is left as it is (a ``NOOP`` in history).

        Raises:
            ClientNotFound: not registered.
            InvalidTransition: the link's status does not allow an invitation.
            ConfigurationError: no usable Google Ads settings (nothing is written).
            GoogleAdsError: Google refused or failed (recorded; the status stays true).
            StoreError: the store failed.
        """
        for _ in range(CONFLICT_RETRIES):
            client = self.get(mcc, customer_id)
            if client.pending_operation is Operation.INVITE:
                recovered = self._recover_invite(client)
                if recovered is not None:
                    return recovered
            if client.status in (LinkStatus.PENDING, LinkStatus.APPROVED):
                self._noop(client, Operation.INVITE, f"already {client.status.value}")
                return client
            client.status.check_transition(LinkStatus.PENDING, "invite")
            self.require_ads()
            try:
                marked = self.store.update_client(client.evolve(pending_operation=Operation.INVITE))
            except VersionConflict:
                # Another writer got there first, or our own write landed and its answer was
                # lost (the store's retry then saw the new version): decide again, fresh.
                continue
            return self._call(
                marked, Operation.INVITE, lambda: self.ads.send_invitation(mcc, customer_id)
            )
        raise VersionConflict(mcc.digits, customer_id.digits, client.version)

    def cancel(self, mcc: CustomerId, customer_id: CustomerId) -> Client:
        """Withdraw a pending invitation.

        Raises:
            ClientNotFound: not registered.
            InvalidTransition: the link is not ``PENDING``.
            GoogleAdsError: Google refused or failed (recorded).
            StoreError: the store failed.
        """
        return self._on_link(
            mcc,
            customer_id,
            LinkStatus.CANCELLED,
            Operation.CANCEL,
            "cancel",
            lambda link: self.ads.cancel_invitation(mcc, link),
        )

    def unlink(self, mcc: CustomerId, customer_id: CustomerId) -> Client:
        """End an active link.

        Raises:
            ClientNotFound: not registered.
            InvalidTransition: the link is not ``APPROVED``.
            GoogleAdsError: Google refused or failed (recorded).
            StoreError: the store failed.
        """
        return self._on_link(
            mcc,
            customer_id,
            LinkStatus.UNLINKED,
            Operation.UNLINK,
            "unlink",
            lambda link: self.ads.end_link(mcc, link),
        )

    def respond(self, mcc: CustomerId, customer_id: CustomerId, *, accept: bool) -> Client:
        """Accept or refuse the invitation as the advertiser (the user needs its access).

        Raises:
            ClientNotFound: not registered.
            InvalidTransition: the link is not ``PENDING``.
            PermissionDenied: the user cannot log in as the client account.
            GoogleAdsError: Google refused or failed (recorded).
            StoreError: the store failed.
        """
        return self._on_link(
            mcc,
            customer_id,
            LinkStatus.APPROVED if accept else LinkStatus.REJECTED,
            Operation.RESPOND,
            "accept" if accept else "refuse",
            lambda link: self.ads.respond_as_client(link, accept=accept),
        )

    # -- the manager's tree: hide, show, move -------------------------------------------

    def hide(self, mcc: CustomerId, customer_id: CustomerId, *, hidden: bool = True) -> Client:
        """Hide an active client in ``mcc``'s account list (``hidden=False``: show it again).

        A client already hidden (or shown) is left as it is: a ``NOOP`` in history.

        Raises:
            ClientNotFound: not registered under ``mcc``.
            InvalidTransition: the link is not ``APPROVED`` (Google hides active links only).
            InputError: the client's link id was never recorded.
            GoogleAdsError: Google refused or failed (recorded as FAILED).
            StoreError: the store failed.
        """
        operation = Operation.HIDE if hidden else Operation.UNHIDE
        client = self.get(mcc, customer_id)
        _require_active(client, operation.value.lower())
        if client.hidden is hidden:
            self._noop(client, operation, "already hidden" if hidden else "already shown")
            return client
        link = stored_link(client)
        started = time.monotonic()
        change = self._attempt(
            client, operation, started, lambda: self.ads.set_hidden(mcc, link, hidden)
        )

        def decide(fresh: Client) -> tuple[Client, HistoryEntry]:
            entry = self._entry(
                fresh,
                operation,
                Outcome.SUCCESS,
                fresh.status,
                fresh.status,
                request_id=change.request_id,
                started=started,
            )
            return fresh.evolve(hidden=hidden, last_error=None), entry

        return self._commit(client, decide)

    def unhide(self, mcc: CustomerId, customer_id: CustomerId) -> Client:
        """Show a hidden client again in ``mcc``'s account list (``hide(..., hidden=False)``).

        Raises:
            ClientNotFound, InvalidTransition, InputError, GoogleAdsError, StoreError: as
                ``hide``.
        """
        return self.hide(mcc, customer_id, hidden=False)

    def move(self, mcc: CustomerId, customer_id: CustomerId, to: CustomerId) -> Client:
        """Move an active client from ``mcc`` to the manager ``to`` of the same tree.

        ``to`` is checked first (``check_manager``): an account that is no manager the
        login reaches is bad input, and nothing is sent or written. Google ends the old link
        and activates the new one in one call (``MoveManagerLink``); the store then keeps the
        client under ``to``, in the same write as its ``MOVE`` entry (with ``from_mcc`` and
        ``to_mcc``, under ``to`` and under ``mcc``; its earlier history stays under ``mcc``).
        A refusal is recorded under ``mcc`` as a FAILED ``MOVE``.

        Raises:
            InputError: ``to`` is ``mcc`` or the client itself, ``to`` already has a client
                registered with this id, or ``check_manager`` refused ``to`` (nothing sent).
            ConfigurationError: no usable Google Ads settings.
            ClientNotFound: not registered under ``mcc``.
            InvalidTransition: the link is not ``APPROVED`` (Google moves active links only).
            GoogleAdsError: Google refused or failed (recorded).
            StoreError: the store failed after Google moved the link; ``mcclink monitor``
                under ``to`` imports it.
        """
        if to in (mcc, customer_id):
            what = "the manager it is under" if to == mcc else "the client itself"
            raise InputError(
                f"cannot move {customer_id} to {to}: that is {what}",
                fix=Fix(
                    cli="name another manager of the tree with --to",
                    api="give another manager of the tree as `to`",
                    page="enter another manager of the tree in Move to manager",
                ),
            )
        client = self.get(mcc, customer_id)
        self.check_manager(
            to,
            _Aim(
                f"move {customer_id} to {to}",
                "nothing was changed",
                _OTHER_DESTINATION,
                _check_id("--to", "`to`", "Move to manager"),
                _OTHER_DESTINATION,
            ),
        )
        _require_active(client, "move")
        if self.store.get_client(to, customer_id) is not None:
            api = f"DELETE /api/v1/clients/{customer_id.digits}?mcc={to.digits}"
            cli = f"mcclink --mcc {to} clients archive {customer_id}"
            raise InputError(
                f"cannot move {customer_id} to {to}: another record of it is registered under {to}",
                fix=Fix(
                    cli=f"archive that one first ({cli}), then move again",
                    api=f"archive that one first ({api}), then move again",
                    page=f"an admin archives that one first ({cli}, or {api}), then move again",
                ),
            )
        link = stored_link(client)
        details = {"from_mcc": mcc.digits, "to_mcc": to.digits}
        started = time.monotonic()
        try:
            change = self._attempt(
                client,
                Operation.MOVE,
                started,
                lambda: self.ads.move_client(mcc, link, to),
                details,
            )
            return self._record_move(client, change, to, started, details)
        except ClientNotFound:
            # Another move (or an archive) took the client from ``mcc`` meanwhile: say where.
            raise not_registered(self.store, mcc, customer_id) from None

    def _record_move(
        self,
        client: Client,
        change: LinkChange,
        to: CustomerId,
        started: float,
        details: Mapping[str, str],
    ) -> Client:
        """Re-key the moved ``client`` under ``to`` with its entry, from a fresh read after a
        conflict."""
        fresh = client
        for _ in range(CONFLICT_RETRIES):
            after = fresh.evolve(
                status=LinkStatus.APPROVED,
                manager_link_id=change.link.manager_link_id,
                link_resource_name=change.link.resource_name,
                hidden=change.link.hidden,
                last_error=None,
                pending_operation=None,
                last_checked_at=utcnow(),
            )
            entry = self._entry(
                replace(after, mcc_customer_id=to),
                Operation.MOVE,
                Outcome.SUCCESS,
                fresh.status,
                after.status,
                request_id=change.request_id,
                started=started,
                details=details,
            )
            try:
                return self.store.move_client(after, to, entry)
            except VersionConflict:
                fresh = self.get(client.mcc_customer_id, client.customer_id)
        raise VersionConflict(
            client.mcc_customer_id.digits, client.customer_id.digits, fresh.version
        )

    def create_account(
        self,
        mcc: CustomerId,
        name: str,
        currency_code: str,
        time_zone: str,
        *,
        email: str | None = None,
        tracking_url_template: str | None = None,
    ) -> Client:
        """Create a new Google Ads account under ``mcc`` and register it, linked at once.

        The name, currency (ISO 4217) and time zone (IANA) are checked before Google is
        called. A refusal from Google is recorded as a FAILED ``CREATE_ACCOUNT`` entry under
        the MCC itself (there is no account yet), so ``history`` and ``stats`` show it.

        Raises:
            InputError: a blank name, an unknown currency code or time zone, or a name or
                e-mail outside ``domain.check_client_fields``'s limits, every one of them
                named in one message (nothing sent, nothing written).
            GoogleAdsError: Google refused or failed (recorded; nothing registered).
            StoreError: the store failed after the account was created; ``mcclink
                monitor`` imports it on its next cycle.
        """
        problems = ["the new account needs a non-blank --name"] if is_blank(name) else []
        name = name.strip()
        currency = zone = ""
        try:
            currency = new_account.currency_code(currency_code)
        except InputError as exc:
            problems.append(str(exc))
        try:
            zone = new_account.time_zone(time_zone)
        except InputError as exc:
            problems.append(str(exc))
        attributes = {"currency_code": currency, "time_zone": zone}
        problems += client_field_problems(name, email or None, attributes)
        if problems:
            raise InputError("; ".join(problems))
        started = time.monotonic()
        try:
            account = self.ads.create_client_account(
                mcc,
                name,
                currency,
                zone,
                tracking_url_template=tracking_url_template,
                email=email,
            )
        except GoogleAdsError as exc:
            details = {"name": name, "currency_code": currency, "time_zone": zone}
            self.store.append_history(self._account_refused(mcc, exc, started, details))
            raise
        link = self.ads.get_link(mcc, account.customer_id)
        now = utcnow()
        client = Client(
            customer_id=account.customer_id,
            mcc_customer_id=mcc,
            name=name,
            email=email,
            attributes={"currency_code": currency, "time_zone": zone},
            status=link.status if link else LinkStatus.APPROVED,
            manager_link_id=link.manager_link_id if link else None,
            link_resource_name=link.resource_name if link else None,
            status_changed_at=now,
            last_checked_at=now,
        )
        entry = self._entry(
            client,
            Operation.CREATE_ACCOUNT,
            Outcome.SUCCESS,
            None,
            client.status,
            request_id=account.request_id,
            started=started,
        )
        return self.store.create_client(client, entry)

    def sync(
        self,
        mcc: CustomerId,
        *,
        pending_age: timedelta = DEFAULT_PENDING_AGE,
        import_all: bool = False,
    ) -> SyncReport:
        """One monitor cycle for ``mcc`` (see ``mcclink.monitor``), once ``check_manager``
        agrees: a manager other than ``home`` with no client in the store is one Google says
        is a manager the login reaches (a typo'd id or a client account is bad input, and
        nothing is recorded). One whose clients all moved away is such a manager: its cycle
        runs. A run over many managers (``monitor_all``) checks none: its services do not
        ``verify_managers``, and its managers come from the store or from the tree.

        Args:
            mcc: the manager account.
            pending_age: invitations pending longer than this are reported as stale.
            import_all: also import unknown clients whose link ended (refused, cancelled,
                inactive), as the service's ``import_all_links`` always does.

        Raises:
            InputError: ``mcc`` is a client account, no account, not enabled, or out of
                the login's reach (``check_manager``); nothing recorded.
            ConfigurationError: no usable Google Ads settings.
            GoogleAdsError: the links could not be read (recorded in history), or Google
                could not be asked about ``mcc`` (not recorded).
            StoreError: the store could not be read.
        """
        self.check_manager(
            mcc, _acting_under(f"run a monitor cycle for {mcc}", "nothing was recorded")
        )
        every = import_all or self.import_all_links
        return sync(self, mcc, pending_age=pending_age, import_all=every)

    # -- the machinery every action shares -----------------------------------------------

    def _on_link(
        self,
        mcc: CustomerId,
        customer_id: CustomerId,
        target: LinkStatus,
        operation: Operation,
        action: str,
        call: Callable[[GoogleLink], LinkChange],
    ) -> Client:
        """Move the client's recorded link to ``target`` through ``call``, if allowed."""
        client = self.get(mcc, customer_id)
        client.status.check_transition(target, action)
        link = stored_link(client)
        return self._call(client, operation, lambda: call(link))

    def _call(self, client: Client, operation: Operation, call: Callable[[], LinkChange]) -> Client:
        """Run one Google Ads mutation and record its outcome against ``client``."""
        started = time.monotonic()
        change = self._attempt(client, operation, started, call)
        return self.apply_link(client, change.link, operation, change.request_id, started)

    def _attempt(
        self,
        client: Client,
        operation: Operation,
        started: float,
        call: Callable[[], LinkChange],
        details: Mapping[str, str] | None = None,
    ) -> LinkChange:
        """Google's answer to ``call``; a failure is recorded against ``client``, then raised."""
        try:
            return call()
        except GoogleAdsError as exc:
            self._record_failure(client, operation, exc, started, details)
            exc.about(str(client.customer_id))
            raise

    def apply_link(
        self,
        client: Client,
        link: GoogleLink | None,
        operation: Operation,
        request_id: str | None = None,
        started: float | None = None,
        note: str | None = None,
        read_at: datetime | None = None,
    ) -> Client:
        """Record what Google says of ``client``'s link (None: Google knows no link).

        ``read_at`` is when Google's view was asked for (before the call): a missing link
        says nothing of a client written since then, whose link may be newer than the view.

        Raises:
            StoreError: the store failed, or other writers kept winning.
        """

        def decide(fresh: Client) -> tuple[Client, HistoryEntry] | None:
            after = state_from_google(fresh, link, read_at)
            if after is fresh and operation is Operation.SYNC:
                return None
            outcome = Outcome.SUCCESS if after.status is not fresh.status else Outcome.NOOP
            details = {"note": note} if note else {}
            entry = self._entry(
                fresh,
                operation,
                outcome,
                fresh.status,
                after.status,
                request_id=request_id,
                started=started,
                details=details,
            )
            return after, entry

        return self._commit(client, decide)

    def _recover_invite(self, client: Client) -> Client | None:
        """Finish an invitation a previous run sent but did not record; None if none."""
        link = self.ads.get_link(client.mcc_customer_id, client.customer_id)
        if link is None or (client.manager_link_id or 0) >= link.manager_link_id:
            return None
        return self.apply_link(
            client, link, Operation.INVITE, note="recovered: sent by an earlier, interrupted run"
        )

    def _record_failure(
        self,
        client: Client,
        operation: Operation,
        exc: GoogleAdsError,
        started: float,
        details: Mapping[str, str] | None = None,
    ) -> None:
        """Keep the status (an error is never a status), set last_error, write history."""
        error = LastError(exc.code or type(exc).__name__, exc.message, exc.request_id)
        # After a transient failure the call may still have reached Google: keep the
        # write-ahead mark so the next run asks Google before sending again.
        keep_mark = isinstance(exc, TransientError)

        def decide(fresh: Client) -> tuple[Client, HistoryEntry]:
            after = fresh.evolve(
                last_error=error,
                pending_operation=fresh.pending_operation if keep_mark else None,
            )
            entry = self._entry(
                fresh,
                operation,
                Outcome.FAILED,
                fresh.status,
                fresh.status,
                error=error,
                started=started,
                details=details,
            )
            return after, entry

        self._commit(client, decide)

    def _account_refused(
        self, mcc: CustomerId, exc: GoogleAdsError, started: float, details: Mapping[str, str]
    ) -> HistoryEntry:
        """The FAILED ``CREATE_ACCOUNT`` entry of a refused account, under the MCC itself."""
        return HistoryEntry(
            customer_id=mcc,
            mcc_customer_id=mcc,
            operation=Operation.CREATE_ACCOUNT,
            outcome=Outcome.FAILED,
            error_code=exc.code or type(exc).__name__,
            error_message=exc.message,
            request_id=exc.request_id,
            actor=self.actor,
            duration_ms=(time.monotonic() - started) * 1000,
            details=details,
        )

    def _noop(self, client: Client, operation: Operation, note: str) -> None:
        self.store.append_history(
            self._entry(
                client,
                operation,
                Outcome.NOOP,
                client.status,
                client.status,
                details={"note": note},
            )
        )

    def _commit(self, client: Client, decide: Decision) -> Client:
        """Write ``decide(fresh)`` with a version check, re-reading after a conflict.

        A decision that leaves the client as it is only appends its history entry.
        """
        fresh = client
        for _ in range(CONFLICT_RETRIES):
            decision = decide(fresh)
            if decision is None:
                return fresh
            after, entry = decision
            if after is fresh:
                self.store.append_history(entry)
                return fresh
            try:
                return self.store.update_client(after, entry)
            except VersionConflict:
                reread = self.store.get_client(client.mcc_customer_id, client.customer_id)
                if reread is None:
                    raise ClientNotFound(
                        client.mcc_customer_id.digits, client.customer_id.digits
                    ) from None
                fresh = reread
        raise VersionConflict(
            client.mcc_customer_id.digits, client.customer_id.digits, fresh.version
        )

    def _entry(
        self,
        client: Client,
        operation: Operation,
        outcome: Outcome,
        before: LinkStatus | None,
        after: LinkStatus | None,
        *,
        request_id: str | None = None,
        error: LastError | None = None,
        started: float | None = None,
        details: Mapping[str, str] | None = None,
    ) -> HistoryEntry:
        return HistoryEntry(
            customer_id=client.customer_id,
            mcc_customer_id=client.mcc_customer_id,
            operation=operation,
            outcome=outcome,
            status_before=before,
            status_after=after,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            request_id=request_id or (error.request_id if error else None),
            actor=self.actor,
            duration_ms=(time.monotonic() - started) * 1000 if started is not None else None,
            details=dict(details or {}),
        )


def not_registered(store: Store, mcc: CustomerId, customer_id: CustomerId) -> ClientNotFound:
    """The error for a client not registered under ``mcc``: ``ClientMovedAway`` when the
    newest entry ``mcc`` keeps of it is a move away (it says where to, and where the client
    is now: each later move away is followed, at most ``MOVES_FOLLOWED``), else
    ``ClientNotFound``.

    Raises:
        StoreError: the store failed.
    """
    moved = _moved_away(store, mcc, customer_id)
    if moved is None:
        return ClientNotFound(mcc.digits, customer_id.digits)
    to, on = moved
    now, hops = to, 0
    while (onward := _moved_away(store, now, customer_id)) is not None:
        if hops == MOVES_FOLLOWED:
            return ClientMovedAway(
                mcc.digits, customer_id.digits, str(to), on, now=str(now), further=True
            )
        now, hops = onward[0], hops + 1
    return ClientMovedAway(mcc.digits, customer_id.digits, str(to), on, now=str(now))


def _moved_away(
    store: Store, mcc: CustomerId, customer_id: CustomerId
) -> tuple[CustomerId, str] | None:
    """Where the client went and the day it did, when the newest entry ``mcc`` keeps of it is
    a successful move away from ``mcc`` (one store read); else None."""
    newest = next(store.client_history(mcc, customer_id, 1), None)
    moved = newest.managers_moved if newest and newest.outcome is Outcome.SUCCESS else None
    if newest is None or moved is None or moved[0] != mcc:
        return None
    return moved[1], f"{newest.timestamp:%Y-%m-%d}"


def _require_active(client: Client, action: str) -> None:
    """Raise unless ``client``'s link is active: Google hides and moves active links only.

    Raises:
        InvalidTransition: naming the status and what would make the action possible.
    """
    if client.status is not LinkStatus.APPROVED:
        raise InvalidTransition(
            f"cannot {action} {client.customer_id}: the link is {client.status.value}; "
            f"{action} needs an APPROVED link (Google allows it on active links only)"
        )


def _link_state(client: Client) -> str:
    """Where ``client``'s link stands, for a message: ``is PENDING``, ``may be invited``."""
    if client.pending_operation is Operation.INVITE:
        return "may be invited (an earlier invitation's answer was not recorded)"
    return f"is {client.status.value}"
