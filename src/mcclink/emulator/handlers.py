"""What each RPC does: read the request, apply Google's rules, build the response.

Each handler is ``(state, request, call) -> response`` and runs with ``state.lock`` held (the
servicer takes it); it raises ``RpcFault`` having changed nothing. The gRPC plumbing (metadata,
knobs, authentication, serialization) is in ``servicers``.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mcclink.emulator import access, failures, gaql, links, protos, resources
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import Account, CallInfo, Link
from mcclink.emulator.state import EmulatorState

#: Rows per Search page and per SearchStream message, as Google serves them.
PAGE_ROWS = 10_000

_CLIENT_LINK = re.compile(r"customers/(\d{10})/customerClientLinks/(\d{10})~(\d+)")
_MANAGER_LINK = re.compile(r"customers/(\d{10})/customerManagerLinks/(\d{10})~(\d+)")


@dataclass(frozen=True)
class _Mutable:
    """What an update may change in a resource: the fields the API reference leaves neither
    ``Immutable`` nor ``Output only``
    (https://developers.google.com/google-ads/api/reference/rpc/latest/CustomerClientLink,
    .../CustomerManagerLink)."""

    module: str
    resource: str
    fields: frozenset[str]


_CLIENT_LINK_MUTABLE = _Mutable(
    "customer_client_link", "CustomerClientLink", frozenset({"status", "hidden"})
)
_MANAGER_LINK_MUTABLE = _Mutable(
    "customer_manager_link", "CustomerManagerLink", frozenset({"status"})
)


def _service(module: str, call: CallInfo) -> Any:
    return protos.load(f"services.types.{module}", call.version)


# -- CustomerClientLinkService ---------------------------------------------------------------


def mutate_customer_client_link(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """Invite a client (create PENDING), or cancel / end a link (update status)."""
    manager = access.authorize(state, request.customer_id, call, needs="ADMIN")
    types = _service("customer_client_link_service", call)
    operation = request.operation
    if "create" in operation:
        link = _create_client_link(state, manager, operation.create, request.validate_only)
    elif "update" in operation:
        link = _update_client_link(state, manager, operation, request.validate_only, call)
    else:
        raise _operation_required(("operation",))
    if link is None or request.validate_only:
        return types.MutateCustomerClientLinkResponse()
    result = types.MutateCustomerClientLinkResult(resource_name=link.client_link_name)
    return types.MutateCustomerClientLinkResponse(result=result)


def _create_client_link(
    state: EmulatorState, manager: Account, created: Any, validate_only: bool
) -> Link | None:
    status = created.status.name
    if status == "ACTIVE":
        raise RpcFault(
            failures.CREATING_ENABLED_LINK,
            "The link was created with status ACTIVE and not PENDING.",
            location=("operation", "create", "status"),
        )
    if status != "PENDING":
        raise RpcFault(
            failures.INVALID_STATUS_CHANGE,
            f"A new link must be PENDING, not {status}.",
            location=("operation", "create", "status"),
        )
    where = ("operation", "create", "client_customer")
    client_id = access.customer_reference(created.client_customer, where)
    return links.invite(state, manager, client_id, validate_only=validate_only, location=where)


def _update_client_link(
    state: EmulatorState, manager: Account, operation: Any, validate_only: bool, call: CallInfo
) -> Link:
    changed = _masked_fields(
        operation.update_mask.paths, _CLIENT_LINK_MUTABLE, ("operation",), call
    )
    where = ("operation", "update", "resource_name")
    link = _find_link(state, _CLIENT_LINK, operation.update.resource_name, where, manager.id, 0)
    before = (link.status, link.hidden)
    try:
        if "hidden" in changed:
            links.manager_set_hidden(link, operation.update.hidden, validate_only=validate_only)
        if "status" in changed:
            links.manager_set_status(
                link, operation.update.status.name, validate_only=validate_only
            )
    except RpcFault:
        link.status, link.hidden = before
        raise
    return link


# -- CustomerManagerLinkService --------------------------------------------------------------


def mutate_customer_manager_link(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """The client accepts (ACTIVE), refuses (REFUSED) or ends (INACTIVE) manager links."""
    client = access.authorize(state, request.customer_id, call, needs="ADMIN")
    access.require_login_is_customer(client, call.login_customer_id)
    if not request.operations:
        raise _operation_required(("operations",))
    changes: list[tuple[Link, str, tuple[str, ...]]] = []
    for index, operation in enumerate(request.operations):
        where = f"operations[{index}]"
        if "update" not in operation:
            raise _operation_required((where,))
        _masked_fields(operation.update_mask.paths, _MANAGER_LINK_MUTABLE, (where,), call)
        name = operation.update.resource_name
        link = _find_link(
            state, _MANAGER_LINK, name, (where, "update", "resource_name"), client.id, 1
        )
        if any(other is link for other, _, _ in changes):
            raise RpcFault(
                failures.SAME_LINK_TWICE,
                "Attempt to operate on the same client more than once in the same call.",
                location=(where,),
            )
        changes.append((link, operation.update.status.name, (where, "update", "status")))
    _apply_client_changes(state, changes, request.validate_only)
    types = _service("customer_manager_link_service", call)
    if request.validate_only:
        return types.MutateCustomerManagerLinkResponse()
    return types.MutateCustomerManagerLinkResponse(
        results=[
            types.MutateCustomerManagerLinkResult(resource_name=link.manager_link_name)
            for link, _, _ in changes
        ]
    )


def _apply_client_changes(
    state: EmulatorState, changes: Sequence[tuple[Link, str, tuple[str, ...]]], validate_only: bool
) -> None:
    """All operations or none: a refusal part-way restores the statuses already changed."""
    before = [(link, link.status) for link, _, _ in changes]
    try:
        for link, status, where in changes:
            links.client_set_status(
                state, link, status, validate_only=validate_only, location=where
            )
    except RpcFault:
        for link, status in before:
            link.status = status
        raise


def move_manager_link(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """Move an ACTIVE client from one manager to another in the login's hierarchy."""
    client = access.authorize(state, request.customer_id, call, needs="ADMIN")
    where = ("previous_customer_manager_link",)
    link = _find_link(
        state, _MANAGER_LINK, request.previous_customer_manager_link, where, client.id, 1
    )
    new_manager = access.customer_reference(request.new_manager, ("new_manager",))
    login = call.login_customer_id or client.id
    moved = links.move(state, link, new_manager, login, validate_only=request.validate_only)
    types = _service("customer_manager_link_service", call)
    return types.MoveManagerLinkResponse(resource_name=moved.manager_link_name if moved else "")


