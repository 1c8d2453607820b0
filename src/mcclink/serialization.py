"""Clients, history entries, onboarding links and staff records to and from plain dicts, with
stable keys.

Both store backends and the CLI's ``--json`` output use this one codec, so a record looks
the same wherever it is read. Customer ids are 10 digits; datetimes are ISO-8601 UTC
strings of fixed width (``2026-11-29T02:49:48.123456Z``), so they sort as text; a naive
datetime is taken to be UTC already. Absent optional values are ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from mcclink.domain import (
    Client,
    CustomerId,
    HistoryEntry,
    LastError,
    LinkStatus,
    Operation,
    Outcome,
)
from mcclink.errors import InputError
from mcclink.onboarding import OnboardingLink
from mcclink.staff import ApiToken, Role, StaffSession, StaffUser

if TYPE_CHECKING:
    from mcclink.monitor import SyncReport
    from mcclink.ports import GoogleLink

_TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
_E = TypeVar("_E", Operation, Outcome, LinkStatus)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC (a naive datetime is taken to be UTC already)."""
    if moment.tzinfo is UTC:
        return moment  # every timestamp read from a store
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def format_timestamp(moment: datetime) -> str:
    """``moment`` as a fixed-width ISO-8601 UTC string (naive means UTC)."""
    return as_utc(moment).strftime(_TIMESTAMP_FORMAT)


def parse_timestamp(text: str) -> datetime:
    """The aware UTC datetime written by ``format_timestamp`` (any ISO-8601 is accepted).

    Raises:
        InputError: ``text`` is not an ISO-8601 datetime.
    """
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise InputError(
            f"invalid timestamp {text!r}: expected ISO-8601, e.g. 2026-11-29T02:49:48.123456Z"
        ) from None
    return as_utc(moment)


def client_to_dict(client: Client) -> dict[str, Any]:
    """The client as a JSON-ready dict (see the module docstring for the conventions)."""
    error = client.last_error
    return {
        "customer_id": client.customer_id.digits,
        "mcc_customer_id": client.mcc_customer_id.digits,
        "name": client.name,
        "email": client.email,
        "attributes": dict(client.attributes),
        "status": client.status.value,
        "manager_link_id": client.manager_link_id,
        "link_resource_name": client.link_resource_name,
        "invited_at": _optional_timestamp(client.invited_at),
        "status_changed_at": _optional_timestamp(client.status_changed_at),
        "last_checked_at": _optional_timestamp(client.last_checked_at),
        "last_error": None
        if error is None
        else {"code": error.code, "message": error.message, "request_id": error.request_id},
        "pending_operation": _optional_value(client.pending_operation),
        "hidden": client.hidden,
        "created_at": format_timestamp(client.created_at),
        "updated_at": format_timestamp(client.updated_at),
        "version": client.version,
    }


def client_from_dict(data: Mapping[str, Any]) -> Client:
    """The client written by ``client_to_dict``; optional keys may be missing.

    Numbers may arrive as any numeric type (DynamoDB gives ``Decimal``).

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    error = data.get("last_error")
    return Client(
        customer_id=CustomerId.parse(_required(data, "customer_id")),
        mcc_customer_id=CustomerId.parse(_required(data, "mcc_customer_id")),
        name=_required(data, "name"),
        email=data.get("email"),
        attributes=dict(data.get("attributes") or {}),
        status=LinkStatus.parse(data.get("status") or LinkStatus.NOT_LINKED.value),
        manager_link_id=_optional_int(data.get("manager_link_id")),
        link_resource_name=data.get("link_resource_name"),
        invited_at=_optional_datetime(data.get("invited_at")),
        status_changed_at=_optional_datetime(data.get("status_changed_at")),
        last_checked_at=_optional_datetime(data.get("last_checked_at")),
        last_error=None
        if not error
        else LastError(
            code=error["code"], message=error["message"], request_id=error.get("request_id")
        ),
        pending_operation=_optional_enum(Operation, data.get("pending_operation")),
        hidden=bool(data.get("hidden")),  # records written before hiding existed: not hidden
        created_at=parse_timestamp(_required(data, "created_at")),
        updated_at=parse_timestamp(_required(data, "updated_at")),
        version=int(data.get("version") or 0),
    )


def history_to_dict(entry: HistoryEntry) -> dict[str, Any]:
    """The history entry as a JSON-ready dict."""
    return {
        "id": entry.id,
        "timestamp": format_timestamp(entry.timestamp),
        "customer_id": entry.customer_id.digits,
        "mcc_customer_id": entry.mcc_customer_id.digits,
        "operation": entry.operation.value,
        "status_before": _optional_value(entry.status_before),
        "status_after": _optional_value(entry.status_after),
        "outcome": entry.outcome.value,
        "error_code": entry.error_code,
        "error_message": entry.error_message,
        "request_id": entry.request_id,
        "actor": entry.actor,
        "duration_ms": entry.duration_ms,
        "details": dict(entry.details),
    }


def history_from_dict(data: Mapping[str, Any]) -> HistoryEntry:
    """The history entry written by ``history_to_dict``; optional keys may be missing.

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    duration = data.get("duration_ms")
    return HistoryEntry(
        id=_required(data, "id"),
        timestamp=parse_timestamp(_required(data, "timestamp")),
        customer_id=CustomerId.parse(_required(data, "customer_id")),
        mcc_customer_id=CustomerId.parse(_required(data, "mcc_customer_id")),
        operation=_enum(Operation, _required(data, "operation")),
        status_before=_optional_enum(LinkStatus, data.get("status_before")),
        status_after=_optional_enum(LinkStatus, data.get("status_after")),
        outcome=_enum(Outcome, _required(data, "outcome")),
        error_code=data.get("error_code"),
        error_message=data.get("error_message"),
        request_id=data.get("request_id"),
        actor=data.get("actor") or "mcclink",
        duration_ms=None if duration is None else float(duration),
        details=dict(data.get("details") or {}),
    )


