"""``GoogleAdsClientService``: the ``AdsGateway`` on the official ``google-ads`` library.

One ``GoogleAdsClient`` per login-customer-id, built on first use; one service client (one
gRPC channel) per login and service, reused. ``google.ads`` is imported only inside the
functions that need it, so importing this module stays cheap. Every call is translated once
(``mcclink.ads.errors``) and retried when transient (``mcclink.ads.retry``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from mcclink.ads.connection import Connection
from mcclink.ads.error_table import ALREADY_LINKED, RUN_MONITOR
from mcclink.ads.retry import AdsStats, RetryPolicy
from mcclink.config import GoogleAdsSettings, Secret
from mcclink.domain import CustomerId, LinkStatus
from mcclink.errors import (
    AccountNotFound,
    GoogleAdsError,
    InvalidStatus,
    LinkRefused,
    PermissionDenied,
)
from mcclink.ports import (
    AccountInfo,
    AccountNode,
    AdsGateway,
    GoogleLink,
    LinkChange,
    LinkListing,
    ManagerView,
    NewAccount,
)

_CLIENT_LINKS = "CustomerClientLinkService"
_MANAGER_LINKS = "CustomerManagerLinkService"
_CUSTOMERS = "CustomerService"
_LIBRARY_LOGGER = "google.ads.googleads.client"
_log = logging.getLogger(__name__)
T = TypeVar("T")

# Only validated CustomerId digits are ever formatted into these queries.
LINKS_QUERY = """
    SELECT
      customer_client_link.client_customer,
      customer_client_link.manager_link_id,
      customer_client_link.status,
      customer_client_link.hidden,
      customer_client_link.resource_name
    FROM customer_client_link"""

LINK_QUERY = (
    LINKS_QUERY
    + """
    WHERE customer_client_link.client_customer = 'customers/{client}'"""
)

HIERARCHY_QUERY = """
    SELECT
      customer_client.client_customer,
      customer_client.level,
      customer_client.manager,
      customer_client.descriptive_name,
      customer_client.currency_code,
      customer_client.time_zone,
      customer_client.id,
      customer_client.hidden,
      customer_client.status,
      customer_client.test_account
    FROM customer_client
    WHERE customer_client.level <= 1"""

PENDING_QUERY = (
    LINKS_QUERY
    + """
    WHERE customer_client_link.status = PENDING"""
)

#: Every manager below the customer, at any level (the login choice for sub-managers).
MANAGERS_QUERY = """
    SELECT customer_client.id
    FROM customer_client
    WHERE customer_client.manager = TRUE"""

ACCOUNT_QUERY = """
    SELECT
      customer.id,
      customer.descriptive_name,
      customer.currency_code,
      customer.time_zone,
      customer.test_account,
      customer.manager,
      customer.status
    FROM customer"""


def configure_library_logging(verbose: bool = False) -> None:
    """Quiet the library's per-call WARNING logs unless ``verbose`` (``MCCLINK_DEBUG``)."""
    logging.getLogger(_LIBRARY_LOGGER).setLevel(logging.INFO if verbose else logging.ERROR)


