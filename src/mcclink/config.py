"""Settings from the environment (and a ``google-ads.yaml`` where the user has one).

``Settings.from_env`` only reads the mapping it is given: no file is opened and nothing is
validated that only the Google Ads side needs, so store-only commands work without Google
credentials. ``Settings.google_ads()`` reads the YAML file, merges it under the environment
and returns a validated ``GoogleAdsSettings`` or raises one ``ConfigurationError`` listing
every problem with its fix. ``Settings.webhook`` does the same for the webhook receiver,
``Settings.mail`` for the mail transport (``MailSettings``).
Secret values are wrapped in ``Secret`` and never shown.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcclink.domain import CustomerId, is_email_address, parse_duration
from mcclink.errors import ConfigurationError, InputError, InvalidCustomerId
from mcclink.files import read_plain_file
from mcclink.staff import Role

if TYPE_CHECKING:
    import yaml

DEFAULT_ENDPOINT = "googleads.googleapis.com:443"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
#: The largest google-ads.yaml read (one holds a few hundred bytes).
MAX_YAML_BYTES = 1024 * 1024
#: Google publishes no per-second figure for every account, so none is assumed by default.
MAX_QPS_VAR = "GOOGLE_ADS_MAX_QPS"
WEBHOOK_URL_VAR = "MCC_WEBHOOK_URL"
WEBHOOK_SECRET_VAR = "MCC_WEBHOOK_SECRET"
#: Shorter shared secrets are refused: the HMAC is only as strong as its key.
MIN_WEBHOOK_SECRET = 16
#: Different characters a secret needs at least: a random one of 16 has far more; fewer is
#: a pattern (``aaaa…``, ``abab…``), guessed long before a random secret.
MIN_SECRET_VARIETY = 10
#: The languages of mail; a client's ``locale`` attribute or ``MCC_LOCALE`` picks one.
LOCALES = ("pt-BR", "en")
DEFAULT_LOCALE = "pt-BR"
MAIL_PORTS = {"smtp": 587, "smtps": 465}
MailScheme = Literal["smtp", "smtps", "ses"]
_AWS_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]")
_MAIL_URL_EXAMPLES = (
    "smtp://user:password@smtp.example.com:587, smtps://... or ses://?region=sa-east-1"
)
_MAKE_SECRET = 'python -c "import secrets; print(secrets.token_hex(32))"'
PUBLIC_URL_VAR = "MCC_PUBLIC_URL"
ONBOARDING_CLIENT_ID_VAR = "MCC_ONBOARDING_CLIENT_ID"
ONBOARDING_CLIENT_SECRET_VAR = "MCC_ONBOARDING_CLIENT_SECRET"
OIDC_ISSUER_VAR = "MCC_OIDC_ISSUER"
TRUSTED_PROXIES_VAR = "MCC_TRUSTED_PROXIES"
IMPORT_ALL_LINKS_VAR = "MCC_IMPORT_ALL_LINKS"
#: The agency's time zone: report periods are its days, weeks and months.
TIMEZONE_VAR = "MCC_TIMEZONE"
DEFAULT_TIMEZONE = "America/Sao_Paulo"
MAIL_URL_VAR = "MCC_MAIL_URL"
MAIL_FROM_VAR = "MCC_MAIL_FROM"
MAIL_REPLY_TO_VAR = "MCC_MAIL_REPLY_TO"
AGENCY_NAME_VAR = "MCC_AGENCY_NAME"
LOCALE_VAR = "MCC_LOCALE"
#: What ``MailSettings.from_env`` reads; ``Settings.mail`` keeps them for it.
MAIL_VARS = (MAIL_URL_VAR, MAIL_FROM_VAR, MAIL_REPLY_TO_VAR, AGENCY_NAME_VAR, LOCALE_VAR)
_YES, _NO = frozenset({"1", "true", "yes", "on"}), frozenset({"", "0", "false", "no", "off"})
DEFAULT_OIDC_ISSUER = "https://accounts.google.com"
#: Where `mcclink web` serves by default: the MCC_PUBLIC_URL `mcclink emulator serve` exports.
LOCAL_PUBLIC_URL = "http://127.0.0.1:8080"
STAFF_CLIENT_ID_VAR = "MCC_STAFF_CLIENT_ID"
STAFF_CLIENT_SECRET_VAR = "MCC_STAFF_CLIENT_SECRET"
STAFF_DOMAINS_VAR = "MCC_STAFF_DOMAINS"
STAFF_DOMAIN_ROLE_VAR = "MCC_STAFF_DOMAIN_ROLE"
BREAK_GLASS_VAR = "MCC_BREAK_GLASS"
SESSION_IDLE_VAR = "MCC_SESSION_IDLE"
SESSION_MAX_VAR = "MCC_SESSION_MAX"
SESSION_SECRET_VAR = "MCC_SESSION_SECRET"
#: What ``Settings.staff`` reads (with ``MCC_PUBLIC_URL`` and ``MCC_OIDC_ISSUER``).
STAFF_VARS = (
    STAFF_CLIENT_ID_VAR,
    STAFF_CLIENT_SECRET_VAR,
    STAFF_DOMAINS_VAR,
    STAFF_DOMAIN_ROLE_VAR,
    BREAK_GLASS_VAR,
    SESSION_IDLE_VAR,
    SESSION_MAX_VAR,
    SESSION_SECRET_VAR,
)
DEFAULT_SESSION_IDLE = timedelta(hours=2)
DEFAULT_SESSION_MAX = timedelta(hours=12)
#: The longest a signed-in browser may stay signed in, however busy.
LONGEST_SESSION = timedelta(days=30)
#: The shortest idle expiry: sessions record their use at most once a minute.
SHORTEST_IDLE = timedelta(minutes=5)
#: ``MCC_SESSION_SECRET`` signs short-lived cookies only; as long as ``MCC_API_TOKEN`` at least.
MIN_SESSION_SECRET = 32
_DOMAIN = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")

#: The keys of ``google-ads.yaml`` mcclink reads; each may be overridden by ``GOOGLE_ADS_<KEY>``.
YAML_KEYS = (
    "client_id",
    "client_secret",
    "refresh_token",
    "developer_token",
    "login_customer_id",
    "json_key_file_path",
    "impersonated_email",
    "endpoint",
)
_OAUTH_KEYS = ("client_id", "client_secret", "refresh_token")


class Secret:
    """A secret string: its value is read with ``reveal()`` and never shown by repr or str."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret value, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def env_var(key: str) -> str:
    """The environment variable for a ``google-ads.yaml`` key (``refresh_token`` -> ...)."""
    return f"GOOGLE_ADS_{key.upper()}"