def link_to_dict(link: GoogleLink) -> dict[str, Any]:
    """A link as Google Ads has it, as a JSON-ready dict (``links list --json``)."""
    return {
        "manager_customer_id": link.manager.digits,
        "customer_id": link.client.digits,
        "manager_link_id": link.manager_link_id,
        "status": link.status.value,
        "google_status": link.status.google_name,
        "hidden": link.hidden,
        "resource_name": link.resource_name,
    }


def onboarding_link_to_dict(link: OnboardingLink) -> dict[str, Any]:
    """The onboarding link as a JSON-ready dict (its secret's hash included, never the secret)."""
    return {
        "id": link.id,
        "mcc_customer_id": link.mcc_customer_id.digits,
        "customer_id": None if link.customer_id is None else link.customer_id.digits,
        "secret_hash": link.secret_hash,
        "created_at": format_timestamp(link.created_at),
        "expires_at": format_timestamp(link.expires_at),
        "created_by": link.created_by,
        "revoked_at": _optional_timestamp(link.revoked_at),
        "opened": link.opened,
        "signed_in": link.signed_in,
        "accepted": link.accepted,
    }


def onboarding_link_view(link: OnboardingLink, now: datetime) -> dict[str, Any]:
    """The link as staff see it (``onboard list --json``, the REST API): its state at ``now``
    and its funnel, without its secret's hash."""
    view = {k: v for k, v in onboarding_link_to_dict(link).items() if k != "secret_hash"}
    return {**view, "state": link.state(now).value}


def new_onboarding_link_to_dict(link: OnboardingLink, url: str) -> dict[str, Any]:
    """A link just made, with its URL (shown this once): ``{url, id, customer_id, expires_at}``."""
    return {
        "url": url,
        "id": link.id,
        "customer_id": None if link.customer_id is None else link.customer_id.digits,
        "expires_at": format_timestamp(link.expires_at),
    }


def onboarding_link_from_dict(data: Mapping[str, Any]) -> OnboardingLink:
    """The onboarding link written by ``onboarding_link_to_dict``; counts may be missing.

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    customer = data.get("customer_id")
    return OnboardingLink(
        id=_required(data, "id"),
        mcc_customer_id=CustomerId.parse(_required(data, "mcc_customer_id")),
        customer_id=None if customer is None else CustomerId.parse(customer),
        secret_hash=_required(data, "secret_hash"),
        created_at=parse_timestamp(_required(data, "created_at")),
        expires_at=parse_timestamp(_required(data, "expires_at")),
        created_by=_required(data, "created_by"),
        revoked_at=_optional_datetime(data.get("revoked_at")),
        opened=int(data.get("opened") or 0),
        signed_in=int(data.get("signed_in") or 0),
        accepted=int(data.get("accepted") or 0),
    )


def staff_user_to_dict(user: StaffUser) -> dict[str, Any]:
    """The staff user as a JSON-ready dict."""
    return {
        "email": user.email,
        "role": user.role.value,
        "name": user.name,
        "created_at": _optional_timestamp(user.created_at),
        "created_by": user.created_by,
        "last_sign_in_at": _optional_timestamp(user.last_sign_in_at),
    }


def staff_user_from_dict(data: Mapping[str, Any]) -> StaffUser:
    """The staff user written by ``staff_user_to_dict``.

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    return StaffUser(
        email=_required(data, "email"),
        role=Role.parse(_required(data, "role")),
        name=data.get("name"),
        created_at=_optional_datetime(data.get("created_at")),
        created_by=data.get("created_by"),
        last_sign_in_at=_optional_datetime(data.get("last_sign_in_at")),
    )