class GoogleAdsClientService(AdsGateway):
    """Google Ads over gRPC; returns domain objects, raises only ``mcclink.errors``.

    ``stats`` counts calls and retries (for benchmarks and the CLI summary).
    """

    def __init__(
        self,
        settings: GoogleAdsSettings,
        retry_policy: RetryPolicy | None = None,
        *,
        user_token: Secret | None = None,
        home: CustomerId | None = None,
    ) -> None:
        """Build the adapter; nothing is connected before the first call.

        Args:
            settings: endpoint, credentials and pacing.
            retry_policy: attempts, back-off and deadlines (the default policy if None).
            user_token: a signed-in person's access token, used as is instead of the
                settings' credentials (see ``for_user``).
            home: the agency's own MCC (``MCC_CUSTOMER_ID``): without a login customer
                set, a manager below it is acted on logged in as it (see ``_login``).
        """
        self._settings = settings
        self._home = home
        self._home_managers: frozenset[CustomerId] | None = None
        self._home_lock = threading.Lock()
        self._policy = retry_policy or RetryPolicy()
        self.stats = AdsStats()
        self._conn = Connection(settings, self._policy, self.stats, user_token)

    def for_user(self, access_token: str) -> GoogleAdsClientService:
        """A gateway acting as the person whose OAuth ``access_token`` this is.

        Same endpoint, developer token and retry policy, and this adapter's pacing itself
        (the calls count against the same Cloud project's quota); none of its credentials.
        The token is held in memory only, never refreshed (when it expires, calls fail
        with ``AuthenticationFailed``), never logged, and scrubbed from every error text.
        Each call logs in as the account it acts on, as Google requires to answer a
        manager's invitation as the client.
        """
        settings = GoogleAdsSettings(
            endpoint=self._settings.endpoint,
            developer_token=self._settings.developer_token,
            max_qps=self._settings.max_qps,
        )
        user = GoogleAdsClientService(settings, self._policy, user_token=Secret(access_token))
        user._conn.limiter = self._conn.limiter
        return user

    def __repr__(self) -> str:
        login = self._settings.login_customer_id
        return f"GoogleAdsClientService(endpoint={self._settings.endpoint!r}, login={login})"

    def send_invitation(
        self, manager: CustomerId, client: CustomerId, *, validate_only: bool = False
    ) -> LinkChange:
        """Invite ``client`` to be managed by ``manager`` (``CustomerClientLink`` PENDING).

        With ``validate_only`` Google checks and creates nothing: the link comes back with
        manager_link_id 0 and an empty resource name.

        Raises:
            LinkRefused: a permanent refusal (too many managers, invitations, ...).
            AccountNotFound: either account does not exist or is not enabled.
            PermissionDenied: the login customer may not act on the manager.
            AuthenticationFailed: credentials rejected.
            TransientError: still unavailable after the retries.
            ConfigurationError: the service-account key file cannot be used.
        """
        login = self._login(manager)
        ads = self._conn.client(login)
        request = ads.get_type("MutateCustomerClientLinkRequest")
        request.customer_id = manager.digits
        request.validate_only = validate_only
        request.operation.create.client_customer = f"customers/{client.digits}"
        request.operation.create.status = ads.enums.ManagerLinkStatusEnum.PENDING
        try:
            response, request_id = self._send(
                login,
                _CLIENT_LINKS,
                "mutate_customer_client_link",
                request,
                f"inviting {client} to be managed by {manager}",
                client,
            )
        except LinkRefused as exc:
            # Also makes a retried CREATE safe: if the lost first attempt landed, the
            # retry meets ALREADY_INVITED and we read the link it made.
            if exc.code not in ALREADY_LINKED:
                raise
            return self._already_linked(manager, client, exc)
        name = response.result.resource_name
        parsed = self._conn.service(login, _CLIENT_LINKS).parse_customer_client_link_path(name)
        link_id = int(parsed["manager_link_id"]) if parsed else 0  # 0: validate_only
        return LinkChange(
            GoogleLink(manager, client, link_id, LinkStatus.PENDING, name), request_id
        )

    def cancel_invitation(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        """Withdraw a pending invitation (status CANCELED).

        Raises:
            LinkRefused: the link is not pending (INVALID_STATUS_CHANGE).
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        action = f"cancelling {manager}'s invitation to {link.client}"
        return self._update_client_link(manager, link, LinkStatus.CANCELLED, action)

    def end_link(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        """End an active link from the manager's side (status INACTIVE).

        Raises:
            LinkRefused: the link is not active (INVALID_STATUS_CHANGE).
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        action = f"ending the link between {manager} and {link.client}"
        return self._update_client_link(manager, link, LinkStatus.UNLINKED, action)

    def respond_as_client(self, link: GoogleLink, *, accept: bool) -> LinkChange:
        """Accept (ACTIVE) or refuse (REFUSED) an invitation, logged in as the client.

        Raises:
            LinkRefused: no pending invitation (NO_PENDING_INVITE), or a limit was hit.
            PermissionDenied: the credentials cannot act as the client account.
            AccountNotFound, AuthenticationFailed, TransientError: as for ``send_invitation``.
        """
        new = LinkStatus.APPROVED if accept else LinkStatus.REJECTED
        ads = self._conn.client(link.client)
        service = self._conn.service(link.client, _MANAGER_LINKS)
        operation = ads.get_type("CustomerManagerLinkOperation")
        self._set_status(ads, operation, new)
        operation.update.resource_name = service.customer_manager_link_path(
            link.client.digits, link.manager.digits, str(link.manager_link_id)
        )
        request = ads.get_type("MutateCustomerManagerLinkRequest")
        request.customer_id = link.client.digits
        request.operations.append(operation)
        answer = "accepting" if accept else "refusing"
        action = f"{answer} {link.manager}'s invitation as {link.client}"
        _, request_id = self._send(
            link.client,
            _MANAGER_LINKS,
            "mutate_customer_manager_link",
            request,
            action,
            link.client,
        )
        return LinkChange(replace(link, status=new), request_id)

    def set_hidden(self, manager: CustomerId, link: GoogleLink, hidden: bool) -> LinkChange:
        """Hide (or show again) an active client in ``manager``'s account list.

        Raises:
            LinkRefused: the link is not active (``ManagerLinkError.INVALID_CHANGE``).
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        login = self._login(manager)
        ads = self._conn.client(login)
        service = self._conn.service(login, _CLIENT_LINKS)
        request = ads.get_type("MutateCustomerClientLinkRequest")
        request.customer_id = manager.digits
        request.operation.update.hidden = hidden
        # Against the link as it stands: showing sets ``hidden`` to its default (False),
        # which a mask made against an empty message would leave out.
        before = ads.get_type("CustomerClientLink")
        before.hidden = not hidden
        self._mask(ads, request.operation, before)
        request.operation.update.resource_name = service.customer_client_link_path(
            manager.digits, link.client.digits, str(link.manager_link_id)
        )
        verb = "hiding" if hidden else "showing"
        action = f"{verb} {link.client} in {manager}'s account list"
        _, request_id = self._send(
            login, _CLIENT_LINKS, "mutate_customer_client_link", request, action, link.client
        )
        return LinkChange(replace(link, hidden=hidden), request_id)

    def move_client(
        self, manager: CustomerId, link: GoogleLink, new_manager: CustomerId
    ) -> LinkChange:
        """Move an active client from ``manager`` to ``new_manager`` (``MoveManagerLink``).

        Google ends the old link and activates a new one in one call, made on the client
        account; the login customer (``_login(manager)``: the home MCC for a sub-manager of
        it) must reach both managers.

        Raises:
            LinkRefused: the link is not active or the manager is the same
                (``INVALID_CHANGE``), the new manager is outside the login's tree
                (``CLIENT_OUTSIDE_TREE``), below the client (``CYCLE_NOT_ALLOWED``), or too
                deep (``MAX_DEPTH_EXCEEDED``).
            PermissionDenied: the login customer cannot reach the client
                (``USER_PERMISSION_DENIED``); a ``LinkRefused`` with that code when the
                reason is the link itself, ended at Google.
            AccountNotFound, AuthenticationFailed, TransientError: as for
                ``send_invitation``.
        """
        login = self._login(manager)
        ads = self._conn.client(login)
        service = self._conn.service(login, _MANAGER_LINKS)
        request = ads.get_type("MoveManagerLinkRequest")
        request.customer_id = link.client.digits
        request.previous_customer_manager_link = service.customer_manager_link_path(
            link.client.digits, manager.digits, str(link.manager_link_id)
        )
        request.new_manager = self._conn.service(login, _CUSTOMERS).customer_path(
            new_manager.digits
        )
        action = f"moving {link.client} from {manager} to {new_manager}"
        try:
            response, request_id = self._send(
                login, _MANAGER_LINKS, "move_manager_link", request, action, link.client
            )
        except PermissionDenied as exc:
            raise self._unless_ended(manager, link, exc, action) from exc
        parsed = service.parse_customer_manager_link_path(response.resource_name)
        link_id = int(parsed["manager_link_id"])
        name = self._conn.service(login, _CLIENT_LINKS).customer_client_link_path(
            new_manager.digits, link.client.digits, str(link_id)
        )
        moved = GoogleLink(new_manager, link.client, link_id, LinkStatus.APPROVED, name)
        return LinkChange(moved, request_id)

    def _unless_ended(
        self, manager: CustomerId, link: GoogleLink, refusal: PermissionDenied, action: str
    ) -> GoogleAdsError:
        """What a move refused for permission means: when ``link`` has ended at Google the
        login no longer reaches the client through it, and Google says only that."""
        try:
            current = self.get_link(manager, link.client)
        except GoogleAdsError:
            return refusal  # the login cannot read the manager's links either
        if current is None or current.status is LinkStatus.APPROVED:
            return refusal
        return LinkRefused(
            f"{action}: the link between {manager} and {link.client} is "
            f"{current.status.value} at Google (it ended there), and only an active link can "
            f"be moved: a monitor cycle records its real state ({RUN_MONITOR})",
            code=refusal.code,
            request_id=refusal.request_id,
        )

    def list_links(self, manager: CustomerId) -> LinkListing:
        """Every client link of ``manager``, in one SearchStream.

        Raises:
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        links, request_id = self._search(
            manager, LINKS_QUERY, f"listing the links of {manager}", self._parser(manager)
        )
        return LinkListing(links, request_id)

    def get_link(self, manager: CustomerId, client: CustomerId) -> GoogleLink | None:
        """The newest link between ``manager`` and ``client`` (highest manager_link_id).

        Raises:
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        query = LINK_QUERY.format(client=client.digits)
        action = f"reading the link between {manager} and {client}"
        links, _ = self._search(manager, query, action, self._parser(manager))
        return max(links, key=lambda link: link.manager_link_id, default=None)

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
        """Create an account under ``manager`` (currency and time zone never change later).

        ``email`` invites that user as ADMIN of the new account (an allow-listed feature).
        With ``validate_only`` nothing is created: the resource name is empty and the
        customer id is 000-000-0000.

        Raises:
            GoogleAdsError: Google refused the account (currency, time zone, policy, ...).
            PermissionDenied, AuthenticationFailed, TransientError: as for ``send_invitation``.
        """
        login = self._login(manager)
        ads = self._conn.client(login)
        request = ads.get_type("CreateCustomerClientRequest")
        request.customer_id = manager.digits
        request.validate_only = validate_only
        account = request.customer_client
        account.descriptive_name = name
        account.currency_code = currency_code
        account.time_zone = time_zone
        if tracking_url_template:
            account.tracking_url_template = tracking_url_template
        if email:
            request.email_address = email
            request.access_role = ads.enums.AccessRoleEnum.ADMIN
        action = f"creating account {name!r} under {manager}"
        response, request_id = self._send(
            login, _CUSTOMERS, "create_customer_client", request, action
        )
        resource_name = response.resource_name
        customer = _customer(resource_name) if resource_name else CustomerId("0" * 10)
        return NewAccount(customer, resource_name, request_id)

    def list_accessible_customers(self) -> list[CustomerId]:
        """The accounts the authenticated user can access directly (no login customer).

        Raises:
            AuthenticationFailed, TransientError: as for ``send_invitation``.
        """
        request = self._conn.client(None).get_type("ListAccessibleCustomersRequest")
        response, _ = self._send(
            None, _CUSTOMERS, "list_accessible_customers", request, "listing accessible accounts"
        )
        return [_customer(name) for name in response.resource_names]

    def hierarchy(self, manager: CustomerId) -> list[AccountNode]:
        """``manager`` (level 0) and its direct clients (level 1).

        Raises:
            AccountNotFound, PermissionDenied, AuthenticationFailed, TransientError: as
                for ``send_invitation``.
        """
        nodes, _ = self._search(
            manager,
            HIERARCHY_QUERY,
            f"reading the hierarchy of {manager}",
            lambda rows: [_node(row.customer_client) for row in rows],
        )
        return nodes

    def manager_view(self, manager: CustomerId, root: CustomerId) -> ManagerView:
        """``manager``'s row, direct clients and pending invitations: two SearchStreams,
        logged in as for ``root`` (``_login``), so every manager of the tree is reached
        through one login.

        ``customer_client`` from the root alone would list the whole tree in one query,
        with each account's level but not the manager it hangs under, so the tree is read
        one manager at a time (``level <= 1``), as Google's account-hierarchy example does.

        Raises:
            AccountNotFound: ``manager`` does not exist or is not enabled.
            PermissionDenied: the login customer does not reach ``manager``.
            AuthenticationFailed, TransientError: as for ``send_invitation``.
        """
        login = self._login(root)
        nodes, _ = self._search(
            manager,
            HIERARCHY_QUERY,
            f"reading the accounts under {manager}",
            lambda rows: [_node(row.customer_client) for row in rows],
            login=login,
        )
        pending, _ = self._search(
            manager,
            PENDING_QUERY,
            f"reading the pending invitations of {manager}",
            self._parser(manager),
            login=login,
        )
        return ManagerView(nodes, [link.client for link in pending])

    def describe_account(self, customer: CustomerId) -> AccountInfo:
        """``customer``'s own ``customer`` row (a user's gateway logs in as ``customer``).

        Raises:
            AccountNotFound: no such account, or it is not enabled (CUSTOMER_NOT_ENABLED).
            PermissionDenied: the credentials cannot reach the account directly.
            AuthenticationFailed, TransientError: as for ``send_invitation``.
        """
        infos, _ = self._search(
            customer,
            ACCOUNT_QUERY,
            f"reading account {customer}",
            lambda rows: [_account(row.customer) for row in rows],
        )
        if not infos:
            # Google answers one row for the request's own customer; none is a broken answer.
            raise AccountNotFound(
                f"reading account {customer}: Google Ads returned no row for it",
                code="AuthenticationError.CUSTOMER_NOT_FOUND",
            )
        return infos[0]

    def close(self) -> None:
        """Close every gRPC channel opened so far."""
        self._conn.close()

    # -- plumbing -------------------------------------------------------------------------

    def _update_client_link(
        self, manager: CustomerId, link: GoogleLink, new: LinkStatus, action: str
    ) -> LinkChange:
        login = self._login(manager)
        ads = self._conn.client(login)
        service = self._conn.service(login, _CLIENT_LINKS)
        request = ads.get_type("MutateCustomerClientLinkRequest")
        request.customer_id = manager.digits
        self._set_status(ads, request.operation, new)
        request.operation.update.resource_name = service.customer_client_link_path(
            manager.digits, link.client.digits, str(link.manager_link_id)
        )
        _, request_id = self._send(
            login, _CLIENT_LINKS, "mutate_customer_client_link", request, action, link.client
        )
        return LinkChange(replace(link, status=new), request_id)

    @classmethod
    def _set_status(cls, ads: Any, operation: Any, new: LinkStatus) -> None:
        """Set the update's status and a mask naming only that field."""
        operation.update.status = getattr(ads.enums.ManagerLinkStatusEnum, str(new.google_name))
        cls._mask(ads, operation)

    @staticmethod
    def _mask(ads: Any, operation: Any, before: Any = None) -> None:
        """Mask the fields of ``operation.update`` that differ from ``before`` (an empty
        message if None).

        Called before the resource name is set: the name identifies, it does not change.
        """
        from google.api_core import protobuf_helpers

        original = None if before is None else before._pb
        mask = protobuf_helpers.field_mask(original, operation.update._pb)  # type: ignore[no-untyped-call]
        ads.copy_from(operation.update_mask, mask)

    def _send(
        self,
        login: CustomerId | None,
        service_name: str,
        method: str,
        request: Any,
        action: str,
        client: CustomerId | None = None,
    ) -> tuple[Any, str | None]:
        """``service.method(request=request)``, retried; the response and its request id.
        ``client``: the client account of a call on a link, named in a refusal's fix."""
        timeout = self._policy.attempt_timeout
        return self._conn.call(
            login,
            service_name,
            lambda s: getattr(s, method)(request=request, timeout=timeout),
            action,
            None if client is None else str(client),
        )

    def _already_linked(
        self, manager: CustomerId, client: CustomerId, refusal: LinkRefused
    ) -> LinkChange:
        link = self.get_link(manager, client)
        if link is None:
            raise refusal
        return LinkChange(link, refusal.request_id, already=True)

    def _search(
        self,
        manager: CustomerId,
        query: str,
        action: str,
        parse: Callable[[Any], list[T]],
        *,
        login: CustomerId | None = None,
    ) -> tuple[list[T], str | None]:
        """Every row of one SearchStream (never a page size) through ``parse``, and the request id.

        Logged in as ``login``, else as ``_login(manager)``. ``parse`` gets each batch's rows
        as raw protobuf messages: proto-plus wraps and marshals on every attribute access,
        which for 50,000 links cost more than the rest of a monitor cycle together.
        """
        login = login or self._login(manager)

        def stream(service: Any) -> tuple[list[T], str]:
            # Consumed inside the attempt: a stream can fail after its first batch. Each
            # batch is parsed as it arrives and dropped, so the raw rows of a big MCC never
            # sit in memory together, and parsing overlaps the server sending the next one.
            parsed: list[T] = []
            request_id = ""
            responses = service.search_stream(
                customer_id=manager.digits, query=query, timeout=self._policy.attempt_timeout
            )
            for batch in responses:
                raw = type(batch).pb(batch)
                parsed += parse(raw.results)
                request_id = request_id or raw.request_id
            return parsed, request_id

        (parsed, stream_id), header_id = self._conn.call(login, "GoogleAdsService", stream, action)
        return parsed, stream_id or header_id

    def _parser(self, manager: CustomerId) -> Callable[[Any], list[GoogleLink]]:
        return lambda rows: self._links(manager, rows)

    def _links(self, manager: CustomerId, rows: Any) -> list[GoogleLink]:
        """``GoogleLink``s of raw ``customer_client_link`` rows; unknown statuses skipped."""
        if not rows:
            return []
        names, statuses = _link_statuses(rows[0].customer_client_link)
        links = []
        for row in rows:
            link = row.customer_client_link
            status = statuses.get(link.status)
            if status is None:
                name = names.get(link.status, link.status)
                _log.warning("skipping link %s: status %s", link.resource_name, name)
                continue
            links.append(
                GoogleLink(
                    manager=manager,
                    client=_customer(link.client_customer),
                    manager_link_id=link.manager_link_id,
                    status=status,
                    resource_name=link.resource_name,
                    hidden=link.hidden,
                )
            )
        return links

    def is_sub_manager(self, customer: CustomerId) -> bool:
        """Whether ``customer`` is a manager below the home MCC, as its tree lists them (one
        SearchStream, read once and shared with the logins); False without a home MCC, or
        when Google would not list them."""
        return self._home is not None and customer in self._managers_of_home(self._home)

    def _login(self, manager: CustomerId) -> CustomerId:
        """The login customer for a call on ``manager``: ``GOOGLE_ADS_LOGIN_CUSTOMER_ID``;
        else the home MCC when ``manager`` is a sub-manager of it (one login reaches the
        whole tree, while the user may have no access to the sub-manager itself); else
        ``manager``."""
        configured = self._settings.login_customer_id
        if configured is not None:
            return configured
        home = self._home
        if home is None or manager == home or manager not in self._managers_of_home(home):
            return manager
        return home

    def _managers_of_home(self, home: CustomerId) -> frozenset[CustomerId]:
        """The managers below ``home`` at any level, read once (one SearchStream) and kept
        for the adapter's life; when Google refuses, none (and read again next time)."""
        with self._home_lock:
            if self._home_managers is None:
                try:
                    found, _ = self._search(
                        home,
                        MANAGERS_QUERY,
                        f"reading the sub-managers of {home}",
                        lambda rows: [CustomerId.parse(str(r.customer_client.id)) for r in rows],
                        login=home,
                    )
                except GoogleAdsError as exc:
                    _log.warning("acting on sub-managers as themselves: %s", exc)
                    return frozenset()
                self._home_managers = frozenset(found)
            return self._home_managers


