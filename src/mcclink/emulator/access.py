"""Who may act on which account: the request's customer id and its login-customer-id.

Google's rule: the OAuth user must have direct access to the login customer (the
``login-customer-id`` header, or the request's customer when the header is absent), and the
request's customer must be the login customer or sit below it in the hierarchy of ACTIVE links.
Called with ``state.lock`` held.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mcclink.emulator import failures
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import Account

if TYPE_CHECKING:
    from mcclink.emulator.state import EmulatorState

_DIGITS = re.compile(r"\d{10}")
_CUSTOMER_NAME = re.compile(r"customers/(\d{10})")

_PERMISSION_MESSAGE = (
    "User doesn't have permission to access customer {customer}. Note: If you're accessing a "
    "client customer, the manager's customer id must be set in the 'login-customer-id' header."
)


def authorize(state: EmulatorState, customer_id: str, login: str | None) -> Account:
    """The request's customer, once the user and login customer may act on it.

    Raises:
        RpcFault: a malformed or unknown id, a login customer the user cannot access, a
            customer outside the login's hierarchy, or an account that is not enabled.
    """
    customer = _existing(state, customer_id)
    login_id = customer.id if login is None else login
    if not _DIGITS.fullmatch(login_id):
        raise RpcFault(
            failures.INVALID_LOGIN_CUSTOMER_ID,
            f"The login customer id header {login_id!r} is not a valid customer id (10 digits).",
        )
    login_account = state.account(login_id)
    if login_account is None or not login_account.accessible:
        raise _denied(login_id)
    for account in (login_account, customer):
        if account.status != "ENABLED":
            raise RpcFault(
                failures.CUSTOMER_NOT_ENABLED,
                f"The customer account {account.id} can't be accessed because it is not yet "
                "enabled or has been deactivated.",
            )
    if not state.is_under(customer.id, login_id):
        raise _denied(customer.id)
    return customer


def require_login_is_customer(customer: Account, login: str | None) -> None:
    """Only the account itself may answer or end its own manager links.

    Raises:
        RpcFault: ``USER_PERMISSION_DENIED`` when the login customer is another account.
    """
    if login is not None and login != customer.id:
        raise RpcFault(
            failures.USER_PERMISSION_DENIED,
            f"Only customer {customer.id} itself may change its manager links: set the "
            f"'login-customer-id' header to {customer.id}.",
        )


def customer_reference(resource_name: str, location: Sequence[str]) -> str:
    """The customer id in a ``customers/{id}`` reference inside an operation.

    Raises:
        RpcFault: ``RESOURCE_NAME_MALFORMED`` for anything else.
    """
    match = _CUSTOMER_NAME.fullmatch(resource_name)
    if match is None:
        raise RpcFault(
            failures.RESOURCE_NAME_MALFORMED,
            f"Resource name {resource_name!r} is malformed: expected customers/{{customer_id}}.",
            location=location,
        )
    return match[1]


def _existing(state: EmulatorState, customer_id: str) -> Account:
    if not _DIGITS.fullmatch(customer_id):
        raise RpcFault(
            failures.INVALID_CUSTOMER_ID, "Invalid customer ID.", location=("customer_id",)
        )
    account = state.account(customer_id)
    if account is None:
        raise RpcFault(
            failures.CUSTOMER_NOT_FOUND, "No customer found for the provided customer id."
        )
    return account


def _denied(customer_id: str) -> RpcFault:
    return RpcFault(
        failures.USER_PERMISSION_DENIED, _PERMISSION_MESSAGE.format(customer=customer_id)
    )
