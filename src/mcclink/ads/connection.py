"""The library plumbing behind ``GoogleAdsClientService``: clients, channels, credentials, calls.

One ``GoogleAdsClient`` per login-customer-id and one service client (one gRPC channel) per
login and service, each built on first use and reused. ``call`` runs one request with the
retry policy, translating every foreign exception once, and returns Google's request id.
Every attempt first takes a slot from the connection's ``RateLimiter`` (paced to
``GoogleAdsSettings.max_qps``); a ``RESOURCE_EXHAUSTED`` answer pauses every thread's calls
for the ``retry_delay`` Google gave.
``google.ads`` and ``google.auth`` are imported only inside the functions that need them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from mcclink.ads.errors import server_retry_delay, translate
from mcclink.ads.ratelimit import RateLimiter
from mcclink.ads.retry import AdsStats, RetryPolicy, call_with_retries
from mcclink.ads.version import API_VERSION
from mcclink.config import GoogleAdsSettings, Secret
from mcclink.domain import CustomerId
from mcclink.errors import ConfigurationError, TransientError

T = TypeVar("T")

#: One INFO line per call (``mcclink -v``): what was done and Google's request id.
_log = logging.getLogger(__name__)

_ADWORDS_SCOPE = "https://www.googleapis.com/auth/adwords"
#: Google's "slow down" answers: over a per-second rate limit, or out of quota.
QUOTA_CODES = frozenset(
    {
        "QuotaError.RESOURCE_TEMPORARILY_EXHAUSTED",
        "QuotaError.RESOURCE_EXHAUSTED",
        "StatusCode.RESOURCE_EXHAUSTED",
    }
)
#: The pause after a quota answer that gives no retry_delay: per-second quotas refill in 1 s.
DEFAULT_QUOTA_PAUSE = 1.0


class Connection:
    """Lazily built clients and channels for one set of credentials.

    With ``user_token`` (a signed-in person's access token) the credentials are that token
    alone: valid until Google says otherwise, so never refreshed.
    """

    def __init__(
        self,
        settings: GoogleAdsSettings,
        policy: RetryPolicy,
        stats: AdsStats,
        user_token: Secret | None = None,
    ) -> None:
        self._settings = settings
        self._user_token = user_token
        #: Scrubbed from every error text.
        self._secrets = settings.secrets() + ([user_token.reveal()] if user_token else [])
        self._policy = policy
        self._stats = stats
        self.limiter = RateLimiter(settings.max_qps)
        self._credentials: Any = None
        self._auth_request: Any = None
        self._recorder: Any = None
        self._clients: dict[str | None, Any] = {}
        self._services: dict[tuple[str | None, str], Any] = {}
        # Bulk commands call from many threads: each client, channel and access token is
        # made once, not once per thread that finds it missing.
        self._lock = threading.RLock()

    def client(self, login: CustomerId | None) -> Any:
        """The ``GoogleAdsClient`` logging in as ``login`` (None: no login-customer-id).

        Raises:
            ConfigurationError: the service-account key file cannot be used.
        """
        key = login.digits if login else None
        with self._lock:
            if key not in self._clients:
                self._clients[key] = self._build_client(key)
            return self._clients[key]

    def service(self, login: CustomerId | None, name: str) -> Any:
        """The service client ``name`` (e.g. ``"CustomerClientLinkService"``) for ``login``.

        Raises:
            ConfigurationError: the service-account key file cannot be used.
        """
        key = (login.digits if login else None, name)
        with self._lock:
            if key not in self._services:
                ads = self.client(login)  # builds the request-id recorder with the first client
                self._services[key] = ads.get_service(name, interceptors=[self._recorder])
            return self._services[key]

    def call(
        self,
        login: CustomerId | None,
        service_name: str,
        invoke: Callable[[Any], T],
        action: str,
        client: str | None = None,
    ) -> tuple[T, str | None]:
        """``invoke(service)`` under the retry policy, and the request id of the success.

        ``invoke`` must finish the whole exchange (consume a stream) so that a failure
        midway is retried as well. ``action`` (what is being done, with the ids) opens
        every error message; ``client``, the client account the call is about, is named in
        a fix that has a command for it.

        Raises:
            GoogleAdsError: the translated failure (``TransientError`` after the retries).
            ConfigurationError: the service-account key file cannot be used.
        """
        service = self.service(login, service_name)

        def attempt() -> tuple[T, str | None]:
            self.limiter.acquire()
            try:
                return self._attempt(service, invoke, action, client)
            except TransientError as exc:
                self._slow_down_if_throttled(exc)
                raise

        result, request_id = call_with_retries(attempt, self._policy, self._stats)
        _log.info("%s: %s answered (request id %s)", action, service_name, request_id)
        return result, request_id

    def _attempt(
        self, service: Any, invoke: Callable[[Any], T], action: str, client: str | None
    ) -> tuple[T, str | None]:
        """One exchange; a foreign exception comes out translated (its cause kept)."""
        self._recorder.forget()
        try:
            self._refresh_credentials()
            result = invoke(service)
        except Exception as exc:
            mapped = translate(exc, self._secrets, action, client)
            if mapped is None:
                raise
            raise mapped from exc
        return result, self._recorder.request_id()

    def _slow_down_if_throttled(self, error: TransientError) -> None:
        """On a quota answer, pause every thread's calls, not only this one's retry.

        Never for longer than one call's retry budget: a daily quota may ask for hours,
        and then each call should fail and say so, not hang.
        """
        if error.code in QUOTA_CODES:
            self._stats.add(throttled=1)
            asked = server_retry_delay(error) or DEFAULT_QUOTA_PAUSE
            self.limiter.back_off(min(asked, self._policy.deadline))

    def close(self) -> None:
        """Close every gRPC channel opened so far."""
        for service in self._services.values():
            service.transport.close()
        self._services.clear()

    def _refresh_credentials(self) -> None:
        # Refreshed here, not inside gRPC's auth plugin: there a refused refresh token
        # arrives as ServiceUnavailable ("Getting metadata from plugin failed"), which
        # would be retried in vain instead of reported as a credentials problem.
        with self._lock:
            if not self._credentials.valid:
                self._credentials.refresh(self._auth_request)

    def _build_client(self, login: str | None) -> Any:
        from google.ads.googleads.client import GoogleAdsClient

        from mcclink.ads.request_ids import RequestIdRecorder

        if self._credentials is None:
            self._credentials = self._build_credentials()
            self._recorder = RequestIdRecorder()
        token = self._settings.developer_token
        return GoogleAdsClient(
            credentials=self._credentials,
            # No developer-token header is sent when the token is None (sunset 9 Sep 2026).
            developer_token=token.reveal() if token else None,
            endpoint=self._settings.endpoint,
            login_customer_id=login,
            use_proto_plus=True,
            version=API_VERSION,
        )

    def _build_credentials(self) -> Any:
        from google.auth.transport.requests import Request

        self._auth_request = Request()
        settings = self._settings
        if settings.json_key_file_path is not None:
            return _service_account(settings)
        from google.oauth2.credentials import Credentials

        if self._user_token is not None:
            # No refresh token, no expiry: google-auth calls it valid and never refreshes it.
            return Credentials(token=self._user_token.reveal())  # type: ignore[no-untyped-call]

        # Built here rather than by load_from_env, which refreshes eagerly against
        # Google's fixed token URL; this one refreshes lazily against token_uri.
        return Credentials(  # type: ignore[no-untyped-call]
            None,
            refresh_token=settings.refresh_token.reveal() if settings.refresh_token else None,
            client_id=settings.client_id,
            client_secret=settings.client_secret.reveal() if settings.client_secret else None,
            token_uri=settings.token_uri,
        )


def _service_account(settings: GoogleAdsSettings) -> Any:
    from google.oauth2 import service_account

    try:
        return service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
            str(settings.json_key_file_path),
            scopes=[_ADWORDS_SCOPE],
            subject=settings.impersonated_email,
        )
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"GOOGLE_ADS_JSON_KEY_FILE_PATH: {settings.json_key_file_path} is not a usable "
            f"service-account key ({type(exc).__name__}): download a new JSON key"
        ) from exc
