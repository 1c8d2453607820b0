"""``mcclink doctor``: check settings (reminders and alerts too), Google Ads, the store, the
advertiser's sign-in, the staff's sign-in and mail, each with its fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mcclink.alerts import check_settings as check_alert_settings
from mcclink.bootstrap import Container
from mcclink.config import (
    BREAK_GLASS_VAR,
    DEFAULT_OIDC_ISSUER,
    MAIL_FROM_VAR,
    MAIL_URL_VAR,
    OIDC_ISSUER_VAR,
    ONBOARDING_CLIENT_ID_VAR,
    ONBOARDING_CLIENT_SECRET_VAR,
    PUBLIC_URL_VAR,
    STAFF_CLIENT_ID_VAR,
    STAFF_CLIENT_SECRET_VAR,
    Secret,
    check_all,
)
from mcclink.domain import format_span
from mcclink.errors import (
    AccountNotFound,
    ConfigurationError,
    MccLinkError,
    PermissionDenied,
)
from mcclink.managers import MCC_LIST_VAR, configured
from mcclink.reminders import steps_from_env


@dataclass(frozen=True)
class Check:
    """One check: what was checked, whether it passed, and what was found (or the fix)."""

    name: str
    ok: bool
    detail: str
    #: 0 when it passed, else the exit code of its error (2: settings to fix; 1 when skipped).
    exit_code: int = 0


def exit_code(checks: list[Check]) -> int:
    """0 when every check passed, 2 when a setting must be fixed, else 1 (as every command)."""
    return max((c.exit_code for c in checks), default=0)


def run_checks(container: Container) -> list[Check]:
    """Every check, in order; a check whose prerequisite failed is reported as skipped."""
    checks: list[Check] = []

    def attempt(name: str, probe: Callable[[], str], needs: tuple[str, ...] = ()) -> None:
        failed = [c.name for c in checks if c.name in needs and not c.ok]
        if failed:
            checks.append(Check(name, False, f"skipped: {', '.join(failed)} failed first", 1))
            return
        try:
            checks.append(Check(name, True, probe()))
        except MccLinkError as exc:
            checks.append(Check(name, False, str(exc), exc.exit_code))

    def settings() -> str:
        # Every settings problem in one message: the MCC, Google Ads, the webhook, the
        # reminder ages, the alert settings and the agency's time zone (the mail transport
        # has a row of its own).
        check_all(
            container.require_google_ads,
            lambda: container.settings.webhook,
            lambda: steps_from_env(container.environ),
            lambda: check_alert_settings(container),
            lambda: container.settings.time_zone,
        )
        return f"MCC {container.mcc}; Google Ads endpoint {container.google_ads_settings.endpoint}"

    def google_ads() -> str:
        ids = container.ads.list_accessible_customers()
        return f"authenticated; {len(ids)} accessible account(s)"

    def mcc_is_manager() -> str:
        nodes = container.ads.hierarchy(container.mcc)
        root = next((n for n in nodes if n.customer_id == container.mcc), None)
        if root is None or not root.manager:
            raise MccLinkError(
                f"{container.mcc} is not a manager account: set MCC_CUSTOMER_ID (or --mcc) to "
                "your manager (MCC) account's id"
            )
        found = f"{root.name!r} is a manager account with {len(nodes) - 1} direct client(s)"
        return found + _listed_managers(container)

    def store() -> str:
        container.store.check()
        return f"{type(container.store).__name__}: tables present, probe write/read/delete ok"

    attempt("settings", settings)
    attempt("google ads", google_ads, needs=("settings",))
    attempt("mcc", mcc_is_manager, needs=("settings", "google ads"))
    attempt("store", store)
    attempt("onboarding", lambda: _onboarding(container))
    attempt("staff sign-in", lambda: _staff(container))
    attempt("mail", lambda: _mail(container))
    return checks


def _listed_managers(container: Container) -> str:
    """The other managers ``MCC_CUSTOMER_IDS`` lists, each asked of Google (its ``customer``
    row): a client account, or an account the login does not reach, is a setting to fix
    (``stats --all`` and the dashboard read only the store, so nothing else would say so).

    Raises:
        ConfigurationError: every such entry, named, with its fix.
    """
    others = [m for m in configured(container.environ, None) if m != container.mcc]
    problems = []
    for mcc in others:
        try:
            account = container.ads.describe_account(mcc)
        except (AccountNotFound, PermissionDenied) as exc:
            problems.append(
                f"{MCC_LIST_VAR}: {mcc} is no enabled manager your login reaches (Google Ads "
                f"answered {exc.code}): remove it from {MCC_LIST_VAR}, or give the login access"
            )
            continue
        if not account.manager:
            problems.append(
                f"{MCC_LIST_VAR}: {mcc} is a client account, not a manager: remove it from "
                f"{MCC_LIST_VAR}"
            )
    if problems:
        raise ConfigurationError(problems)
    return f"; {MCC_LIST_VAR}: {len(others)} more manager(s), each a manager" if others else ""


def _mail(container: Container) -> str:
    """The mail settings, and the transport reached as sending would (optional as a whole).

    Raises:
        ConfigurationError: a setting to fix (named): malformed, or the server unreachable,
            without TLS, refusing the login or the sender; SES without a verified sender.
        MailUnavailable: the service did not answer after retries.
    """
    settings = container.settings.mail
    if settings is None:
        return (
            f"not configured (optional): set {MAIL_URL_VAR} and {MAIL_FROM_VAR} to e-mail "
            "reminders to advertisers and alerts to the agency"
        )
    from mcclink.mail import check_mail

    return f"{check_mail(settings)}; sender {settings.from_header}"


def _onboarding(container: Container) -> str:
    """The advertiser's sign-in settings and their OpenID provider (optional as a whole).

    Raises:
        ConfigurationError: settings half given or wrong, or the provider's discovery
            document unreachable or not the issuer's.
    """
    settings = container.settings
    onboarding = settings.onboarding  # every problem at once when the client id is set
    if onboarding is None:
        given = [
            name
            for name, value in (
                (PUBLIC_URL_VAR, settings.public_url_raw),
                (ONBOARDING_CLIENT_SECRET_VAR, settings.onboarding_client_secret),
            )
            if value is not None
        ]
        if given:
            problems = _public_url_problems(container)
            problems.append(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
                f"{ONBOARDING_CLIENT_ID_VAR} is not: onboarding "
                f"links need the web OAuth client too (set {ONBOARDING_CLIENT_ID_VAR} and "
                f"{ONBOARDING_CLIENT_SECRET_VAR}), or unset {' and '.join(given)}"
            )
            raise ConfigurationError(problems)
        return (
            f"not configured (optional): set {PUBLIC_URL_VAR}, {ONBOARDING_CLIENT_ID_VAR} and "
            f"{ONBOARDING_CLIENT_SECRET_VAR} to send advertisers onboarding links"
        )
    _check_provider(onboarding.issuer, onboarding.client_id, onboarding.redirect_uri)
    return (
        f"links under {onboarding.public_url}; sign-in by {onboarding.issuer} as client "
        f"{onboarding.client_id}, redirect URI {onboarding.redirect_uri}"
    )


def _public_url_problems(container: Container) -> list[str]:
    """What is wrong with ``MCC_PUBLIC_URL`` when it is set (nothing when unset)."""
    if container.settings.public_url_raw is None:
        return []
    try:
        container.settings.public_url  # noqa: B018 - the property checks it
    except ConfigurationError as exc:
        return exc.problems
    return []


def _staff(container: Container) -> str:
    """How the staff get in: Google sign-in and its provider, the Workspace domains admitted,
    the break-glass token and the sessions' lengths (never a secret).

    Raises:
        ConfigurationError: a staff setting to fix (each named), or the provider's discovery
            document unreachable or not the issuer's.
    """
    staff = container.settings.staff
    sign_in = staff.sign_in
    if sign_in is None:
        found = [
            f"Google sign-in off (optional: set {STAFF_CLIENT_ID_VAR} and "
            f"{STAFF_CLIENT_SECRET_VAR}, redirect URI {{MCC_PUBLIC_URL}}/login/callback)"
        ]
    else:
        _check_provider(sign_in.issuer, sign_in.client_id, sign_in.redirect_uri)
        found = [
            f"Google sign-in by {sign_in.issuer} as client {sign_in.client_id}, redirect URI "
            f"{sign_in.redirect_uri}"
        ]
    if staff.domains:
        domains = ", ".join(sorted(staff.domains))
        found.append(f"verified accounts of {domains} enter as {staff.domain_role.value}")
    if not container.environ.get("MCC_API_TOKEN", "").strip():
        found.append("break-glass MCC_API_TOKEN not set")
    elif staff.break_glass:
        found.append(f"break-glass MCC_API_TOKEN on ({BREAK_GLASS_VAR}=on)")
    else:
        found.append(_break_glass_off(container))
    idle, longest = format_span(staff.session_idle), format_span(staff.session_max)
    found.append(f"sessions end after {idle} idle, {longest} at most")
    return "; ".join(found)


def _break_glass_off(container: Container) -> str:
    """Whether the set ``MCC_API_TOKEN`` is accepted now that ``MCC_BREAK_GLASS`` is off: only
    while the store has no user (when the store cannot be read, the rule alone)."""
    rule = f"only while mcclink has no user ({BREAK_GLASS_VAR} off)"
    try:
        users = container.store.list_users()
    except MccLinkError:  # the store's own row names the problem
        return f"break-glass MCC_API_TOKEN {rule}"
    if users:
        return (
            "break-glass MCC_API_TOKEN is set and now refused: mcclink has users and "
            f"{BREAK_GLASS_VAR} is off (unset MCC_API_TOKEN, or set {BREAK_GLASS_VAR}=on to "
            "keep it as an admin token)"
        )
    return f"break-glass MCC_API_TOKEN accepted {rule}"


def _check_provider(issuer: str, client_id: str, redirect_uri: str) -> None:
    """Read the provider's discovery document, as a sign-in will.

    Raises:
        ConfigurationError: it cannot be read, or it names another issuer.
    """
    from mcclink.web.oidc_client import OidcClient, SignInFailed

    try:
        # Only the discovery document is read: no secret is sent.
        OidcClient(issuer, client_id, Secret(""), redirect_uri).discovery()
    except SignInFailed:
        raise ConfigurationError(
            f"{issuer}/.well-known/openid-configuration cannot be read here or "
            f"is not that issuer's discovery document: check {OIDC_ISSUER_VAR} (default "
            f"{DEFAULT_OIDC_ISSUER}) and this machine's access to it"
        ) from None
