"""The two interfaces the service needs: the store and the Google Ads gateway.

Both have real adapters (``mcclink.store.sqlite``, ``mcclink.store.dynamodb``,
``mcclink.ads.client``) and the unit tests have fakes that subclass these classes.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from mcclink.domain import Client, CustomerId, HistoryEntry, LinkStatus
from mcclink.onboarding import OnboardingEvent, OnboardingLink
from mcclink.staff import ApiToken, Role, StaffSession, StaffUser


class StaffStore(abc.ABC):
    """The agency's staff: users, their personal API tokens and their signed-in sessions.

    Every method raises ``StoreUnavailable`` when the store could not be reached or stayed
    busy. E-mail addresses are given normalized (``staff.normalize_email``).
    """

    @abc.abstractmethod
    def add_user(self, user: StaffUser) -> StaffUser:
        """Register ``user``; adding the very same user again stores it once.

        Raises:
            StaffUserExists: another user record has this e-mail; nothing written.
        """

    @abc.abstractmethod
    def get_user(self, email: str) -> StaffUser | None:
        """The user with this e-mail, or None."""

    @abc.abstractmethod
    def list_users(self) -> list[StaffUser]:
        """Every user, ordered by e-mail."""

    @abc.abstractmethod
    def set_user_role(self, email: str, role: Role) -> StaffUser:
        """Give the user ``role``; returns the stored user.

        Raises:
            StaffUserNotFound: no such user.
        """

    @abc.abstractmethod
    def record_sign_in(self, email: str, at: datetime, name: str | None = None) -> None:
        """Set the user's ``last_sign_in_at`` (and their name, when given).

        Raises:
            StaffUserNotFound: no such user.
        """

    @abc.abstractmethod
    def remove_user(self, email: str, at: datetime) -> None:
        """Remove the user and revoke every session of theirs at ``at`` (their tokens stop
        working with them: ``staff.effective_role``; ``StaffDirectory.remove_user`` also
        revokes each token first, so adding the user back restores none).

        Raises:
            StaffUserNotFound: no such user.
        """

    @abc.abstractmethod
    def add_token(self, token: ApiToken) -> ApiToken:
        """Store a new token record; storing the same record again stores it once.

        Raises:
            StoreError: another token has this id; nothing written.
        """

    @abc.abstractmethod
    def get_token(self, token_id: str) -> ApiToken | None:
        """The token with this id (revoked and expired ones included), or None."""

    @abc.abstractmethod
    def list_tokens(self, owner: str | None = None) -> list[ApiToken]:
        """Every token (of ``owner``, if given), newest first, revoked ones included."""

    @abc.abstractmethod
    def revoke_token(self, token_id: str, at: datetime) -> ApiToken:
        """Mark the token revoked at ``at``; a token revoked before keeps its time.

        Raises:
            ApiTokenNotFound: no token has this id.
        """

    @abc.abstractmethod
    def touch_token(self, token_id: str, at: datetime) -> None:
        """Set the token's ``last_used_at`` to ``at`` (no error when it is gone)."""

    @abc.abstractmethod
    def add_session(self, session: StaffSession) -> None:
        """Store a new session (and drop sessions past their absolute end, where that is
        cheap: SQLite in the same transaction, DynamoDB by the table's TTL).

        Raises:
            StoreError: another session is stored under this hash; nothing written.
        """

    @abc.abstractmethod
    def get_session(self, id_hash: str) -> StaffSession | None:
        """The session stored under ``id_hash`` (revoked or expired included), or None."""

    @abc.abstractmethod
    def touch_session(self, id_hash: str, at: datetime) -> None:
        """Set the session's ``last_seen_at`` to ``at`` (no error when it is gone)."""

    @abc.abstractmethod
    def revoke_session(self, id_hash: str, at: datetime) -> None:
        """Revoke one session (sign out); no error when it is gone or revoked already."""

    @abc.abstractmethod
    def revoke_sessions(self, email: str, at: datetime) -> int:
        """Revoke every live session of ``email`` (sign out everywhere); returns how many.

        Live here means not revoked and not past its absolute end at ``at``: the store does
        not know the idle limit, so a session idle too long still counts.
        """


