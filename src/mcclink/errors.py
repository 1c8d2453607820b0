"""The one exception tree of mcclink.

Every foreign error (``GoogleAdsException``, ``google.api_core`` exceptions, botocore's
``ClientError``, ``sqlite3.Error``) is converted exactly once, in the adapter that meets it,
into one of these. The service, the CLI and the monitor only ever see this tree::

    MccLinkError                      every error mcclink raises on purpose
    ├── InputError                    bad input; nothing was changed          (exit 2)
    │   ├── InvalidCustomerId
    │   ├── InvalidStatus
    │   ├── InvalidStoreUrl
    │   ├── InvalidTransition         the link is not in a state that allows the action
    │   └── OnboardingLinkInvalid     an onboarding link that is unknown, expired or revoked
    ├── ConfigurationError            settings missing or wrong; lists each problem (exit 2)
    │   ├── TableMissing              a DynamoDB table does not exist
    │   └── MissingExtra              an optional part is not installed (also an ImportError)
    ├── StoreError                    the store failed the operation            (exit 1)
    │   ├── ClientExists              (exit 2: the input names a registered client)
    │   ├── ClientNotFound            (exit 2: the input names an unknown client)
    │   │   └── ClientMovedAway           it was moved to another manager: says which
    │   ├── OnboardingLinkNotFound    (exit 2: the input names an unknown link)
    │   ├── StaffUserExists           (exit 2: the input names a registered user)
    │   ├── StaffUserNotFound         (exit 2: the input names an unknown user)
    │   ├── ApiTokenNotFound          (exit 2: the input names an unknown token)
    │   ├── VersionConflict           another writer changed the client first
    │   └── StoreUnavailable          locked, throttled, unreachable
    ├── GoogleAdsError                Google Ads refused or failed the call     (exit 1)
    │   ├── LinkRefused               a permanent refusal (too many managers, ...)
    │   ├── AccountNotFound           the customer id names no account
    │   ├── PermissionDenied          the login customer may not act on the account
    │   ├── AuthenticationFailed      credentials rejected (also a ConfigurationError)
    │   └── TransientError            unavailable / quota; retries were exhausted
    ├── MailError                     a message was not sent                    (exit 1)
    │   ├── MailRejected              refused for good (a bad address, a 5xx): never retried
    │   └── MailUnavailable           the mail service failed; retries were exhausted
    │       └── MailSettingsRefused   unreachable, no TLS, wrong password (also a
    │                                 ConfigurationError: exit 2, names the setting)
    └── PdfPrintFailed                the browser did not print the report      (exit 1)

A message says the problem and its fix. Where the fix names a CLI option (``--to``) that the
REST API and the dashboard do not have, the error carries a ``Fix`` in each one's words: the
message (``str``) is the CLI's, and ``told(surface)`` is what the API or a page shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

#: Where a message is shown: the CLI, the REST API's problem documents, the dashboard's pages.
Surface = Literal["cli", "api", "page"]


@dataclass(frozen=True)
class Fix:
    """What to do about an error in each surface's words: the CLI's options, the REST API's
    fields and query parameters, the dashboard's forms."""

    cli: str
    api: str
    page: str


class MccLinkError(Exception):
    """Base of every error mcclink raises on purpose.

    ``fix``: the first argument is the fact alone; the message adds the CLI's fix, and
    ``told`` gives another surface's.
    """

    exit_code: ClassVar[int] = 1
    fix: Fix | None = None
    fact: str = ""

    def __init__(self, *args: object, fix: Fix | None = None) -> None:
        if fix is not None:
            self.fact, self.fix = str(args[0]), fix
            args = (f"{self.fact}; {fix.cli}", *args[1:])
        super().__init__(*args)

    def told(self, surface: Surface) -> str:
        """The message as ``surface`` shows it: with the fix in its words, when there is one."""
        if self.fix is None:
            return str(self)
        return f"{self.fact}; {getattr(self.fix, surface)}"