@dataclass(frozen=True)
class GoogleAdsSettings:
    """Validated settings for the Google Ads API: OAuth user or service account."""

    endpoint: str = DEFAULT_ENDPOINT
    token_uri: str = DEFAULT_TOKEN_URI
    client_id: str | None = None
    client_secret: Secret | None = None
    refresh_token: Secret | None = None
    #: Optional since Google sunset developer tokens (9 Sep 2026); sent only when given.
    developer_token: Secret | None = None
    #: None: log in as the manager being acted on.
    login_customer_id: CustomerId | None = None
    json_key_file_path: Path | None = None
    impersonated_email: str | None = None
    #: Calls per second the adapter paces itself to (``GOOGLE_ADS_MAX_QPS``); None: unpaced.
    max_qps: float | None = None

    @property
    def uses_service_account(self) -> bool:
        """Whether credentials come from a service-account key file."""
        return self.json_key_file_path is not None

    def secrets(self) -> list[str]:
        """Every secret value set, so error texts can be scrubbed of them."""
        given = (self.client_secret, self.refresh_token, self.developer_token)
        return [s.reveal() for s in given if s is not None and s.reveal()]


@dataclass(frozen=True, repr=False)
class WebhookSettings:
    """Where status changes are POSTed, and the shared secret that signs each body."""

    url: str
    secret: Secret

    @property
    def target(self) -> str:
        """``scheme://host[:port]`` of ``url``, for messages (a path may carry a token)."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    def __repr__(self) -> str:
        return f"WebhookSettings(target={self.target!r}, secret={self.secret!r})"


@dataclass(frozen=True, repr=False)
class MailSettings:
    """Where mail goes and who sends it; ``url`` is ``MCC_MAIL_URL`` as given (checked)."""

    url: str
    sender: str
    reply_to: str | None = None
    #: ``MCC_AGENCY_NAME``: the sender's display name when ``MCC_MAIL_FROM`` has none.
    agency_name: str | None = None
    #: ``MCC_LOCALE``: the language of a client without a ``locale`` attribute.
    locale: str = DEFAULT_LOCALE

    def __post_init__(self) -> None:
        problems = _mail_url_problems(self.url) + _mail_sender_problems(self.sender, self.reply_to)
        if self.locale not in LOCALES:
            problems.append(f"{LOCALE_VAR} {self.locale!r} must be one of {', '.join(LOCALES)}")
        if problems:
            raise ConfigurationError(problems)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> MailSettings | None:
        """The mail settings, or None when ``MCC_MAIL_URL`` is unset.

        Raises:
            ConfigurationError: every problem at once, each naming its variable and the
                fix; never the password.
        """
        url = environ.get(MAIL_URL_VAR, "").strip()
        if not url:
            return None
        return cls(
            url,
            environ.get(MAIL_FROM_VAR, "").strip(),
            environ.get(MAIL_REPLY_TO_VAR, "").strip() or None,
            environ.get(AGENCY_NAME_VAR, "").strip() or None,
            environ.get(LOCALE_VAR, "").strip() or DEFAULT_LOCALE,
        )

    @property
    def scheme(self) -> MailScheme:
        """``smtp``, ``smtps`` or ``ses``."""
        return cast(MailScheme, urlsplit(self.url).scheme)  # checked when made

    @property
    def host(self) -> str:
        """The SMTP server's host (empty for SES)."""
        return urlsplit(self.url).hostname or ""

    @property
    def port(self) -> int:
        """The SMTP server's port (587 for smtp://, 465 for smtps:// unless given)."""
        return urlsplit(self.url).port or MAIL_PORTS.get(self.scheme, 0)

    @property
    def username(self) -> str | None:
        """The SMTP user name, percent-decoded (None: no login)."""
        user = urlsplit(self.url).username
        return unquote(user) if user else None

    def password(self) -> str:
        """The SMTP password, percent-decoded: for the one place that sends it."""
        return unquote(urlsplit(self.url).password or "")

    @property
    def region(self) -> str | None:
        """The SES region (None: boto3's default, ``AWS_REGION``)."""
        return _mail_query(self.url).get("region")

    @property
    def target(self) -> str:
        """``smtp://host:port`` or ``ses://region`` for messages: never the user or password."""
        if self.scheme == "ses":
            return f"ses://{self.region or '(AWS_REGION)'}"
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def sender_address(self) -> str:
        """The sender's bare address (the SMTP envelope's and SES's identity)."""
        from email.utils import parseaddr  # here: every command imports this module

        return parseaddr(self.sender)[1]

    @property
    def from_header(self) -> str:
        """The ``From`` header: ``MCC_MAIL_FROM``, named after the agency when it has no name."""
        from email.headerregistry import Address
        from email.utils import parseaddr

        name, address = parseaddr(self.sender)
        return str(Address(name or self.agency_name or "", addr_spec=address))

    def __repr__(self) -> str:
        return f"MailSettings(target={self.target!r}, sender={self.sender!r})"


ProxyNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class OnboardingSettings:
    """What the advertiser's pages need: where they are served, the web OAuth client that
    signs advertisers in with the OpenID provider, and how the agency presents itself."""

    public_url: str
    client_id: str
    client_secret: Secret
    issuer: str = DEFAULT_OIDC_ISSUER
    agency_name: str | None = None
    agency_logo_url: str | None = None
    #: Peers whose ``X-Forwarded-For`` names the client (a TLS reverse proxy in front).
    trusted_proxies: tuple[ProxyNetwork, ...] = ()

    @property
    def redirect_uri(self) -> str:
        """Where the provider sends the advertiser back (register it with the OAuth client)."""
        return f"{self.public_url}/onboard/callback"


@dataclass(frozen=True)
class StaffSignIn:
    """The staff's "Sign in with Google": the web OAuth client, its OpenID provider, and
    where the provider sends people back (``{MCC_PUBLIC_URL}/login/callback``)."""

    public_url: str
    client_id: str
    client_secret: Secret
    issuer: str = DEFAULT_OIDC_ISSUER

    @property
    def redirect_uri(self) -> str:
        """The callback to register with the OAuth client."""
        return f"{self.public_url}/login/callback"


@dataclass(frozen=True)
class StaffSettings:
    """How the staff get in: Google sign-in (optional), who enters unregistered, the
    break-glass ``MCC_API_TOKEN`` once users exist, and how long a signed-in browser lasts."""

    sign_in: StaffSignIn | None = None
    #: ``MCC_STAFF_DOMAINS``: Workspace domains whose verified accounts enter unregistered.
    domains: frozenset[str] = frozenset()
    #: ``MCC_STAFF_DOMAIN_ROLE``: the role they enter with (viewer or operator).
    domain_role: Role = Role.VIEWER
    #: ``MCC_BREAK_GLASS``: ``MCC_API_TOKEN`` stays an admin token once users exist.
    break_glass: bool = False
    session_idle: timedelta = DEFAULT_SESSION_IDLE
    session_max: timedelta = DEFAULT_SESSION_MAX
    #: ``MCC_SESSION_SECRET``: signs the sign-in form's and the one-shot messages' cookies.
    session_secret: Secret | None = None


