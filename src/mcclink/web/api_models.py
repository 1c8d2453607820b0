"""The REST API's request bodies and the documented shapes of its JSON answers.

The answers are the CLI's ``--json`` shapes, written by the same codecs
(``mcclink.serialization``, ``Stats.to_dict``); these models only describe them to the
OpenAPI document, and ``extra="forbid"`` makes the document say no other key appears (the
API tests check the codecs' output against them, so the two cannot drift apart).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from mcclink.domain import (
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTE_VALUE,
    MAX_ATTRIBUTES,
    MAX_EMAIL,
    MAX_NAME,
    CustomerId,
    LinkStatus,
    Operation,
    Outcome,
)
from mcclink.errors import InputError
from mcclink.onboarding import OnboardingState
from mcclink.web.problems import PROBLEM_MEDIA_TYPE

#: What the OpenAPI document says a customer id in a request looks like.
CUSTOMER_ID_SCHEMA: dict[str, Any] = {
    "type": "string",
    "pattern": "^[0-9]{3}-?[0-9]{3}-?[0-9]{4}$",
    "examples": ["111-222-3333"],
    "description": "Google Ads customer id, 123-456-7890 or 1234567890.",
}


def _customer_id_in(value: object) -> CustomerId:
    """``CustomerId.parse`` for a JSON value, which must be a string: a number loses the
    dashes and any leading zero, so it is refused, not read."""
    if not isinstance(value, str):
        raise InputError(
            f'a customer id must be a JSON string such as "123-456-7890", not {value!r}'
        )
    return CustomerId.parse(value)


#: A customer id in a request: parsed by ``CustomerId.parse``, so a bad one is answered
#: with the CLI's message.
CustomerIdIn = Annotated[
    CustomerId, PlainValidator(_customer_id_in), WithJsonSchema(CUSTOMER_ID_SCHEMA)
]
#: A customer id in an answer: always 10 digits.
Digits = Annotated[str, Field(pattern="^[0-9]{10}$", examples=["1112223333"])]


class _Shape(BaseModel):
    """A documented answer: exactly these keys."""

    model_config = ConfigDict(extra="forbid")


class LastErrorOut(_Shape):
    """The last failure seen for a client (its status stays the last true one)."""

    code: str = Field(examples=["ManagerLinkError.TOO_MANY_MANAGERS"])
    message: str
    request_id: str | None


class ClientOut(_Shape):
    """A client: the ``--json`` shape of ``mcclink clients add`` / ``list``."""

    customer_id: Digits
    mcc_customer_id: Digits
    name: str
    email: str | None
    attributes: dict[str, str]
    status: LinkStatus
    manager_link_id: int | None
    link_resource_name: str | None
    invited_at: datetime | None
    status_changed_at: datetime | None
    last_checked_at: datetime | None
    last_error: LastErrorOut | None
    pending_operation: Operation | None
    hidden: bool
    created_at: datetime
    updated_at: datetime
    version: int


class HistoryEntryOut(_Shape):
    """One operation on one client: the ``--json`` shape of ``mcclink history``."""

    id: str
    timestamp: datetime
    customer_id: Digits
    mcc_customer_id: Digits
    operation: Operation
    status_before: LinkStatus | None
    status_after: LinkStatus | None
    outcome: Outcome
    error_code: str | None
    error_message: str | None
    request_id: str | None
    actor: str
    duration_ms: float | None
    details: dict[str, str]


class ClientDetailOut(ClientOut):
    """A client and its newest history entries: ``mcclink clients show --json``."""

    history: list[HistoryEntryOut]


class ClientPage(_Shape):
    """One page of clients, ordered by customer id."""

    items: list[ClientOut]
    next_cursor: Digits | None = Field(
        description="Pass as ``cursor`` for the next page; null on the last page."
    )


class OnboardingFunnelOut(_Shape):
    """The MCC's onboarding links and the steps advertisers took on them, summed."""

    links_created: int
    opened: int
    signed_in: int
    accepted: int = Field(description="Accounts linked (one sign-in may link several).")