class InputError(MccLinkError, ValueError):
    """Bad input: the value and the expected form are in the message; nothing changed."""

    exit_code = 2


class InvalidCustomerId(InputError):
    """A Google Ads customer id that is not 10 digits (``123-456-7890`` or ``1234567890``)."""


class InvalidStatus(InputError):
    """A link status name that mcclink does not know."""


class InvalidStoreUrl(InputError):
    """A store URL that names no backend, or has malformed parameters."""


class InvalidTransition(InputError):
    """The client's link is not in a status that allows the requested action."""


class OnboardingLinkInvalid(InputError):
    """An onboarding link that cannot be used: ``reason`` is unknown, expired or revoked.

    "unknown" covers a malformed token, an unknown id and a wrong secret alike, so a public
    page reveals nothing more; the message never repeats the token.
    """

    def __init__(self, reason: Literal["unknown", "expired", "revoked"]) -> None:
        self.reason = reason
        super().__init__(f"this onboarding link cannot be used: it is {reason}")


class ConfigurationError(MccLinkError):
    """Settings are missing or malformed; ``problems`` lists each one with its fix."""

    exit_code = 2

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"configuration problem(s):\n{lines}")


class MissingExtra(ConfigurationError, ImportError):
    """A part of mcclink whose extra is not installed; the message names ``pip install``'s fix."""