@dataclass(frozen=True)
class Settings:
    """Everything mcclink reads from the environment; Google parts validated on demand."""

    mcc_customer_id: CustomerId | None = None
    #: Set when ``MCC_CUSTOMER_ID`` is given but malformed (the problem, with its fix).
    mcc_problem: str | None = None
    store_url: str | None = None
    debug: bool = False
    #: ``GOOGLE_ADS_*`` values from the environment, by YAML key (may hold secrets).
    google_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    token_uri: str = DEFAULT_TOKEN_URI
    #: The ``google-ads.yaml`` to read and whether the user named it (then it must exist).
    yaml_path: Path | None = None
    yaml_explicit: bool = False
    #: ``GOOGLE_ADS_MAX_QPS`` as given; checked by ``google_ads``.
    max_qps: str | None = None
    #: ``MCC_WEBHOOK_URL`` / ``MCC_WEBHOOK_SECRET`` as given; checked by ``webhook``.
    webhook_url: str | None = field(default=None, repr=False)
    webhook_secret: Secret | None = None
    #: ``MCC_PUBLIC_URL`` and the onboarding settings as given; checked by ``public_url``
    #: and ``onboarding``.
    public_url_raw: str | None = None
    onboarding_client_id: str | None = None
    onboarding_client_secret: Secret | None = None
    oidc_issuer: str = DEFAULT_OIDC_ISSUER
    agency_name: str | None = None
    agency_logo_url: str | None = None
    trusted_proxies: str | None = None
    #: ``MCC_IMPORT_ALL_LINKS`` as given; checked by ``import_all_links``.
    import_all_links_raw: str | None = None
    #: ``MCC_TIMEZONE`` as given; checked by ``time_zone``.
    time_zone_raw: str | None = None
    #: The mail variables (``MAIL_VARS``) as given; checked by ``mail``.
    mail_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: The staff variables (``STAFF_VARS``) as given; checked by ``staff``.
    staff_env: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        """Read the settings from ``environ`` without opening any file.

        Args:
            environ: the environment (``os.environ`` by default).

        Returns:
            The settings; problems are reported by ``require_mcc`` and ``google_ads``.
        """
        mcc, mcc_problem = _parse_mcc(environ.get("MCC_CUSTOMER_ID", "").strip())
        yaml_path, explicit = _yaml_location(environ)
        google_env = {k: v.strip() for k in YAML_KEYS if (v := environ.get(env_var(k), "")).strip()}
        return cls(
            mcc_customer_id=mcc,
            mcc_problem=mcc_problem,
            store_url=environ.get("MCC_STORE", "").strip() or None,
            debug=environ.get("MCCLINK_DEBUG", "").strip().lower() in _YES,
            google_env=google_env,
            token_uri=environ.get("GOOGLE_ADS_TOKEN_URI", "").strip() or DEFAULT_TOKEN_URI,
            yaml_path=yaml_path,
            yaml_explicit=explicit,
            max_qps=environ.get(MAX_QPS_VAR, "").strip() or None,
            webhook_url=environ.get(WEBHOOK_URL_VAR, "").strip() or None,
            webhook_secret=_secret(environ.get(WEBHOOK_SECRET_VAR, "").strip()),
            public_url_raw=environ.get(PUBLIC_URL_VAR, "").strip() or None,
            onboarding_client_id=environ.get(ONBOARDING_CLIENT_ID_VAR, "").strip() or None,
            onboarding_client_secret=_secret(environ.get(ONBOARDING_CLIENT_SECRET_VAR, "").strip()),
            mail_env={name: environ[name] for name in MAIL_VARS if name in environ},
            staff_env={name: v for name in STAFF_VARS if (v := environ.get(name, "").strip())},
            oidc_issuer=environ.get(OIDC_ISSUER_VAR, "").strip() or DEFAULT_OIDC_ISSUER,
            agency_name=environ.get(AGENCY_NAME_VAR, "").strip() or None,
            agency_logo_url=environ.get("MCC_AGENCY_LOGO_URL", "").strip() or None,
            trusted_proxies=environ.get(TRUSTED_PROXIES_VAR, "").strip() or None,
            import_all_links_raw=environ.get(IMPORT_ALL_LINKS_VAR, "").strip() or None,
            time_zone_raw=environ.get(TIMEZONE_VAR, "").strip() or None,
        )

    @property
    def public_url(self) -> str:
        """``MCC_PUBLIC_URL`` without a trailing slash: where onboarding links point.

        Raises:
            ConfigurationError: unset, or not https (http only on a loopback address).
        """
        problems = _base_url_problems(
            PUBLIC_URL_VAR, self.public_url_raw, "https://ads.example.com"
        )
        if problems or self.public_url_raw is None:
            raise ConfigurationError(problems)
        return self.public_url_raw.rstrip("/")

    @property
    def onboarding(self) -> OnboardingSettings | None:
        """The advertiser's sign-in, or None when ``MCC_ONBOARDING_CLIENT_ID`` is not set.

        Raises:
            ConfigurationError: every problem at once (public URL, client secret, issuer,
                logo, proxies), each naming its variable and the fix; never the secret.
        """
        if self.onboarding_client_id is None:
            return None
        problems = _base_url_problems(
            PUBLIC_URL_VAR, self.public_url_raw, "https://ads.example.com"
        )
        problems += _base_url_problems(OIDC_ISSUER_VAR, self.oidc_issuer, DEFAULT_OIDC_ISSUER)
        if self.onboarding_client_secret is None:
            problems.append(
                f"{ONBOARDING_CLIENT_SECRET_VAR} is not set: copy the secret of the web OAuth "
                f"client named by {ONBOARDING_CLIENT_ID_VAR}"
            )
        if self.agency_logo_url is not None and not self.agency_logo_url.startswith("https://"):
            problems.append("MCC_AGENCY_LOGO_URL must be an https:// address of an image")
        proxies = _proxy_networks(self.trusted_proxies, problems)
        if problems or self.public_url_raw is None or self.onboarding_client_secret is None:
            raise ConfigurationError(problems)
        return OnboardingSettings(
            public_url=self.public_url_raw.rstrip("/"),
            client_id=self.onboarding_client_id,
            client_secret=self.onboarding_client_secret,
            issuer=self.oidc_issuer.rstrip("/"),
            agency_name=self.agency_name,
            agency_logo_url=self.agency_logo_url,
            trusted_proxies=proxies,
        )

    @property
    def staff(self) -> StaffSettings:
        """How the staff sign in (``MCC_STAFF_*``, ``MCC_BREAK_GLASS``, ``MCC_SESSION_*``).

        Raises:
            ConfigurationError: every problem at once, each naming its variable and the fix;
                never a secret.
        """
        env, problems = self.staff_env, list[str]()
        sign_in = self._staff_sign_in(problems)
        domains = _staff_domains(env.get(STAFF_DOMAINS_VAR), problems)
        if domains and STAFF_CLIENT_ID_VAR not in env:
            problems.append(
                f"{STAFF_DOMAINS_VAR} is set but {STAFF_CLIENT_ID_VAR} is not: people of those "
                f"domains enter by signing in with Google; set {STAFF_CLIENT_ID_VAR} and "
                f"{STAFF_CLIENT_SECRET_VAR}, or unset {STAFF_DOMAINS_VAR}"
            )
        idle = _session_length(SESSION_IDLE_VAR, env, DEFAULT_SESSION_IDLE, problems)
        longest = _session_length(SESSION_MAX_VAR, env, DEFAULT_SESSION_MAX, problems)
        if idle is not None and longest is not None and idle > longest:
            problems.append(
                f"{SESSION_IDLE_VAR} ({env.get(SESSION_IDLE_VAR, '2h')}) is longer than "
                f"{SESSION_MAX_VAR} ({env.get(SESSION_MAX_VAR, '12h')}): make the idle expiry "
                "the shorter one"
            )
        secret = _secret(env.get(SESSION_SECRET_VAR))
        weak = secret and secret_problem(SESSION_SECRET_VAR, secret.reveal(), MIN_SESSION_SECRET)
        if weak:
            problems.append(f"{weak}: make one with `{_MAKE_SECRET}`")
        settings = StaffSettings(
            sign_in=sign_in,
            domains=domains,
            domain_role=_domain_role(env.get(STAFF_DOMAIN_ROLE_VAR), problems),
            break_glass=yes_no(BREAK_GLASS_VAR, env.get(BREAK_GLASS_VAR), problems),
            session_idle=idle or DEFAULT_SESSION_IDLE,
            session_max=longest or DEFAULT_SESSION_MAX,
            session_secret=secret,
        )
        if problems:
            raise ConfigurationError(problems)
        return settings

    def _staff_sign_in(self, problems: list[str]) -> StaffSignIn | None:
        client_id = self.staff_env.get(STAFF_CLIENT_ID_VAR)
        secret = _secret(self.staff_env.get(STAFF_CLIENT_SECRET_VAR))
        if client_id is None:
            if secret is not None:
                problems.append(
                    f"{STAFF_CLIENT_SECRET_VAR} is set but {STAFF_CLIENT_ID_VAR} is not: set "
                    f"the web OAuth client's id too, or unset {STAFF_CLIENT_SECRET_VAR}"
                )
            return None
        found = _base_url_problems(PUBLIC_URL_VAR, self.public_url_raw, "https://ads.example.com")
        found += _base_url_problems(OIDC_ISSUER_VAR, self.oidc_issuer, DEFAULT_OIDC_ISSUER)
        if secret is None:
            found.append(
                f"{STAFF_CLIENT_SECRET_VAR} is not set: copy the secret of the web OAuth client "
                f"named by {STAFF_CLIENT_ID_VAR}"
            )
        problems += found
        if found or secret is None or self.public_url_raw is None:
            return None
        return StaffSignIn(
            self.public_url_raw.rstrip("/"), client_id, secret, self.oidc_issuer.rstrip("/")
        )

    @property
    def webhook(self) -> WebhookSettings | None:
        """The webhook receiver, or None when ``MCC_WEBHOOK_URL`` is not set.

        Raises:
            ConfigurationError: the URL is not a plain http(s) URL, or the secret is missing
                or too short; each problem names its variable and the fix, never the secret.
        """
        if self.webhook_url is None:
            return None
        problems = _webhook_url_problems(self.webhook_url)
        problems += _webhook_secret_problems(self.webhook_secret)
        if problems or self.webhook_secret is None:
            raise ConfigurationError(problems)
        return WebhookSettings(self.webhook_url, self.webhook_secret)

    @property
    def mail(self) -> MailSettings | None:
        """How mail is sent (``MCC_MAIL_URL`` and the rest), or None when it is not set.

        Raises:
            ConfigurationError: every mail setting problem, each naming its variable and
                the fix; never the password.
        """
        return MailSettings.from_env(self.mail_env)

    @property
    def proxies(self) -> tuple[ProxyNetwork, ...]:
        """``MCC_TRUSTED_PROXIES``: the peers whose ``X-Forwarded-For`` names the client.

        Raises:
            ConfigurationError: an item is not an IP address or network (named, with the fix).
        """
        problems: list[str] = []
        networks = _proxy_networks(self.trusted_proxies, problems)
        if problems:
            raise ConfigurationError(problems)
        return networks

    @property
    def import_all_links(self) -> bool:
        """``MCC_IMPORT_ALL_LINKS``: monitor cycles also import unknown clients whose link
        ended (refused, cancelled, inactive), not only live ones.

        Raises:
            ConfigurationError: a value that is neither yes nor no.
        """
        value = (self.import_all_links_raw or "").lower()
        if value in _YES | _NO:
            return value in _YES
        raise ConfigurationError(
            f"{IMPORT_ALL_LINKS_VAR} {self.import_all_links_raw!r} is not a yes/no value: set "
            "it to 1 (also import ended links) or 0 (only live links, the default)"
        )

    @property
    def time_zone(self) -> ZoneInfo:
        """``MCC_TIMEZONE`` (default America/Sao_Paulo): the agency's zone, whose days,
        weeks and months reports count in.

        Raises:
            ConfigurationError: not an IANA time zone name (named, with an example).
        """
        raw = self.time_zone_raw or DEFAULT_TIMEZONE
        try:
            return ZoneInfo(raw)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ConfigurationError(
                f"{TIMEZONE_VAR} {raw[:60]!r} is not a time zone: set it to an IANA name such "
                f"as {DEFAULT_TIMEZONE} or Europe/Lisbon"
            ) from None

    def require_mcc(self, explicit: CustomerId | None = None) -> CustomerId:
        """The MCC to act on: ``explicit`` (``--mcc``) if given, else ``MCC_CUSTOMER_ID``.

        Raises:
            ConfigurationError: neither is given, or ``MCC_CUSTOMER_ID`` is malformed.
        """
        mcc = explicit or self.mcc_customer_id
        if mcc is None:
            raise ConfigurationError(
                self.mcc_problem
                or "no MCC given: pass --mcc 123-456-7890 (a script: mccCustomerId in its "
                "payload) or set MCC_CUSTOMER_ID to the manager account's customer id"
            )
        return mcc

    def google_ads(self) -> GoogleAdsSettings:
        """Validated Google Ads settings: the environment merged over ``google-ads.yaml``.

        The MCC is not among them: ``require_mcc`` reads it, and ``check_all`` reports the
        problems of both at once.

        Raises:
            ConfigurationError: every problem at once (missing OAuth pieces, a malformed
                login customer id, an unreadable or malformed YAML file, a missing key file),
                each naming the variable and the fix; never a secret value.
        """
        problems: list[str] = []
        from_file = self._read_yaml(problems)
        values = {**from_file, **self.google_env}
        google = _build_google(values, self.token_uri, problems)
        google = replace(google, max_qps=_max_qps(self.max_qps, problems))
        if problems:
            raise ConfigurationError(problems)
        return google

    def _read_yaml(self, problems: list[str]) -> dict[str, str]:
        if self.yaml_path is None or not (self.yaml_explicit or self.yaml_path.exists()):
            return {}
        import yaml  # here: every command imports this module, few read a YAML file

        try:
            # BaseLoader keeps every scalar as written: an unquoted customer id such as
            # 0123456701 would otherwise be read as an octal number.
            text = read_plain_file(self.yaml_path, MAX_YAML_BYTES).decode("utf-8")
            document = yaml.load(text, yaml.BaseLoader)
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                f"cannot read {self.yaml_path} ({type(exc).__name__}: {_os_reason(exc)}): "
                "fix the file or GOOGLE_ADS_CONFIGURATION_FILE_PATH"
            )
            return {}
        except yaml.YAMLError as exc:
            problems.append(f"{self.yaml_path} is not valid YAML ({_yaml_reason(exc)}): fix it")
            return {}
        if document is None:
            return {}
        if not isinstance(document, dict):
            problems.append(f"{self.yaml_path} must be a mapping of keys such as client_id")
            return {}
        values = {k: document[k] for k in YAML_KEYS if k in document}
        for key in [k for k, v in values.items() if not isinstance(v, str)]:
            problems.append(f"{key} in {self.yaml_path} must be a single value: fix it")
        return {k: v.strip() for k, v in values.items() if isinstance(v, str) and v.strip()}


