"""A fake Google Ads gateway for the service's unit tests: links in a dict, Google's rules.

``FakeAds.as_user(roles)`` is the same Google seen through a signed-in person's token: only
their accounts, and only an ADMIN answers an invitation (``AuthorizationError`` codes).
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections import Counter
from collections.abc import Callable, Mapping

from mcclink.domain import CustomerId, LinkStatus
from mcclink.errors import AccountNotFound, GoogleAdsError, LinkRefused, PermissionDenied
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


class FakeAds(AdsGateway):
    """Google Ads in memory: one newest link per (manager, client), ids always increasing."""

    def __init__(self, accounts: set[str] | None = None) -> None:
        self.accounts = {CustomerId.parse(a) for a in (accounts or set())}
        self.links: dict[tuple[CustomerId, CustomerId], GoogleLink] = {}
        #: What ``describe_account`` answers, where a test sets more than the defaults.
        self.infos: dict[CustomerId, AccountInfo] = {}
        self.invitations: Counter[CustomerId] = Counter()
        self.calls: Counter[str] = Counter()
        self.fail_next: GoogleAdsError | None = None
        #: method name -> the error its next call raises (the other methods still work).
        self.failures: dict[str, GoogleAdsError] = {}
        #: A signed-in person's role per account; None: the agency's user, who reaches all.
        self.roles: dict[CustomerId, str] | None = None
        #: Runs after Google has changed state, before the answer returns (crash tests).
        self.after_change: Callable[[], None] | None = None
        self._ids = itertools.count(100)
        self._requests = itertools.count(1)

    def as_user(self, roles: Mapping[str, str]) -> FakeAds:
        """This Google seen by a person with ``roles`` (customer id -> ADMIN, READ_ONLY, ...).

        Links, accounts, ids and call counts are shared; failures are the user's own.
        """
        user = copy.copy(self)
        user.roles = {CustomerId.parse(c): role for c, role in roles.items()}
        user.fail_next, user.failures = None, {}
        return user

    def _request(self, method: str) -> str:
        self.calls[method] += 1
        if self.fail_next is not None:
            exc, self.fail_next = self.fail_next, None
            raise exc
        if method in self.failures:
            raise self.failures.pop(method)
        return f"req-{next(self._requests)}"

    def _require(self, customer: CustomerId, roles: tuple[str, ...], request_id: str) -> None:
        """Google's check of a signed-in person's role on ``customer``."""
        if self.roles is None:
            return
        role = self.roles.get(customer)
        if role is None or role == "EMAIL_ONLY":
            raise PermissionDenied(
                "user cannot access the customer",
                code="AuthorizationError.USER_PERMISSION_DENIED",
                request_id=request_id,
            )
        if role not in roles:
            raise PermissionDenied(
                f"{role} access does not permit this action",
                code="AuthorizationError.ACTION_NOT_PERMITTED",
                request_id=request_id,
            )

    def _set(self, link: GoogleLink, status: LinkStatus, request_id: str) -> LinkChange:
        new = GoogleLink(
            link.manager, link.client, link.manager_link_id, status, link.resource_name
        )
        self.links[(link.manager, link.client)] = new
        if self.after_change is not None:
            self.after_change()
        return LinkChange(new, request_id)

    def send_invitation(
        self, manager: CustomerId, client: CustomerId, *, validate_only: bool = False
    ) -> LinkChange:
        request_id = self._request("send_invitation")
        if client not in self.accounts:
            raise AccountNotFound(
                "no such account", code="CUSTOMER_NOT_FOUND", request_id=request_id
            )
        current = self.links.get((manager, client))
        if current and current.status in (LinkStatus.PENDING, LinkStatus.APPROVED):
            return LinkChange(current, request_id, already=True)
        if validate_only:  # as Google: checked, nothing created, no link id
            return LinkChange(GoogleLink(manager, client, 0, LinkStatus.PENDING, ""), request_id)
        link_id = next(self._ids)
        link = GoogleLink(
            manager,
            client,
            link_id,
            LinkStatus.PENDING,
            f"customers/{manager.digits}/customerClientLinks/{client.digits}~{link_id}",
        )
        self.invitations[client] += 1
        return self._set(link, LinkStatus.PENDING, request_id)

    def _transition(
        self, method: str, link: GoogleLink, frm: LinkStatus, to: LinkStatus
    ) -> LinkChange:
        request_id = self._request(method)
        answering = method == "respond"  # as the client: only its ADMIN may (Google's rule)
        if answering:
            self._require(link.client, ("ADMIN",), request_id)
        current = self.links.get((link.manager, link.client))
        if current is None or current.status is not frm:
            code = (
                "CustomerManagerLinkError.NO_PENDING_INVITE"
                if answering
                else "INVALID_STATUS_CHANGE"
            )
            raise LinkRefused("invalid status change", code=code, request_id=request_id)
        return self._set(current, to, request_id)

    def cancel_invitation(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        return self._transition("cancel", link, LinkStatus.PENDING, LinkStatus.CANCELLED)

    def end_link(self, manager: CustomerId, link: GoogleLink) -> LinkChange:
        return self._transition("end", link, LinkStatus.APPROVED, LinkStatus.UNLINKED)

    def respond_as_client(self, link: GoogleLink, *, accept: bool) -> LinkChange:
        to = LinkStatus.APPROVED if accept else LinkStatus.REJECTED
        return self._transition("respond", link, LinkStatus.PENDING, to)

    def set_hidden(self, manager: CustomerId, link: GoogleLink, hidden: bool) -> LinkChange:
        request_id = self._request("set_hidden")
        current = self._active(manager, link.client, request_id)
        self.links[(manager, link.client)] = dataclasses.replace(current, hidden=hidden)
        return LinkChange(self.links[(manager, link.client)], request_id)

    def move_client(
        self, manager: CustomerId, link: GoogleLink, new_manager: CustomerId
    ) -> LinkChange:
        """Google's move within the agency's tree: any manager but the current one."""
        request_id = self._request("move_client")
        current = self._active(manager, link.client, request_id)
        self._set(current, LinkStatus.UNLINKED, request_id)
        link_id = next(self._ids)
        name = f"customers/{new_manager.digits}/customerClientLinks/{link.client.digits}~{link_id}"
        moved = GoogleLink(new_manager, link.client, link_id, LinkStatus.APPROVED, name)
        self.links[(new_manager, link.client)] = moved
        return LinkChange(moved, request_id)

    def _active(self, manager: CustomerId, client: CustomerId, request_id: str) -> GoogleLink:
        current = self.links.get((manager, client))
        if current is None or current.status is not LinkStatus.APPROVED:
            raise LinkRefused(
                "only an ACTIVE link", code="ManagerLinkError.INVALID_CHANGE", request_id=request_id
            )
        return current

    def advertiser(self, manager: str, client: str, to: LinkStatus) -> None:
        """The advertiser acts in Google Ads, outside mcclink."""
        key = (CustomerId.parse(manager), CustomerId.parse(client))
        link = self.links[key]
        self.links[key] = GoogleLink(
            link.manager, link.client, link.manager_link_id, to, link.resource_name
        )

    def list_links(self, manager: CustomerId) -> LinkListing:
        request_id = self._request("list_links")
        return LinkListing([x for (m, _), x in self.links.items() if m == manager], request_id)

    def get_link(self, manager: CustomerId, client: CustomerId) -> GoogleLink | None:
        self._request("get_link")
        return self.links.get((manager, client))

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
        request_id = self._request("create_client_account")
        cid = CustomerId(f"{9000000000 + next(self._ids)}")
        self.accounts.add(cid)
        link_id = next(self._ids)
        self.links[(manager, cid)] = GoogleLink(
            manager,
            cid,
            link_id,
            LinkStatus.APPROVED,
            f"customers/{manager.digits}/customerClientLinks/{cid.digits}~{link_id}",
        )
        return NewAccount(cid, f"customers/{cid.digits}", request_id)

    def list_accessible_customers(self) -> list[CustomerId]:
        self._request("list_accessible_customers")
        if self.roles is not None:
            return sorted(c for c, role in self.roles.items() if role != "EMAIL_ONLY")
        return sorted(self.accounts)

    def hierarchy(self, manager: CustomerId) -> list[AccountNode]:
        """The manager and the accounts it manages (ACTIVE links), as Google lists them."""
        self._request("hierarchy")
        managed = [
            self._info(link.client)
            for (m, _), link in self.links.items()
            if m == manager and link.status is LinkStatus.APPROVED
        ]
        return [
            AccountNode(manager, "Manager", 0, True, "BRL", "America/Sao_Paulo"),
            *(AccountNode(i.customer_id, i.name, 1, i.manager, i.currency_code, i.time_zone)
              for i in managed),
        ]  # fmt: skip

    def manager_view(self, manager: CustomerId, root: CustomerId) -> ManagerView:
        """The manager's accounts (as ``hierarchy``) and the clients it invited (PENDING)."""
        pending = [
            client
            for (m, client), link in self.links.items()
            if m == manager and link.status is LinkStatus.PENDING
        ]
        return ManagerView(self.hierarchy(manager), pending)

    def describe_account(self, customer: CustomerId) -> AccountInfo:
        request_id = self._request("describe_account")
        self._require(customer, ("ADMIN", "STANDARD", "READ_ONLY"), request_id)
        if customer not in self.accounts:
            raise AccountNotFound(
                "no such account",
                code="AuthenticationError.CUSTOMER_NOT_FOUND",
                request_id=request_id,
            )
        return self._info(customer)

    def _info(self, customer: CustomerId) -> AccountInfo:
        default = AccountInfo(
            customer, f"Account {customer}", "BRL", "America/Sao_Paulo", False, False, "ENABLED"
        )
        return self.infos.get(customer, default)
