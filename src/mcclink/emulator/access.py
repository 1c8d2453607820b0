"""Who may act on which account: the OAuth user, the request's customer and login customer.

Google's rule: the OAuth user must have direct access to the login customer (the
``login-customer-id`` header, or the request's customer when the header is absent), and the
request's customer must be the login customer or sit below it in the hierarchy of ACTIVE links
(https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid). What the
user may do there follows the role on the login customer (Google Ads access levels,
https://support.google.com/google-ads/answer/9978556): EMAIL_ONLY cannot see the account,
READ_ONLY and up can read, and only ADMIN may accept, refuse or end manager links (and, on a
manager, manage its hierarchy). The error each refusal answers is listed in ``failures``.
Called with ``state.lock`` held.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from mcclink.emulator import failures
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import ROLES, Account, CallInfo

if TYPE_CHECKING:
    from mcclink.emulator.state import EmulatorState

_DIGITS = re.compile(r"\d{10}")
_CUSTOMER_NAME = re.compile(r"customers/(\d{10})")

_PERMISSION_MESSAGE = (
    "User doesn't have permission to access customer {customer}. Note: If you're accessing a "
    "client customer, the manager's customer id must be set in the 'login-customer-id' header."
)


def authorize(
    state: EmulatorState, customer_id: str, call: CallInfo, *, needs: str = "READ_ONLY"
) -> Account:
    """The request's customer, once the user and login customer may act on it.

    Args:
        state: the emulator's world.
        customer_id: the request's customer id.
        call: the call's login customer and user.
        needs: the weakest role (in ``model.ROLES``) the action takes.

    Raises:
        RpcFault: a malformed or unknown id, a login customer the user cannot access, a
            customer outside the login's hierarchy, an account that is not enabled, or a role
            too weak for the action.
    """
    customer = _existing(state, customer_id)
    login_id = customer.id if call.login_customer_id is None else call.login_customer_id
    if not _DIGITS.fullmatch(login_id):
        raise RpcFault(
            failures.INVALID_LOGIN_CUSTOMER_ID,
            f"The login customer id header {login_id!r} is not a valid customer id (10 digits).",
        )
    login_account = state.account(login_id)
    role = None if login_account is None else state.role(call.user, login_account)
    if login_account is None or not _can_see(role):
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
    if ROLES.index(str(role)) < ROLES.index(needs):
        raise RpcFault(
            failures.ACTION_NOT_PERMITTED,
            f"The user's {role} access to customer {login_id} does not permit this action: "
            f"it needs {needs} access.",
        )
    return customer


def accessible_customers(state: EmulatorState, user: str) -> list[Account]:
    """The accounts ``user`` reaches directly (``ListAccessibleCustomers``), in id order."""
    return [a for a in state.accounts() if _can_see(state.role(user, a))]


def _can_see(role: str | None) -> bool:
    # Email-only users receive notifications but cannot sign in to the account.
    return role is not None and role != "EMAIL_ONLY"


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