def check_all(*checks: Callable[[], object]) -> None:
    """Run every settings check, so that one error lists the problems of all of them.

    Args:
        checks: each reads some settings and raises ``ConfigurationError`` for their problems.

    Raises:
        ConfigurationError: every problem the checks found, in their order.
    """
    problems: list[str] = []
    for check in checks:
        try:
            check()
        except ConfigurationError as exc:
            problems += [p for p in exc.problems if p not in problems]  # two checks, one setting
    if problems:
        raise ConfigurationError(problems)


def _parse_mcc(raw: str) -> tuple[CustomerId | None, str | None]:
    if not raw:
        return None, None
    try:
        return CustomerId.parse(raw), None
    except InvalidCustomerId as exc:
        return None, f"MCC_CUSTOMER_ID: {exc}"


def _yaml_location(environ: Mapping[str, str]) -> tuple[Path | None, bool]:
    named = environ.get("GOOGLE_ADS_CONFIGURATION_FILE_PATH", "").strip()
    if named:
        return Path(named).expanduser(), True
    home = environ.get("HOME", "").strip()
    return (Path(home) / "google-ads.yaml" if home else None), False


def _yaml_reason(exc: yaml.YAMLError) -> str:
    # Only the problem and its position: PyYAML's own text quotes the offending line,
    # which may hold a secret.
    problem = getattr(exc, "problem", None) or "unparsable"
    mark = getattr(exc, "problem_mark", None)
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def _os_reason(exc: OSError | UnicodeDecodeError) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return exc.strerror or "error"