class TableMissing(ConfigurationError):
    """A DynamoDB table mcclink needs does not exist."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(
            f"DynamoDB table {table!r} does not exist: run `mcclink tables create` "
            "(with the same --store / CLIENTS_TABLE / EXECUTION_HISTORY_TABLE / "
            "ONBOARDING_LINKS_TABLE / STAFF_TABLE settings)"
        )


class StoreError(MccLinkError):
    """The store failed the operation."""


class HistoryEntryExists(StoreError):
    """Another history entry with this id (and time) is already recorded; nothing was written.

    A writer that gives an entry a deterministic id and time uses this as a claim: of several
    writers of the same claim, one succeeds and every other gets this error.
    """


class ClientExists(StoreError):
    """A client with this MCC and customer id is already registered."""

    exit_code = 2

    def __init__(self, mcc: str, customer_id: str) -> None:
        self.mcc, self.customer_id = mcc, customer_id
        super().__init__(
            f"client {customer_id} is already registered under MCC {mcc}",
            fix=Fix(
                cli=f"see it with `mcclink --mcc {mcc} clients show {customer_id}`",
                api=f"see it with GET /api/v1/clients/{customer_id}?mcc={mcc}",
                page=f"see it on its page (/clients/{customer_id}?mcc={mcc})",
            ),
        )


class ClientNotFound(StoreError):
    """No client with this MCC and customer id is registered."""

    exit_code = 2

    def __init__(self, mcc: str, customer_id: str) -> None:
        self.mcc, self.customer_id = mcc, customer_id
        super().__init__(
            f"client {customer_id} is not registered under MCC {mcc}",
            fix=Fix(
                cli="register it with `mcclink clients add` (or check --mcc)",
                api="register it with POST /api/v1/clients (or check mcc=)",
                page="register it (Import a CSV, or `mcclink clients add`), or choose another "
                "manager in the Manager list",
            ),
        )


class ClientMovedAway(ClientNotFound):
    """The client is no longer under this MCC: a move took it to another manager.

    ``to`` is where that move went and ``now`` the manager it was followed to from there
    (``to`` itself when it stayed); ``further``: it moved on from ``now`` too, past the moves
    followed.
    """

    def __init__(
        self,
        mcc: str,
        customer_id: str,
        to: str,
        on: str,
        *,
        now: str | None = None,
        further: bool = False,
    ) -> None:
        self.mcc, self.customer_id, self.to = mcc, customer_id, to
        self.now = now or to
        onward = f", then on to {self.now}" if self.now != to else ""
        StoreError.__init__(
            self,
            f"client {customer_id} is not registered under MCC {mcc}: it was moved to {to} on "
            f"{on}{onward}{' (and on from there)' if further else ''}",
            fix=Fix(
                cli=f"act on it there, with --mcc {self.now} (`mcclink --mcc {self.now} clients "
                f"show {customer_id}`)",
                api=f"act on it there, with mcc={self.now}",
                page=f"choose {self.now} in the Manager list to act on it there",
            ),
        )


class OnboardingLinkNotFound(StoreError):
    """No onboarding link has this id."""

    exit_code = 2

    def __init__(self, link_id: str) -> None:
        self.link_id = link_id
        super().__init__(
            f"no onboarding link has id {link_id!r}; `mcclink onboard list` shows the links"
        )


class StaffUserExists(StoreError):
    """A staff user with this e-mail address is already registered."""

    exit_code = 2

    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(
            f"{email} is already a user; change their role with `mcclink users set-role`"
        )


class StaffUserNotFound(StoreError):
    """No staff user has this e-mail address."""

    exit_code = 2

    def __init__(self, email: str) -> None:
        self.email = email
        super().__init__(f"{email} is not a user; `mcclink users list` shows the users")


class ApiTokenNotFound(StoreError):
    """No personal API token has this id."""

    exit_code = 2

    def __init__(self, token_id: str) -> None:
        self.token_id = token_id
        super().__init__(
            f"no API token has id {token_id!r}; `mcclink tokens list` shows the tokens"
        )


class VersionConflict(StoreError):
    """Another writer changed the client after it was read; re-read and retry."""

    def __init__(self, mcc: str, customer_id: str, expected_version: int) -> None:
        self.mcc, self.customer_id, self.expected_version = mcc, customer_id, expected_version
        super().__init__(
            f"client {customer_id} (MCC {mcc}) changed since version {expected_version} "
            "was read; nothing was written, re-read and retry"
        )


class StoreUnavailable(StoreError):
    """The store could not be reached or stayed busy (locked, throttled)."""


class GoogleAdsError(MccLinkError):
    """Google Ads refused or failed a call; carries Google's code, message and request id."""

    def __init__(self, message: str, *, code: str = "", request_id: str | None = None) -> None:
        self.code, self.message, self.request_id = code, message, request_id
        self.customer_id: str | None = None
        suffix = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{code}: {message}{suffix}" if code else f"{message}{suffix}")

    def about(self, customer_id: str) -> GoogleAdsError:
        """Record the client account this failure concerns; name it unless the message does."""
        if self.customer_id is None:
            self.customer_id = customer_id
            if customer_id not in self.args[0]:
                self.args = (f"client {customer_id}: {self.args[0]}",)
        return self


class LinkRefused(GoogleAdsError):
    """Google Ads permanently refused the link operation (limits, hierarchy, state)."""


class AccountNotFound(GoogleAdsError):
    """The customer id names no Google Ads account (or one that is not enabled)."""


class PermissionDenied(GoogleAdsError):
    """The login customer may not act on the target account."""


class AuthenticationFailed(GoogleAdsError):
    """Google Ads rejected the credentials; the message says which setting to fix."""

    exit_code = 2


class TransientError(GoogleAdsError):
    """Google Ads stayed unavailable or over quota after every allowed retry."""


class MailError(MccLinkError):
    """A message was not sent."""


class MailRejected(MailError):
    """The mail service refused this message for good (a bad address, a 5xx answer to the
    recipient or the data): record it once and never send it again."""


class MailUnavailable(MailError):
    """The mail service could not take the message, still after retries with backoff."""


class MailSettingsRefused(MailUnavailable, ConfigurationError):
    """The mail server cannot be used as the settings say: unreachable, no TLS, a wrong user
    name or password, a sender it refuses. The message names the setting to fix."""

    exit_code = 2


class PdfPrintFailed(MccLinkError):
    """The browser that prints the report as PDF failed, timed out or wrote no PDF."""