@dataclass(frozen=True, slots=True)
class StoredLink:
    """What the monitor compares of one stored client with Google's view of its link
    (``Store.stored_links``): enough to tell that nothing changed without the whole client.
    """

    customer_id: CustomerId
    status: LinkStatus
    manager_link_id: int | None
    link_resource_name: str | None
    hidden: bool
    #: An action's write-ahead mark is set (``Client.pending_operation``).
    in_flight: bool
    #: The client records an error (``Client.last_error``).
    failed: bool
    invited_at: datetime | None
    #: The whole client when the store read it anyway; None: read it when needed.
    client: Client | None = None

    @classmethod
    def of(cls, client: Client) -> StoredLink:
        """What ``client`` records of its link (and the client itself)."""
        return cls(
            customer_id=client.customer_id,
            status=client.status,
            manager_link_id=client.manager_link_id,
            link_resource_name=client.link_resource_name,
            hidden=client.hidden,
            in_flight=client.pending_operation is not None,
            failed=client.last_error is not None,
            invited_at=client.invited_at,
            client=client,
        )


class Store(StaffStore):
    """Clients, their ExecutionHistory and onboarding links, for any number of MCCs, and the
    agency's staff (``StaffStore``).

    A client is identified by (MCC customer id, customer id). Every write that changes a
    client carries a version check and, where given, its history entry: both are written
    together or neither is.

    Writes are idempotent: a write sent again after it landed (its answer lost, then
    retried) reports success and is stored once; its history entry, or the very item it
    put, proves that it landed. A write that finds another writer's change still fails.
    """

    @abc.abstractmethod
    def create_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """Register ``client`` (its version becomes 1), with ``entry`` in the same write.

        Raises:
            InputError: the client's name, e-mail or attributes break ``Client.check_limits``
                (the same limits on every store); nothing written.
            ClientExists: a client with this MCC and customer id exists; nothing written.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def get_client(self, mcc: CustomerId, customer_id: CustomerId) -> Client | None:
        """The client, or None when it is not registered.

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def list_clients(self, mcc: CustomerId, status: LinkStatus | None = None) -> Iterator[Client]:
        """Every client of ``mcc`` (with ``status``, if given), lazily, ordered by customer id.

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    def stored_links(self, mcc: CustomerId) -> Iterator[StoredLink]:
        """What a monitor cycle compares of every client of ``mcc``, lazily, ordered by
        customer id (``list_clients``' order).

        A store may read less than whole clients here (``StoredLink.client`` None): the
        cycle then reads whole only the clients whose link changed. By default, the whole
        clients of ``list_clients``.

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """
        return (StoredLink.of(client) for client in self.list_clients(mcc))

    @abc.abstractmethod
    def managers(self) -> list[CustomerId]:
        """Every MCC that has at least one client, ordered by customer id (what
        ``mcclink monitor --all`` runs over).

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def update_client(self, client: Client, entry: HistoryEntry | None = None) -> Client:
        """Replace the stored client if its version is still ``client.version``.

        Returns the stored client, whose version is ``client.version + 1``. ``entry`` is
        written in the same transaction.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def delete_client(self, client: Client, entry: HistoryEntry | None = None) -> None:
        """Remove the client if its version is still ``client.version``; its history stays.

        Raises:
            ClientNotFound: no such client.
            VersionConflict: the stored version differs; nothing written.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def move_client(self, client: Client, new_mcc: CustomerId, entry: HistoryEntry) -> Client:
        """Re-key ``client`` under ``new_mcc`` if its version is still ``client.version``:
        the old record goes, the new one (version ``client.version + 1``) and ``entry`` (the
        move, under ``new_mcc``) are written, and so is ``entry.kept_by(...)`` under the MCC
        the client leaves, all in one write: both managers' history tell of the move.

        Returns the client stored under ``new_mcc``.

        Raises:
            ClientNotFound: no such client under its current MCC.
            VersionConflict: the stored version differs; nothing written.
            ClientExists: ``new_mcc`` already has a client with this customer id; nothing
                written.
            StoreError: ``entry``'s id (or its copy's) is already recorded; nothing written.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def append_history(self, entry: HistoryEntry) -> None:
        """Record an operation that changed no client (a failure, a no-op).

        Appending the same entry again records it once.

        Raises:
            StoreError: another entry with the same id is already recorded.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def client_history(
        self, mcc: CustomerId, customer_id: CustomerId, limit: int | None = None
    ) -> Iterator[HistoryEntry]:
        """The client's history, newest first (at most ``limit`` entries).

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def history_between(
        self,
        start: datetime,
        end: datetime,
        mcc: CustomerId | None = None,
        limit: int | None = None,
    ) -> Iterator[HistoryEntry]:
        """History with ``start <= timestamp < end`` (of one MCC, if given), oldest first
        (at most ``limit`` entries, and no more read).

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def create_onboarding_link(self, link: OnboardingLink) -> OnboardingLink:
        """Store a new onboarding link, as given; storing the same link again stores it once.

        Raises:
            StoreError: another link with this id is already stored; nothing written.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def get_onboarding_link(self, link_id: str) -> OnboardingLink | None:
        """The link with this id (its counts up to date), or None.

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def list_onboarding_links(
        self, mcc: CustomerId, customer_id: CustomerId | None = None
    ) -> Iterator[OnboardingLink]:
        """The links of ``mcc`` (only those for ``customer_id``, if given), newest first.

        Raises:
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def revoke_onboarding_link(self, link_id: str, at: datetime) -> OnboardingLink:
        """Mark the link revoked at ``at`` and return it; a link revoked before keeps its time.

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def count_onboarding_event(self, link_id: str, event: OnboardingEvent) -> None:
        """Add one to the link's count of ``event``, atomically (concurrent counts all land).

        Raises:
            OnboardingLinkNotFound: no link has this id.
            StoreUnavailable: the store could not be reached or stayed busy.
        """

    @abc.abstractmethod
    def check(self) -> None:
        """Prove the store works: tables present, a probe write / read / delete succeeds.

        Raises:
            TableMissing: a table does not exist.
            StoreUnavailable: the store could not be reached or the probe failed.
        """

    def close(self) -> None:  # an optional hook: nothing to release by default
        """Release connections."""


@dataclass(frozen=True, slots=True)
class GoogleLink:
    """A link between the MCC and a client, as Google Ads reports it."""

    manager: CustomerId
    client: CustomerId
    manager_link_id: int
    status: LinkStatus
    resource_name: str
    hidden: bool = False


@dataclass(frozen=True)
class LinkChange:
    """The answer to a link mutation: the link as it now stands, and the request id."""

    link: GoogleLink
    request_id: str | None
    #: True when Google already had this state (e.g. an invitation already sent): no change.
    already: bool = False


@dataclass(frozen=True)
class LinkListing:
    """All of one MCC's client links, read in one call."""

    links: list[GoogleLink]
    request_id: str | None


@dataclass(frozen=True)
class NewAccount:
    """A Google Ads account just created under the MCC."""

    customer_id: CustomerId
    resource_name: str
    request_id: str | None


@dataclass(frozen=True)
class AccountNode:
    """One account in the MCC's hierarchy (``customer_client``)."""

    customer_id: CustomerId
    name: str
    level: int
    manager: bool
    currency_code: str
    time_zone: str
    #: Hidden in its manager's account list (the link's ``hidden`` flag).
    hidden: bool = False
    #: Google's ``CustomerStatus`` name: ENABLED, CANCELED, SUSPENDED or CLOSED.
    status: str = "ENABLED"
    test_account: bool = False


@dataclass(frozen=True)
class ManagerView:
    """What one manager shows of itself: its own row (level 0), its direct clients (level
    1) and the clients it has invited that have not answered yet."""

    nodes: list[AccountNode]
    pending: list[CustomerId]


@dataclass(frozen=True)
class AccountInfo:
    """One account as its own ``customer`` resource describes it."""

    customer_id: CustomerId
    name: str
    currency_code: str
    time_zone: str
    test_account: bool
    manager: bool
    #: Google's ``CustomerStatus`` name: ENABLED, CANCELED, SUSPENDED or CLOSED.
    status: str


class AdsGateway(abc.ABC):
    """What the service needs from Google Ads. Every call is for one manager account.

    Every method raises a ``GoogleAdsError`` subclass on failure (``LinkRefused``,
    ``AccountNotFound``, ``PermissionDenied``, ``AuthenticationFailed``, ``TransientError``)
    or ``ConfigurationError`` when settings are missing.
    """

    @abc.abstractmethod
    def send_invitation(
        self, manager: CustomerId, client: CustomerId, *, validate_only: bool = False
    ) -> LinkChange:
        """Invite ``client`` to be managed by ``manager`` (link status PENDING).

        An invitation that already exists, or a client already managed by ``manager``,
        is not an error: the link's real state comes back with ``already=True``.
        """

    @abc.abstractmethod
    def cancel_invitation(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        """Withdraw a pending invitation (CANCELED)."""

    @abc.abstractmethod
    def end_link(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        """End an active link (INACTIVE)."""

    @abc.abstractmethod
    def respond_as_client(self, link: GoogleLink, *, accept: bool) -> LinkChange:
        """Accept or refuse an invitation, logged in as the client account."""

    @abc.abstractmethod
    def set_hidden(self, manager: CustomerId, link: GoogleLink, hidden: bool) -> LinkChange:
        """Hide or show an active link in the manager's account list (``hidden``)."""

    @abc.abstractmethod
    def move_client(
        self, manager: CustomerId, link: GoogleLink, new_manager: CustomerId
    ) -> LinkChange:
        """Move an active client from ``manager`` to ``new_manager`` in one call: the old
        link ends and the new one (returned) is active."""

    @abc.abstractmethod
    def list_links(self, manager: CustomerId) -> LinkListing:
        """Every client link of ``manager``, in one SearchStream."""

    @abc.abstractmethod
    def get_link(self, manager: CustomerId, client: CustomerId) -> GoogleLink | None:
        """The newest link between ``manager`` and ``client``, or None."""

    @abc.abstractmethod
    def create_client_account(
        self,
        manager: CustomerId,
        name: str,
        currency_code: str,
        time_zone: str,
        *,
        tracking_url_template: str | None = None,
        email: str | None = None,
        validate_only: bool = False,
    ) -> NewAccount:
        """Create a new Google Ads account managed by ``manager``."""

    @abc.abstractmethod
    def list_accessible_customers(self) -> list[CustomerId]:
        """The accounts the authenticated user can access directly."""

    @abc.abstractmethod
    def hierarchy(self, manager: CustomerId) -> list[AccountNode]:
        """``manager`` and its direct clients (``customer_client`` up to level 1)."""

    @abc.abstractmethod
    def manager_view(self, manager: CustomerId, root: CustomerId) -> ManagerView:
        """``manager``'s own row, its direct clients and its pending invitations, read while
        walking ``root``'s tree: logged in as ``GOOGLE_ADS_LOGIN_CUSTOMER_ID``, else ``root``
        (one login reaches the whole tree; a sub-manager's own id may not)."""

    @abc.abstractmethod
    def describe_account(self, customer: CustomerId) -> AccountInfo:
        """``customer``'s name, currency, time zone, test and manager flags and status."""

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release connections."""