def _build_google(
    values: Mapping[str, str], token_uri: str, problems: list[str]
) -> GoogleAdsSettings:
    key_file = _key_file(values.get("json_key_file_path"), problems)
    if "json_key_file_path" not in values:
        _check_oauth(values, problems)
        if "impersonated_email" in values:
            problems.append(
                "GOOGLE_ADS_IMPERSONATED_EMAIL is set without GOOGLE_ADS_JSON_KEY_FILE_PATH: "
                "set the service-account key file, or unset the impersonated email"
            )
    endpoint = values.get("endpoint", DEFAULT_ENDPOINT)
    _check_endpoint(endpoint, problems)
    _check_token_uri(token_uri, problems)
    return GoogleAdsSettings(
        endpoint=endpoint,
        token_uri=token_uri,
        client_id=values.get("client_id"),
        client_secret=_secret(values.get("client_secret")),
        refresh_token=_secret(values.get("refresh_token")),
        developer_token=_secret(values.get("developer_token")),
        login_customer_id=_login_customer(values.get("login_customer_id"), problems),
        json_key_file_path=key_file,
        impersonated_email=values.get("impersonated_email"),
    )


def _check_oauth(values: Mapping[str, str], problems: list[str]) -> None:
    for key in _OAUTH_KEYS:
        if key not in values:
            problems.append(
                f"{env_var(key)} is not set: set it (or {key} in google-ads.yaml) from your "
                "OAuth client and refresh token, or set GOOGLE_ADS_JSON_KEY_FILE_PATH to use "
                "a service account"
            )