# -- CustomerService -------------------------------------------------------------------------


def create_customer_client(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """Create a new account under the manager, ACTIVE-linked to it."""
    manager = access.authorize(state, request.customer_id, call, needs="ADMIN")
    new = request.customer_client
    account = links.create_account(
        state,
        manager,
        new.descriptive_name,
        new.currency_code,
        new.time_zone,
        validate_only=request.validate_only,
    )
    if account is not None:
        # Reachable through the manager only: a person gets direct access by accepting the
        # invitation CreateCustomerClientRequest.email_address sends (API reference,
        # CustomerService.CreateCustomerClient), which the emulator does not send.
        account.accessible = False
    types = _service("customer_service", call)
    return types.CreateCustomerClientResponse(
        resource_name=f"customers/{account.id}" if account else ""
    )


def list_accessible_customers(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """The accounts the OAuth user can access directly (no login customer needed)."""
    names = [f"customers/{a.id}" for a in access.accessible_customers(state, call.user)]
    return _service("customer_service", call).ListAccessibleCustomersResponse(resource_names=names)


# -- GoogleAdsService ------------------------------------------------------------------------


def search(state: EmulatorState, request: Any, call: CallInfo) -> Any:
    """One page of query results (page size fixed at 10,000 rows, as Google's)."""
    if request.page_size:
        raise RpcFault(
            failures.PAGE_SIZE_NOT_SUPPORTED,
            "Setting the page size is not supported.",
            location=("page_size",),
        )
    query, found = _run_query(state, request, call)
    start = _page_offset(request.page_token)
    end = start + PAGE_ROWS
    response = _service("google_ads_service", call).SearchGoogleAdsResponse
    raw = response.pb()(
        next_page_token=_page_token(end) if end < len(found) else "",
        field_mask={"paths": list(query.fields)},
        # Every page carries the count when asked (SearchSettings.return_total_results_count).
        total_results_count=len(found) if request.search_settings.return_total_results_count else 0,
    )
    resources.add_rows(query, found[start:end], raw.results)
    return response.wrap(raw)


def search_stream(state: EmulatorState, request: Any, call: CallInfo) -> Iterator[Any]:
    """Every result, in messages of up to 10,000 rows (at least one message).

    The query runs now, under the lock; the messages are built as the client reads them.
    """
    query, found = _run_query(state, request, call)
    return _stream_batches(query, found, call)


def _stream_batches(query: gaql.Query, found: list[gaql.Record], call: CallInfo) -> Iterator[Any]:
    response = _service("google_ads_service", call).SearchGoogleAdsStreamResponse
    for start in range(0, max(len(found), 1), PAGE_ROWS):
        raw = response.pb()(field_mask={"paths": list(query.fields)}, request_id=call.request_id)
        resources.add_rows(query, found[start : start + PAGE_ROWS], raw.results)
        yield response.wrap(raw)


def _run_query(
    state: EmulatorState, request: Any, call: CallInfo
) -> tuple[gaql.Query, list[gaql.Record]]:
    customer = access.authorize(state, request.customer_id, call)
    query = gaql.parse(request.query, resources.catalog(call.version))
    if getattr(request, "validate_only", False):
        return query, []
    return query, query.run(resources.records(state, query, customer))


def _page_offset(token: str) -> int:
    if not token:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("offset:"))
    except ValueError:
        offset = -1
    if offset < 0:
        raise RpcFault(
            failures.INVALID_PAGE_TOKEN, "Page token is invalid.", location=("page_token",)
        )
    return offset


def _page_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


# -- shared request checks -------------------------------------------------------------------


def _find_link(
    state: EmulatorState,
    pattern: re.Pattern[str],
    resource_name: str,
    where: Sequence[str],
    owner: str,
    manager_group: int,
) -> Link:
    """The link a resource name names, under the request's customer ``owner``.

    ``manager_group`` says which of the name's two ids is the manager (0 for
    ``customers/{manager}/customerClientLinks/{client}~id``, 1 for the manager-link form).

    Raises:
        RpcFault: a malformed name, or no such link under ``owner``.
    """
    match = pattern.fullmatch(resource_name)
    if match is None:
        raise RpcFault(
            failures.RESOURCE_NAME_MALFORMED,
            f"Resource name {resource_name!r} is malformed.",
            location=where,
        )
    ids = (match[1], match[2])
    manager, client = ids[manager_group], ids[1 - manager_group]
    link = state.find_link(manager, client, int(match[3])) if match[1] == owner else None
    if link is None:
        raise RpcFault(failures.RESOURCE_NOT_FOUND, "The resource was not found.", location=where)
    return link


def _masked_fields(
    paths: Sequence[str], mutable: _Mutable, where: tuple[str, ...], call: CallInfo
) -> frozenset[str]:
    """The fields an update mask changes, checked by the rules of Google's ``FieldMaskError``
    and ``FieldError`` enums: a path that is no field of the resource is ``FIELD_NOT_FOUND``,
    an ``Immutable`` / ``Output only`` one ``IMMUTABLE_FIELD``, no mask ``FIELD_MASK_MISSING``.
    ``resource_name`` only names the resource (Google's published accept example sends it in
    the mask it builds with ``protobuf_helpers.field_mask``); it changes nothing.

    Raises:
        RpcFault: the mask is missing, names no field to change, or names one it cannot.
    """
    resource = getattr(
        protos.load(f"resources.types.{mutable.module}", call.version), mutable.resource
    )
    mask = (*where, "update_mask")
    for path in paths:
        if path not in resource.meta.fields:
            raise RpcFault(
                failures.FIELD_NOT_FOUND,
                f"The field mask contained an invalid field: {path!r} is no field of "
                f"{mutable.resource}.",
                location=mask,
            )
        if path != "resource_name" and path not in mutable.fields:
            raise RpcFault(
                failures.IMMUTABLE_FIELD,
                f"The field cannot be modified: {mutable.resource}.{path} is read-only.",
                location=(*where, "update", path),
            )
    changed = frozenset(paths) & mutable.fields
    if not changed:
        raise RpcFault(
            failures.FIELD_MASK_MISSING,
            "The field mask is missing: name the fields to update "
            f"({', '.join(sorted(mutable.fields))}).",
            location=mask,
        )
    return changed


def _operation_required(where: Sequence[str]) -> RpcFault:
    return RpcFault(
        failures.OPERATION_REQUIRED,
        "Mutate operations must have 'create', 'update', or 'remove' specified.",
        location=where,
    )