def _customer(resource_name: str) -> CustomerId:
    # Google writes ``customers/`` and 10 digits; CustomerId checks them (no regex needed).
    return CustomerId(resource_name.removeprefix("customers/"))


def _link_statuses(link: Any) -> tuple[dict[int, str], dict[int, LinkStatus]]:
    """``ManagerLinkStatus`` numbers -> names, and -> mcclink statuses (those that have one).

    Read from the raw message's own descriptor, so they are the installed API version's.
    """
    enum = link.DESCRIPTOR.fields_by_name["status"].enum_type
    names = {value.number: value.name for value in enum.values}
    statuses = {}
    for number, name in names.items():
        try:
            statuses[number] = LinkStatus.from_google(name)
        except InvalidStatus:
            continue  # UNSPECIFIED, UNKNOWN: such a link is skipped
    return names, statuses


def _status(row: Any) -> str:
    """The name of a raw ``customer`` / ``customer_client`` row's ``CustomerStatus``."""
    return str(row.DESCRIPTOR.fields_by_name["status"].enum_type.values_by_number[row.status].name)


def _account(row: Any) -> AccountInfo:
    return AccountInfo(
        customer_id=CustomerId.parse(str(row.id)),
        name=row.descriptive_name,
        currency_code=row.currency_code,
        time_zone=row.time_zone,
        test_account=bool(row.test_account),
        manager=bool(row.manager),
        status=_status(row),
    )


def _node(row: Any) -> AccountNode:
    return AccountNode(
        customer_id=CustomerId.parse(str(row.id)),
        name=row.descriptive_name,
        level=int(row.level),
        manager=bool(row.manager),
        currency_code=row.currency_code,
        time_zone=row.time_zone,
        hidden=bool(row.hidden),
        status=_status(row),
        test_account=bool(row.test_account),
    )