def _key_file(raw: str | None, problems: list[str]) -> Path | None:
    if raw is None:
        return None
    path = Path(raw).expanduser()
    if not (path.is_file() and os.access(path, os.R_OK)):
        problems.append(
            f"GOOGLE_ADS_JSON_KEY_FILE_PATH: service-account key file {path} is missing or "
            "unreadable: download the JSON key of the service account and point the variable at it"
        )
    return path


def _check_endpoint(endpoint: str, problems: list[str]) -> None:
    host, _, port = endpoint.rpartition(":")
    if not (host and port.isdigit()):
        problems.append(
            f"GOOGLE_ADS_ENDPOINT {endpoint!r} needs host:port, "
            f"e.g. {DEFAULT_ENDPOINT} (or unset it for Google's)"
        )


def _check_token_uri(token_uri: str, problems: list[str]) -> None:
    if not token_uri.startswith(("https://", "http://")):
        problems.append(
            f"GOOGLE_ADS_TOKEN_URI {token_uri!r} must be an http(s) URL, "
            f"e.g. {DEFAULT_TOKEN_URI} (or unset it for Google's)"
        )


def _login_customer(raw: str | None, problems: list[str]) -> CustomerId | None:
    if raw is None:
        return None
    try:
        return CustomerId.parse(raw)
    except InvalidCustomerId as exc:
        problems.append(
            f"GOOGLE_ADS_LOGIN_CUSTOMER_ID: {exc} (or unset it to log in as the MCC acted on)"
        )
        return None


def _max_qps(raw: str | None, problems: list[str]) -> float | None:
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        problems.append(
            f"{MAX_QPS_VAR} {raw!r} must be a positive number of calls per second, e.g. 10 "
            "(or unset it to send calls unpaced)"
        )
        return None
    return value


def _webhook_url_problems(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        usable = parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed port or IPv6 address
        usable = False
    if not usable or any(c.isspace() for c in url):
        return [
            f"{WEBHOOK_URL_VAR} must be an http:// or https:// URL with a host, "
            "e.g. https://crm.example.com/hooks/mcclink"
        ]
    if "@" in parts.netloc:
        return [
            f"{WEBHOOK_URL_VAR} must not carry a user name or password: the receiver "
            f"authenticates mcclink by the signature made with {WEBHOOK_SECRET_VAR}"
        ]
    return []


def _webhook_secret_problems(secret: Secret | None) -> list[str]:
    if secret is None:
        return [
            f"{WEBHOOK_SECRET_VAR} is not set: {WEBHOOK_URL_VAR} needs a shared secret to sign "
            f"each delivery; make one with `{_MAKE_SECRET}` and give the receiver the same value"
        ]
    problem = secret_problem(WEBHOOK_SECRET_VAR, secret.reveal(), MIN_WEBHOOK_SECRET)
    return [f"{problem}: make a strong one with `{_MAKE_SECRET}`"] if problem else []


def secret_problem(var: str, value: str, min_length: int) -> str | None:
    """What makes ``value`` unfit as the secret of ``var`` (never the value itself), or None.

    A secret must be printable ASCII without spaces (other characters are not typed, sent
    or encoded alike by every client and receiver), at least ``min_length`` characters, and
    hold at least ``MIN_SECRET_VARIETY`` different ones.
    """
    if not all("!" <= c <= "~" for c in value):
        return f"{var} must be printable ASCII without spaces (letters, digits, punctuation)"
    if len(value) < min_length:
        return f"{var} is too short ({len(value)} characters, at least {min_length})"
    if len(set(value)) < MIN_SECRET_VARIETY:
        return (
            f"{var} does not look random ({len(set(value))} different characters, at least "
            f"{MIN_SECRET_VARIETY})"
        )
    return None


def _base_url_problems(var: str, url: str | None, example: str) -> list[str]:
    """Problems of a base URL people's browsers open: https, or http on a loopback address."""
    if url is None:
        return [f"{var} is not set: set it to the https:// address people open, e.g. {example}"]
    wrong = [
        f"{var} {url!r} must be an https:// address with no query (http:// only on a "
        f"loopback address), e.g. {example}"
    ]
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError on a malformed port
    except ValueError:
        return wrong
    secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))
    if not (secure and parts.hostname) or parts.query or parts.fragment or "@" in parts.netloc:
        return wrong
    return []


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` (a name or an address) is this machine's loopback."""
    if host is not None and host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:  # a name, not an address
        return False


def _proxy_networks(raw: str | None, problems: list[str]) -> tuple[ProxyNetwork, ...]:
    networks: list[ProxyNetwork] = []
    for item in (raw or "").replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            problems.append(
                f"{TRUSTED_PROXIES_VAR}: {item!r} is not an IP address or network, "
                "e.g. 10.0.0.5 or 10.0.0.0/24 (comma-separated)"
            )
    return tuple(networks)


def _secret(raw: str | None) -> Secret | None:
    return Secret(raw) if raw else None


def _staff_domains(raw: str | None, problems: list[str]) -> frozenset[str]:
    domains = [item.strip().lower() for item in (raw or "").split(",") if item.strip()]
    for domain in domains:
        if not _DOMAIN.fullmatch(domain):
            problems.append(
                f"{STAFF_DOMAINS_VAR}: {domain!r} is not a domain name: give the Google "
                "Workspace domains, comma-separated, e.g. agencia.com.br,agencia.com"
            )
    return frozenset(d for d in domains if _DOMAIN.fullmatch(d))


def _domain_role(raw: str | None, problems: list[str]) -> Role:
    if raw is None:
        return Role.VIEWER
    try:
        role = Role.parse(raw)
    except InputError as exc:
        problems.append(f"{STAFF_DOMAIN_ROLE_VAR}: {exc}")
        return Role.VIEWER
    if role is Role.ADMIN:
        problems.append(
            f"{STAFF_DOMAIN_ROLE_VAR} cannot be admin: a whole domain would manage users and "
            "tokens; use viewer or operator, and make admins with `mcclink users add EMAIL "
            "--role admin`"
        )
        return Role.VIEWER
    return role


