"""The emulator's records: accounts, manager links, users and calls (plain data, no rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: Google Ads access levels, weakest first (support.google.com/google-ads/answer/9978556).
ROLES = ("EMAIL_ONLY", "READ_ONLY", "STANDARD", "ADMIN")


@dataclass
class Account:
    """A Google Ads account (manager or advertiser)."""

    id: str
    name: str
    manager: bool = False
    status: str = "ENABLED"
    test_account: bool = False
    accessible: bool = True
    can_manage_clients: bool = True
    account_limit: int | None = None
    auto_respond: str | None = None
    currency_code: str = "BRL"
    time_zone: str = "America/Sao_Paulo"


@dataclass
class Link:
    """One manager link (one invitation and what became of it)."""

    manager: str
    client: str
    manager_link_id: int
    status: str
    hidden: bool = False

    @property
    def client_link_name(self) -> str:
        """The ``customer_client_link`` resource name (seen from the manager)."""
        return f"customers/{self.manager}/customerClientLinks/{self.client}~{self.manager_link_id}"

    @property
    def manager_link_name(self) -> str:
        """The ``customer_manager_link`` resource name (seen from the client)."""
        return f"customers/{self.client}/customerManagerLinks/{self.manager}~{self.manager_link_id}"


@dataclass(frozen=True)
class User:
    """A person who signs in with Google: the accounts they reach directly, with a role each.

    ``access`` maps account ids to a name in ``ROLES``; None means the emulator's own manager
    user, who has ADMIN access to every account whose ``Account.accessible`` is set.
    """

    email: str
    name: str
    access: Mapping[str, str] | None
    hd: str | None = None
    #: Whether Google has verified the address (the ``email_verified`` claim).
    email_verified: bool = True


@dataclass(frozen=True)
class CallInfo:
    """What a handler needs from the call besides the request."""

    request_id: str
    login_customer_id: str | None
    #: The API version of the call's method path (``v26``): its classes answer it.
    version: str
    #: ``Service.Method``, as in the method path.
    method: str
    #: The email of the user the call's access token speaks for (set once it is checked).
    user: str = ""