class RemindersOut(_Shape):
    """The reminders mailed to advertisers (``mcclink remind``) and what followed them."""

    sent: int
    sent_by_step: dict[str, int] = Field(
        description="Reminders sent, by step of MCC_REMIND_AT (1 = its first age)."
    )
    failed: int = Field(description="Reminders whose sending failed (never retried).")
    reminded_invitations: int = Field(description="Invitations reminded at least once.")
    accepted_within_2_days: int = Field(
        description="Invitations accepted within 2 days after their last reminder."
    )
    accepted_within_2_days_by_step: dict[str, int] = Field(
        description="The same, by the step of that last reminder."
    )


class StatsOut(_Shape):
    """Link statistics of the MCC: ``mcclink stats --json``."""

    mcc_customer_id: Digits
    total: int
    by_status: dict[str, int]
    acceptance_rate: float | None
    mean_time_to_acceptance_s: float | None
    pending: int
    stale_pending: list[Digits]
    errors_by_code: dict[str, int]
    onboarding: OnboardingFunnelOut
    reminders: RemindersOut
    alerts: list[str]


class StatsTotalOut(_Shape):
    """Every manager summed: the acceptance rate is accepted ÷ (accepted + refused) over all
    their answers, the mean over all their acceptances."""

    managers: int
    total: int
    by_status: dict[str, int]
    accepted: int
    refused: int
    acceptance_rate: float | None
    mean_time_to_acceptance_s: float | None
    pending: int
    stale_pending: int = Field(description="How many invitations are stale, all managers.")
    errors_by_code: dict[str, int]
    onboarding: OnboardingFunnelOut
    alerts: int = Field(
        description="How many alerts hold, all managers (each manager's row lists its own)."
    )


class StatsAllOut(_Shape):
    """``GET /stats?scope=all``, ``mcclink stats --all --json``: each manager, and the sum."""

    scope: Literal["all"]
    managers: list[StatsOut]
    total: StatsTotalOut


class ManagerOut(_Shape):
    """A manager the server acts for, with its clients counted by link status."""

    mcc_customer_id: Digits
    default: bool = Field(description="The server's MCC: what ``mcc=`` defaults to.")
    configured: bool = Field(description="Named by MCC_CUSTOMER_ID or MCC_CUSTOMER_IDS.")
    total: int
    by_status: dict[str, int]


class ManagersOut(_Shape):
    """The managers any route's ``mcc=`` may name."""

    items: list[ManagerOut]


class AlertSettingsOut(_Shape):
    """The thresholds alerts use and who is told (``MCC_ALERT_*``)."""

    emails: list[str]
    pending_age_s: float
    refusal_rate: float
    refusal_window: int


class AlertOut(_Shape):
    """One condition that holds now, and when the agency was last told of it."""

    kind: str = Field(
        description="pending_overdue, refusal_rate, permission_errors, api_failures, "
        "monitor_stale or webhook_failing"
    )
    event: str = Field(description="The webhook event of this alert: alert.<kind>.")
    title: str
    summary: str
    lines: list[str] = Field(description="Details: the clients or the error codes (at most 21).")
    last_notified_at: datetime | None = Field(
        description="When this condition was last mailed / posted (null: never)."
    )


class AlertsOut(_Shape):
    """The MCC's current alerts: ``mcclink alerts --json``."""

    mcc_customer_id: Digits
    checked_at: datetime
    settings: AlertSettingsOut
    alerts: list[AlertOut]


class StatusChangeOut(_Shape):
    """One client whose status a monitor cycle changed (or imported)."""

    customer_id: Digits
    status_before: LinkStatus | None
    status_after: LinkStatus
    imported: bool


class SyncReportOut(_Shape):
    """One monitor cycle: ``mcclink monitor --once --json``."""

    mcc_customer_id: Digits
    started_at: datetime
    duration_ms: float
    links_seen: int
    skipped_managers: int = Field(
        description="Live links to manager accounts (sub-managers), not imported as clients."
    )
    request_id: str | None
    counts: dict[str, int]
    changes: list[StatusChangeOut]
    stale_pending: list[ClientOut]
    errors: list[str]
    webhooks: dict[str, Any] | None = Field(
        description="The webhook delivery pass after the cycle, when one ran."
    )
    reminders: dict[str, Any] | None = Field(
        None,
        description="The reminder pass after the cycle (``mcclink remind --json``), "
        "when mail is configured and the pass ran.",
    )
    alerts: dict[str, Any] | None = Field(
        None,
        description="The alert pass after the cycle: conditions told and resolved, "
        "when someone is to be told (MCC_ALERT_EMAIL or MCC_WEBHOOK_URL).",
    )
    reminders_error: str | None = Field(None, description="Why the reminder pass did not run.")
    alerts_error: str | None = Field(None, description="Why the alert pass did not run.")