def yes_no(var: str, raw: str | None, problems: list[str]) -> bool:
    """``raw`` (the value of ``var``) as a yes/no (unset: no); a problem is added otherwise."""
    value = (raw or "").lower()
    if value not in _YES | _NO:
        problems.append(f"{var} {raw!r} is not a yes/no value: set it to on or off")
    return value in _YES


def _session_length(
    var: str, env: Mapping[str, str], default: timedelta, problems: list[str]
) -> timedelta | None:
    """The duration ``var`` gives (``default`` when unset), or None when it is wrong."""
    raw = env.get(var)
    if raw is None:
        return default
    try:
        length = parse_duration(raw)
    except InputError as exc:
        problems.append(f"{var}: {exc}")
        return None
    if not SHORTEST_IDLE <= length <= LONGEST_SESSION:
        problems.append(f"{var} {raw!r} must be between 5m and 30d, e.g. 2h")
        return None
    return length


def _mail_url_problems(url: str) -> list[str]:
    """What is wrong with ``MCC_MAIL_URL`` (never quoting it: it may hold a password)."""
    wrong = f"{MAIL_URL_VAR} is not a mail URL: expected {_MAIL_URL_EXAMPLES}"
    try:
        parts = urlsplit(url)
        port = parts.port
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:  # a malformed port, IPv6 address or query
        return [wrong]
    if any(c.isspace() for c in url) or parts.fragment:
        return [wrong]
    if parts.scheme == "ses":
        return _ses_url_problems(parts.netloc, parts.path, query)
    if parts.scheme not in MAIL_PORTS:
        given = parts.scheme and url.startswith(f"{parts.scheme}://")
        scheme = f"scheme {parts.scheme + '://'!r}" if given else "no scheme"
        return [f"{MAIL_URL_VAR} has {scheme}: expected {_MAIL_URL_EXAMPLES}"]
    problems = []
    if not parts.hostname or parts.path not in ("", "/") or port == 0:
        problems.append(
            f"{MAIL_URL_VAR} needs a host and nothing after it, e.g. {_MAIL_URL_EXAMPLES}"
        )
    if query:
        problems.append(f"{MAIL_URL_VAR}: smtp:// and smtps:// take no parameters (after ?)")
    if (parts.username is None) != (parts.password is None) or parts.username == "":
        problems.append(
            f"{MAIL_URL_VAR}: give both a user name and a password (smtp://user:password@host) "
            "or neither"
        )
    return problems


def _ses_url_problems(netloc: str, path: str, query: dict[str, list[str]]) -> list[str]:
    problems = []
    if netloc or path:
        problems.append(
            f"{MAIL_URL_VAR}: ses:// takes no host or credentials (boto3 finds them): "
            "write ses://?region=sa-east-1"
        )
    unknown = sorted(set(query) - {"region"})
    if unknown:
        problems.append(f"{MAIL_URL_VAR}: ses:// takes only region=, not {', '.join(unknown)}")
    regions = query.get("region", [])
    if regions and (len(regions) > 1 or not _AWS_REGION.fullmatch(regions[0])):
        problems.append(f"{MAIL_URL_VAR}: region must be one AWS region, e.g. sa-east-1")
    return problems


def _mail_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _mail_sender_problems(sender: str, reply_to: str | None) -> list[str]:
    problems = []
    if not sender:
        problems.append(
            f"{MAIL_FROM_VAR} is not set: {MAIL_URL_VAR} needs a sender, e.g. "
            f'{MAIL_FROM_VAR}="Agência Demo <ads@example.com>"'
        )
    elif not _one_address(sender):
        problems.append(
            f"{MAIL_FROM_VAR} {sender!r} is not one e-mail address: set it to "
            '"Agency Name <ads@example.com>" or ads@example.com'
        )
    if reply_to is not None and not _one_address(reply_to):
        problems.append(
            f"{MAIL_REPLY_TO_VAR} {reply_to!r} is not one e-mail address: set it to "
            "the address answers go to, e.g. contato@example.com, or unset it"
        )
    return problems


def _one_address(value: str) -> bool:
    """Whether ``value`` is one address, bare or with a display name, on one line."""
    from email.utils import getaddresses

    if "\r" in value or "\n" in value:
        return False
    found = getaddresses([value])
    if len(found) != 1 or not is_email_address(found[0][1]):
        return False
    try:
        found[0][1].rpartition("@")[2].encode("idna")  # as it will travel
    except UnicodeError:
        return False
    return True
