"""The emulator's records: accounts and manager links (plain data, no rules)."""

from __future__ import annotations

from dataclasses import dataclass


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