class ImportReportOut(_Shape):
    """What a CSV import did (or, with ``validate_only``, would do): ``clients import --json``."""

    validate_only: bool
    imported: int = Field(description="Rows registered (with validate_only: to register).")
    skipped_existing: int = Field(description="Rows already registered with the same data.")
    invalid: list[str] = Field(examples=[["line 3: invalid Google Ads customer id '12'"]])


class OnboardingLinkCreatedOut(_Shape):
    """A new onboarding link: its URL is shown this once (the store keeps only a hash)."""

    url: str = Field(examples=["https://ads.example.com/onboard/AbCd...."])
    id: str
    customer_id: Digits | None
    expires_at: datetime


class OnboardingLinkOut(_Shape):
    """An onboarding link (without its URL) and its funnel: opened, signed in, accepted."""

    id: str
    mcc_customer_id: Digits
    customer_id: Digits | None
    state: OnboardingState
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    created_by: str
    opened: int
    signed_in: int
    accepted: int


#: A customer id in a report: dashed, as the report prints it.
Dashed = Annotated[str, Field(pattern="^[0-9]{3}-[0-9]{3}-[0-9]{4}$", examples=["111-222-3333"])]


class BucketOut(_Shape):
    """How many cases fall in one range of durations."""

    label: str = Field(examples=["1-3 days"])
    count: int


class DurationOut(_Shape):
    """How long something took over several cases (seconds)."""

    count: int
    median_s: float | None
    p90_s: float | None = Field(description="90 % of the cases took at most this long.")
    buckets: list[BucketOut]


class PendingAtEndOut(_Shape):
    """An invitation still unanswered at the period's end, and how long it had waited."""

    customer_id: Dashed
    name: str | None = Field(description="null: the client was removed since.")
    since: datetime
    age_s: float


class ReportDayOut(_Shape):
    """One local day of the period."""

    day: date
    sent: int
    accepted: int
    refused: int
    cancelled: int


class ReportChangeOut(_Shape):
    """One status change of the period."""

    at: datetime
    customer_id: Dashed
    name: str | None
    operation: Operation
    before: LinkStatus | None
    after: LinkStatus | None
    actor: str


class SheetRowOut(_Shape):
    """One client of the per-client sheet, as it stood at the period's end."""

    customer_id: Dashed
    name: str | None = Field(description="null: the client was removed since.")
    status: LinkStatus
    status_since: datetime | None
    invited_at: datetime | None
    days_pending: int | None = Field(description="Whole days pending (null: not pending).")
    last_error: str | None = Field(description="The period's last failure: CODE: message.")


class PeriodReportOut(_Shape):
    """A period's onboarding report from history: ``mcclink report --format json``."""

    period: str = Field(examples=["2026-11", "2026-W47", "2026-11-05"])
    kind: str = Field(description="day, week or month")
    time_zone: str = Field(examples=["America/Sao_Paulo"])
    start: datetime
    end: datetime
    as_of: datetime = Field(description="The moment the end-of-period figures describe.")
    mcc_customer_id: Digits
    generated_at: datetime
    stale_after_s: float
    sent: int
    accepted: int
    refused: int
    cancelled: int
    went_stale: int
    acceptance_rate: float | None
    time_to_acceptance: DurationOut
    pending_at_end: list[PendingAtEndOut]
    pending_age: list[BucketOut]
    errors_by_code: dict[str, int]
    funnel: OnboardingFunnelOut
    reminders_sent: int
    days: list[ReportDayOut]
    changes: list[ReportChangeOut]
    clients: list[SheetRowOut]