def api_token_to_dict(token: ApiToken) -> dict[str, Any]:
    """The personal API token as stored: its hash included, never its secret."""
    return {
        "id": token.id,
        "name": token.name,
        "role": token.role.value,
        "owner": token.owner,
        "hash": token.hash,
        "created_at": format_timestamp(token.created_at),
        "expires_at": _optional_timestamp(token.expires_at),
        "last_used_at": _optional_timestamp(token.last_used_at),
        "revoked_at": _optional_timestamp(token.revoked_at),
    }


def api_token_view(token: ApiToken, now: datetime) -> dict[str, Any]:
    """The token as staff see it (``tokens list --json``): its ``mcl_<id>`` prefix and its
    state at ``now``, without its hash."""
    view = {k: v for k, v in api_token_to_dict(token).items() if k != "hash"}
    return {**view, "prefix": token.prefix, "state": token.state(now).value}


def api_token_from_dict(data: Mapping[str, Any]) -> ApiToken:
    """The personal API token written by ``api_token_to_dict``.

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    return ApiToken(
        id=_required(data, "id"),
        name=_required(data, "name"),
        role=Role.parse(_required(data, "role")),
        owner=_required(data, "owner"),
        hash=_required(data, "hash"),
        created_at=parse_timestamp(_required(data, "created_at")),
        expires_at=_optional_datetime(data.get("expires_at")),
        last_used_at=_optional_datetime(data.get("last_used_at")),
        revoked_at=_optional_datetime(data.get("revoked_at")),
    )


def staff_session_to_dict(session: StaffSession) -> dict[str, Any]:
    """The staff session as stored: under its cookie's hash, never the cookie's value."""
    return {
        "id_hash": session.id_hash,
        "email": session.email,
        "csrf": session.csrf,
        "created_at": format_timestamp(session.created_at),
        "last_seen_at": format_timestamp(session.last_seen_at),
        "expires_at": format_timestamp(session.expires_at),
        "revoked_at": _optional_timestamp(session.revoked_at),
    }


def staff_session_from_dict(data: Mapping[str, Any]) -> StaffSession:
    """The staff session written by ``staff_session_to_dict``.

    Raises:
        InputError: a required key is missing or a value is malformed (the message says which).
    """
    return StaffSession(
        id_hash=_required(data, "id_hash"),
        email=_required(data, "email"),
        csrf=_required(data, "csrf"),
        created_at=parse_timestamp(_required(data, "created_at")),
        last_seen_at=parse_timestamp(_required(data, "last_seen_at")),
        expires_at=parse_timestamp(_required(data, "expires_at")),
        revoked_at=_optional_datetime(data.get("revoked_at")),
    )


def sync_report_to_dict(
    report: SyncReport, webhooks: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One monitor cycle as a JSON-ready dict (``monitor --json``, ``POST /api/v1/monitor/run``).

    ``webhooks`` is the delivery pass that followed the cycle (``DeliveryReport.to_dict()``),
    or None when none ran.
    """
    return {
        "mcc_customer_id": report.mcc.digits,
        "started_at": report.started_at.isoformat(),
        "duration_ms": round(report.duration_ms, 1),
        "links_seen": report.links_seen,
        "skipped_managers": report.skipped_managers,
        "request_id": report.request_id,
        "counts": {s.value: report.counts.get(s, 0) for s in LinkStatus},
        "changes": [
            {
                "customer_id": c.customer_id.digits,
                "status_before": _optional_value(c.status_before),
                "status_after": c.status_after.value,
                "imported": c.imported,
            }
            for c in report.changes
        ],
        "stale_pending": [client_to_dict(c) for c in report.stale_pending],
        "errors": report.errors,
        "webhooks": None if webhooks is None else dict(webhooks),
    }


def _required(data: Mapping[str, Any], key: str) -> Any:
    value = data.get(key)
    if value is None:
        raise InputError(f"record has no {key!r}: got keys {sorted(data)}")
    return value


def _optional_timestamp(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment)


def _optional_datetime(text: str | None) -> datetime | None:
    return None if text is None else parse_timestamp(text)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _optional_value(member: Operation | LinkStatus | None) -> str | None:
    return None if member is None else member.value


def _enum(kind: type[_E], value: str) -> _E:
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InputError(f"unknown {kind.__name__} {value!r}: expected one of {known}") from None


def _optional_enum(kind: type[_E], value: str | None) -> _E | None:
    return None if value is None else _enum(kind, value)
