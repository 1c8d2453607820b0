"""Each Google Ads error code mcclink knows: the ``mcclink.errors`` class it becomes and the fix.

Keys are ``ErrorType.NAME`` exactly as the installed library names them (a test looks every
one up); ``OAuthError.*`` are the token endpoint's ``error`` values. Codes not listed fall back
on the gRPC status (``mcclink.ads.errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from mcclink.errors import (
    AccountNotFound,
    AuthenticationFailed,
    GoogleAdsError,
    LinkRefused,
    PermissionDenied,
    TransientError,
)

_LOGIN = (
    "the login-customer-id must be a manager with access to the account (usually the MCC: "
    "check GOOGLE_ADS_LOGIN_CUSTOMER_ID), or the client itself to answer as the client"
)
_REFRESH = "refresh token expired or revoked: generate a new one and set GOOGLE_ADS_REFRESH_TOKEN"
_PROJECT = (
    "the Google Cloud project of the OAuth client or service account is not approved for "
    "production access: apply for access in the API Center, or use test accounts"
)
_DEV_TOKEN = (
    "the developer token was refused: fix or unset GOOGLE_ADS_DEVELOPER_TOKEN (since 9 Sep "
    "2026 access comes from the Google Cloud project, not the token)"
)
_TOO_MANY_MANAGERS = (
    "a client account can have at most 5 managers: remove one in the client's Google Ads "
    "account (Admin > Access and security > Managers), then invite again"
)
_TOO_MANY_INVITES = (
    "the client has too many pending invitations (about 20): ask it to accept or decline "
    "them, or cancel old ones, then invite again"
)
_IN_HIERARCHY = (
    "the client is already managed by another manager of this MCC's hierarchy (above, beside "
    "or below it; an account is linked once per hierarchy): end that link first, or manage "
    "the client from that manager"
)
_CYCLE = "linking would make a cycle (the client manages this manager, directly or not)"
_TOO_MANY_ACCOUNTS = (
    "the manager has reached its limit of client accounts: end unused links or ask Google "
    "to raise the limit"
)
_NOT_COMPATIBLE = (
    "test accounts and production accounts cannot be linked: use a test manager for test "
    "accounts, a production manager for production accounts"
)
_ALREADY = "already done: the link is in place (not an error; mcclink reads its real state)"
_NOT_FOUND = "a customer id names no Google Ads account: check the ids"
#: How a monitor cycle is run, on each surface (these hints reach the CLI, API and dashboard).
RUN_MONITOR = (
    "`mcclink monitor --once`, POST /api/v1/monitor/run or the dashboard's Run monitor now"
)
#: Stands for the client's id in a hint (``Rule.hint_for`` fills it in).
CLIENT = "{client}"
_READ_LINK = (
    f"a monitor cycle reads the link at Google and records its real state ({RUN_MONITOR}); "
    f"`mcclink links status {CLIENT}` only reads it"
)
#: Where the managers of the tree are listed, on each surface.
_TREE_LISTS = (
    "`mcclink hierarchy`, GET /api/v1/hierarchy and the dashboard's Hierarchy page list them"
)


@dataclass(frozen=True)
class Rule:
    """What a Google error code becomes: the mcclink class and the fix to show."""

    kind: type[GoogleAdsError]
    hint: str
    #: The fix for one kind of call instead, by the verb its action opens with
    #: (``hiding 111-222-3333 in ...``): Google answers some codes for unlike mistakes.
    by_verb: Mapping[str, str] = field(default_factory=dict)

    def hint_for(self, action: str, client: str | None = None) -> str:
        """The fix for the call ``action`` describes, naming ``client`` (the client account
        of the call) where the fix has a command for it."""
        hint = self.by_verb.get(action.split(" ", 1)[0], self.hint)
        return hint.replace(CLIENT, client or "CUSTOMER_ID")


def _rules(kind: type[GoogleAdsError], hint: str, *codes: str) -> dict[str, Rule]:
    return dict.fromkeys(codes, Rule(kind, hint))


def _not_active(done: str) -> str:
    return f"only an active link can be {done}: {_READ_LINK}"


_NOT_A_MANAGER = (
    "the new manager is not a manager account (or names no account): name a manager of the "
    f"tree ({_TREE_LISTS})"
)


#: Each Google error code mcclink knows, what it becomes and the fix a person can act on.
RULES: Mapping[str, Rule] = MappingProxyType(
    {
        **_rules(
            LinkRefused,
            _ALREADY,
            "ManagerLinkError.ALREADY_INVITED_BY_THIS_MANAGER",
            "ManagerLinkError.ALREADY_MANAGED_BY_THIS_MANAGER",
            "CustomerClientLinkError.CLIENT_ALREADY_INVITED_BY_THIS_MANAGER",
        ),
        **_rules(
            LinkRefused,
            _TOO_MANY_MANAGERS,
            "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_MANAGERS",
            "ManagerLinkError.TOO_MANY_MANAGERS",
        ),
        **_rules(
            LinkRefused,
            _TOO_MANY_INVITES,
            "CustomerClientLinkError.CLIENT_HAS_TOO_MANY_INVITATIONS",
            "ManagerLinkError.TOO_MANY_INVITES",
        ),
        **_rules(
            LinkRefused,
            _IN_HIERARCHY,
            "CustomerClientLinkError.CLIENT_ALREADY_MANAGED_IN_HIERARCHY",
            "ManagerLinkError.ALREADY_MANAGED_IN_HIERARCHY",
        ),
        **_rules(
            LinkRefused,
            _CYCLE,
            "CustomerClientLinkError.CYCLIC_LINK_NOT_ALLOWED",
            "ManagerLinkError.CYCLE_NOT_ALLOWED",
        ),
        **_rules(
            LinkRefused,
            _TOO_MANY_ACCOUNTS,
            "CustomerClientLinkError.CUSTOMER_HAS_TOO_MANY_ACCOUNTS",
            "CustomerClientLinkError.CUSTOMER_HAS_TOO_MANY_ACCOUNTS_AT_MANAGER",
            "ManagerLinkError.TOO_MANY_ACCOUNTS",
            "ManagerLinkError.TOO_MANY_ACCOUNTS_AT_MANAGER",
            "CustomerManagerLinkError.MANAGER_HAS_MAX_NUMBER_OF_LINKED_ACCOUNTS",
        ),
        **_rules(
            LinkRefused,
            _NOT_COMPATIBLE,
            "ManagerLinkError.ACCOUNTS_NOT_COMPATIBLE_FOR_LINKING",
        ),
        # Google answers it for linking across test and production, and for hiding or moving
        # a link that is not active (or moving it to the manager it already has).
        "ManagerLinkError.INVALID_CHANGE": Rule(
            LinkRefused,
            _NOT_COMPATIBLE,
            {
                "hiding": _not_active("hidden"),
                "showing": _not_active("shown"),
                "moving": _not_active("moved, to a manager other than its own"),
            },
        ),
        **_rules(
            LinkRefused,
            "the client account has no admin user to accept the invitation: add one in the "
            "client's Google Ads account first",
            "ManagerLinkError.CLIENT_HAS_NO_ADMIN_USER",
        ),
        **_rules(
            LinkRefused,
            "Google does not allow this status change for the link's current status: "
            f"{_READ_LINK}, then act on it",
            "ManagerLinkError.INVALID_STATUS_CHANGE",
        ),
        **_rules(
            LinkRefused,
            "there is no pending invitation from this manager to answer: it was cancelled, "
            f"answered or never sent; {_READ_LINK}",
            "CustomerManagerLinkError.NO_PENDING_INVITE",
        ),
        **_rules(
            LinkRefused,
            "a manager account cannot manage itself: check the client's customer id",
            "ManagerLinkError.CUSTOMER_CANNOT_MANAGE_SELF",
        ),
        **_rules(
            LinkRefused,
            "the hierarchy would be deeper than Google allows (6 levels): link the client "
            "to a manager higher in the tree",
            "ManagerLinkError.MAX_DEPTH_EXCEEDED",
        ),
        **_rules(
            LinkRefused,
            "the new manager is outside the login customer's tree, and a move stays under "
            "it: the login customer is GOOGLE_ADS_LOGIN_CUSTOMER_ID if set, else "
            "MCC_CUSTOMER_ID when acting for one of its sub-managers, else the acting manager; "
            f"name a manager under it ({_TREE_LISTS})",
            "ManagerLinkError.CLIENT_OUTSIDE_TREE",
        ),
        **_rules(
            LinkRefused,
            "only an owner of the manager account may change this link: log in as an owner",
            "ManagerLinkError.NON_OWNER_USER_CANNOT_MODIFY_LINK",
        ),
        **_rules(
            LinkRefused,
            "a suspended manager account cannot add clients: resolve the suspension first",
            "ManagerLinkError.SUSPENDED_ACCOUNT_CANNOT_ADD_CLIENTS",
        ),
        **_rules(
            LinkRefused,
            "a link cannot be created already active: send an invitation (PENDING) instead",
            "ManagerLinkError.CREATING_ENABLED_LINK_NOT_ALLOWED",
        ),
        **_rules(
            LinkRefused,
            f"the link named does not exist (any more): {_READ_LINK}",
            "MutateError.RESOURCE_NOT_FOUND",
        ),
        **_rules(
            GoogleAdsError,
            "the manager cannot create more client accounts (Google's limit for this MCC): "
            "link existing accounts instead, or ask Google to raise the limit",
            "CustomerClientLinkError.MAX_CUSTOMER_LIMIT_REACHED",
        ),
        **_rules(
            GoogleAdsError,
            "this manager may not create accounts (suspended, or not eligible yet): resolve "
            "it in the manager's Google Ads account, or create the account by hand and invite it",
            "CustomerError.CREATION_DENIED_INELIGIBLE_MCC",
        ),
        **_rules(
            GoogleAdsError,
            "Google refused to create the account for a policy reason (see its message): "
            "contact Google Ads support",
            "CustomerError.CREATION_DENIED_FOR_POLICY_VIOLATION",
            "CustomerClientLinkError.ACCOUNT_CREATION_POLICY_VIOLATION",
        ),
        **_rules(
            GoogleAdsError,
            "unsupported currency: use an ISO 4217 code Google Ads supports, e.g. BRL or USD",
            "CurrencyCodeError.UNSUPPORTED",
        ),
        **_rules(
            GoogleAdsError,
            "unknown time zone: use an IANA name, e.g. America/Sao_Paulo",
            "TimeZoneError.INVALID_TIME_ZONE",
        ),
        **_rules(
            AccountNotFound,
            _NOT_FOUND,
            "AuthenticationError.CUSTOMER_NOT_FOUND",
            "AuthenticationError.CLIENT_CUSTOMER_ID_INVALID",
        ),
        # A move names one new account: the new manager, which must be a manager account.
        "RequestError.INVALID_CUSTOMER_ID": Rule(
            AccountNotFound, _NOT_FOUND, {"moving": _NOT_A_MANAGER}
        ),
        # A move names one new account, the new manager: the one found not enabled.
        "AuthorizationError.CUSTOMER_NOT_ENABLED": Rule(
            AccountNotFound,
            "the account is not enabled (cancelled, suspended or never set up): use an "
            "enabled account, or reactivate it in Google Ads",
            {
                "moving": "the new manager is not enabled (cancelled, suspended or closed), so "
                "it cannot take clients: choose an enabled manager of the tree "
                f"({_TREE_LISTS}, each with its status), or reactivate it in Google Ads"
            },
        ),
        **_rules(
            PermissionDenied,
            f"permission denied: {_LOGIN}",
            "AuthorizationError.USER_PERMISSION_DENIED",
            "AuthorizationError.INVALID_LOGIN_CUSTOMER_ID_SERVING_CUSTOMER_ID_COMBINATION",
            "HeaderError.INVALID_LOGIN_CUSTOMER_ID",
        ),
        **_rules(
            PermissionDenied,
            "the authenticated user may not do this on the account: ask an admin of the "
            "account for access",
            "AuthorizationError.ACTION_NOT_PERMITTED",
            "AuthorizationError.ACCESS_DENIED_FOR_ACCOUNT_TYPE",
            "AuthorizationError.SERVICE_ACCESS_DENIED",
            "AuthorizationError.ACTION_NOT_PERMITTED_FOR_SUSPENDED_ACCOUNT",
            "ResourceAccessDeniedError.WRITE_ACCESS_DENIED",
            "NotAllowlistedError.CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE",
        ),
        **_rules(
            AuthenticationFailed,
            _REFRESH,
            "AuthenticationError.OAUTH_TOKEN_INVALID",
            "AuthenticationError.OAUTH_TOKEN_EXPIRED",
            "AuthenticationError.OAUTH_TOKEN_DISABLED",
            "AuthenticationError.OAUTH_TOKEN_REVOKED",
            "AuthenticationError.OAUTH_TOKEN_HEADER_INVALID",
            "OAuthError.INVALID_GRANT",
        ),
        **_rules(
            AuthenticationFailed,
            "the OAuth client was refused: check GOOGLE_ADS_CLIENT_ID and "
            "GOOGLE_ADS_CLIENT_SECRET (they must belong to the refresh token)",
            "OAuthError.INVALID_CLIENT",
            "OAuthError.UNAUTHORIZED_CLIENT",
        ),
        **_rules(
            AuthenticationFailed,
            "the Google account is not a Google Ads user (or was deleted): authorize with a "
            "user that has access to the MCC and set GOOGLE_ADS_REFRESH_TOKEN",
            "AuthenticationError.NOT_ADS_USER",
            "AuthenticationError.GOOGLE_ACCOUNT_DELETED",
            "AuthenticationError.GOOGLE_ACCOUNT_AUTHENTICATION_FAILED",
            "AuthenticationError.GOOGLE_ACCOUNT_USER_AND_ADS_USER_MISMATCH",
            "AuthenticationError.TWO_STEP_VERIFICATION_NOT_ENROLLED",
            "AuthenticationError.AUTHENTICATION_ERROR",
        ),
        **_rules(
            AuthenticationFailed,
            _PROJECT,
            "AuthorizationError.CLOUD_PROJECT_NOT_APPROVED_FOR_PRODUCTION",
            "AuthorizationError.PROJECT_DISABLED",
            "RequestError.CLOUD_PROJECT_NOT_FOUND",
        ),
        **_rules(
            AuthenticationFailed,
            _DEV_TOKEN,
            "AuthenticationError.DEVELOPER_TOKEN_INVALID",
            "AuthorizationError.DEVELOPER_TOKEN_NOT_APPROVED",
            "AuthorizationError.DEVELOPER_TOKEN_PROHIBITED",
            "AuthorizationError.DEVELOPER_TOKEN_NOT_ON_ALLOWLIST",
            "RequestError.DEVELOPER_TOKEN_PARAMETER_MISSING",
        ),
        **_rules(
            TransientError,
            "Google Ads is busy or over its rate limit; retry later",
            "QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED",
            "QuotaError.RESOURCE_EXHAUSTED",
            "InternalError.TRANSIENT_ERROR",
            "InternalError.INTERNAL_ERROR",
            "InternalError.DEADLINE_EXCEEDED",
            "DatabaseError.CONCURRENT_MODIFICATION",
        ),
    }
)

#: Codes that mean "the invitation is already out / the link already active": not failures.
ALREADY_LINKED = frozenset(code for code, rule in RULES.items() if rule.hint == _ALREADY)