class Problem(BaseModel):
    """An error (RFC 9457 problem document); ``detail`` is the CLI's message, its fix in the
    API's words (a field, ``mcc=``, a route) where the CLI's names an option.

    Inlined in the document (it is served as ``application/problem+json``, which FastAPI's
    response models cannot name), so it refers to no other schema.
    """

    type: str = Field(examples=["about:blank"])
    title: str
    status: int
    detail: str
    code: str | None = Field(default=None, examples=["ClientNotFound"])
    errors: list[dict[str, str]] | None = Field(
        default=None,
        description="Each bad part of a request (422 validation errors): its location "
        "(body, query, path), field and message.",
        examples=[[{"location": "query", "field": "limit", "message": "Input should be ..."}]],
    )
    required_role: str | None = Field(
        default=None,
        description="The role the route needs, when the token's role is short of it (403 "
        "Forbidden): viewer, operator or admin.",
        examples=["operator"],
    )


class ClientCreate(BaseModel):
    """An advertiser to register (and, unless ``invite`` is false, to invite at once)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"customer_id": "111-222-3333", "name": "Padaria Sol", "email": "sol@example.com"}
            ]
        },
    )

    customer_id: CustomerIdIn
    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=r"\S", examples=["Padaria Sol"])
    email: str | None = Field(default=None, max_length=MAX_EMAIL, examples=["sol@example.com"])
    attributes: dict[str, str] = Field(
        default_factory=dict,
        max_length=MAX_ATTRIBUTES,
        description=f"Free-form labels kept with the client: names of 1-{MAX_ATTRIBUTE_NAME} "
        f"characters, values of at most {MAX_ATTRIBUTE_VALUE:,}, no control characters.",
    )
    invite: bool = Field(default=True, description="Send the MCC's invitation at once.")


class NoFields(BaseModel):
    """A body with nothing to say: an action on the client in the path takes no field."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


class ClientMove(BaseModel):
    """Where to move an active client: another manager of the MCC's tree."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"to": "222-000-0001"}]}
    )

    to: CustomerIdIn = Field(description="The manager to move the client to.")


class AccountCreate(BaseModel):
    """A new Google Ads account to create under the MCC (it is linked at once)."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={
            "examples": [
                {"name": "Loja Nova", "currency_code": "BRL", "time_zone": "America/Sao_Paulo"}
            ]
        },
    )

    name: str = Field(min_length=1, max_length=MAX_NAME, pattern=r"\S", examples=["Loja Nova"])
    currency_code: str = Field(
        pattern="^[A-Za-z]{3}$", description="ISO 4217; cannot change later.", examples=["BRL"]
    )
    time_zone: str = Field(
        min_length=1,
        max_length=64,
        description="IANA time zone; cannot change later.",
        examples=["America/Sao_Paulo"],
    )
    email: str | None = Field(
        default=None, max_length=MAX_EMAIL, description="Invite this user as admin."
    )
    tracking_url_template: str | None = Field(default=None, max_length=2048)


class OnboardingLinkCreate(BaseModel):
    """How long a new onboarding link works."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"expires": "14d"}]}
    )

    expires: str = Field(
        default="14d",
        max_length=32,
        description="A duration such as 30m, 12h, 14d or 1d12h; at most 90 days.",
    )


_PROBLEM = Problem.model_json_schema()


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problem documents a route answers with.

    401, 422, 500 and 503 can answer any route; ``statuses`` adds the route's own.
    """
    reasons = {
        400: "The request body could not be read (not UTF-8 JSON, or a broken form).",
        401: "No valid bearer token.",
        403: "The token's role is short of the route's (`required_role` names the role "
        "needed), or Google Ads does not let the MCC act on the account.",
        404: "The client (or onboarding link) is not registered under the MCC.",
        409: "The client exists already, or its link is not in a status allowing this.",
        422: "Bad input (each bad field is named); nothing was written, but for a link action "
        "Google Ads refused: the refusal is recorded in the client's last_error and history.",
        500: "An unexpected failure, or the server's settings are wrong (see its log).",
        502: "Google Ads refused or failed the call.",
        503: "The store or Google Ads is unavailable; try again later.",
    }
    return {
        status: {
            "description": reasons[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": _PROBLEM}},
        }
        for status in sorted({401, 422, 500, 503, *statuses})
    }
