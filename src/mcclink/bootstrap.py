"""The one place that wires settings to a store, a Google Ads gateway and the service.

Everything is built on first use: a command that only reads the store never builds the
Google Ads side (and so never imports ``google.ads``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from functools import cached_property
from typing import TYPE_CHECKING

from mcclink.config import GoogleAdsSettings, Settings, check_all
from mcclink.domain import CustomerId
from mcclink.errors import ConfigurationError
from mcclink.ports import AdsGateway, Store
from mcclink.service import GoogleAdsMCCService
from mcclink.staff import MAX_ACTOR_NAME, actor_name_problem

if TYPE_CHECKING:
    from mcclink.ads.client import GoogleAdsClientService
    from mcclink.mail import Mailer
    from mcclink.onboard_service import OnboardingService


class Container:
    """Lazily built dependencies for one command (or one Lambda invocation)."""

    def __init__(
        self,
        *,
        store_url: str | None = None,
        mcc: CustomerId | None = None,
        environ: Mapping[str, str] | None = None,
        actor: str | None = None,
        verbose: bool = False,
        max_qps: float | None = None,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        self.verbose = verbose
        #: Overrides ``GOOGLE_ADS_MAX_QPS`` (``--max-qps``); read when ``ads`` is first built.
        self.max_qps = max_qps
        self._store_url = store_url
        self._mcc = mcc
        self.actor = actor or _default_actor(self.environ)

    @cached_property
    def settings(self) -> Settings:
        """Settings from the environment (Google Ads credentials checked only when used)."""
        return Settings.from_env(self.environ)

    @cached_property
    def mcc(self) -> CustomerId:
        """The MCC to act for: ``--mcc``, else ``MCC_CUSTOMER_ID``.

        Raises:
            ConfigurationError: neither is given.
        """
        return self.settings.require_mcc(self._mcc)

    @cached_property
    def store(self) -> Store:
        """The store named by ``--store``, else ``MCC_STORE``, else the default SQLite file."""
        from mcclink.store import open_store

        return open_store(self._store_url or self.settings.store_url, self.environ)

    @cached_property
    def google_ads_settings(self) -> GoogleAdsSettings:
        """The validated Google Ads settings, with ``max_qps`` when it was given.

        Raises:
            ConfigurationError: every problem with the Google Ads settings.
        """
        settings = self.settings.google_ads()
        return settings if self.max_qps is None else replace(settings, max_qps=self.max_qps)

    def require_google_ads(self) -> CustomerId:
        """The MCC of work that calls Google Ads, checked with the Google Ads settings.

        Raises:
            ConfigurationError: one error listing every problem of both.
        """
        check_all(lambda: self.mcc, lambda: self.google_ads_settings)
        return self.mcc

    @cached_property
    def ads(self) -> GoogleAdsClientService:
        """The Google Ads adapter (validates the Google Ads settings on first use)."""
        from mcclink.ads.client import GoogleAdsClientService, configure_library_logging

        settings = self.google_ads_settings
        configure_library_logging(self.verbose or self.settings.debug)
        return GoogleAdsClientService(settings, home=self.settings.mcc_customer_id)

    @cached_property
    def service(self) -> GoogleAdsMCCService:
        """The service over this container's store and Google Ads adapter, as ``actor``.

        Raises:
            ConfigurationError: ``MCC_IMPORT_ALL_LINKS`` is not a yes/no value.
        """
        return self.service_as(self.actor)

    def service_as(self, actor: str) -> GoogleAdsMCCService:
        """A service over this container's store and Google Ads adapter that records another
        actor (the web server's, per request: the principal's, ``user:<email>``, ``token:<name>
        (<owner>)``, ``break-glass:<address>``).

        Raises:
            ConfigurationError: ``MCC_IMPORT_ALL_LINKS`` is not a yes/no value.
        """
        return GoogleAdsMCCService(
            self.store,
            lambda: self.ads,
            actor=actor,
            import_all_links=self.settings.import_all_links,
            verify_managers=True,
            home=self.settings.mcc_customer_id,
        )

    def services_with_own_store(self) -> Callable[[], AbstractContextManager[GoogleAdsMCCService]]:
        """Opens services as ``actor`` over stores of their own, one per thread of a run over
        many managers (``monitor_all.sync_managers``): a SQLite connection serves one call at
        a time. They share this container's Google Ads adapter, built now, before any thread.

        Raises:
            ConfigurationError: the Google Ads settings or ``MCC_IMPORT_ALL_LINKS`` are wrong.
        """
        ads, import_all = self.ads, self.settings.import_all_links
        url = self._store_url or self.settings.store_url

        @contextmanager
        def opened() -> Iterator[GoogleAdsMCCService]:
            from mcclink.store import open_store

            store = open_store(url, self.environ)
            try:
                yield GoogleAdsMCCService(
                    store, lambda: ads, actor=self.actor, import_all_links=import_all
                )
            finally:
                store.close()

        return opened

    @cached_property
    def onboarding(self) -> OnboardingService:
        """Advertiser onboarding over this container's store; invitations use ``ads``."""
        from mcclink.onboard_service import OnboardingService  # only the web server needs it

        return OnboardingService(self.store, lambda: self.ads)

    @cached_property
    def mailer(self) -> Mailer | None:
        """The mailer ``MCC_MAIL_URL`` names (None when unset); connects on first send.

        Raises:
            ConfigurationError: every problem with the mail settings.
            MissingExtra: ``ses://`` without the ``aws`` extra.
        """
        from mcclink.mail import open_mailer

        settings = self.settings.mail
        return None if settings is None else open_mailer(settings)

    def advertiser_ads(self, access_token: str) -> AdsGateway:
        """A gateway acting as a signed-in advertiser with their OAuth ``access_token``, paced
        with ``ads`` (the same Cloud project's quota).

        Held in memory only and never refreshed; the caller closes it after the request.

        Raises:
            ConfigurationError: the Google Ads settings are missing or malformed.
        """
        return self.ads.for_user(access_token)

    def google_ads_retries(self) -> int:
        """Retries the Google Ads adapter has made so far (0 if it was never built)."""
        return self.ads.stats.retries if "ads" in self.__dict__ else 0

    def close(self) -> None:
        """Release the store, the Google Ads channels and the mail connection, where opened."""
        if "ads" in self.__dict__:
            self.ads.close()
        if self.__dict__.get("mailer") is not None:
            self.__dict__["mailer"].close()
        if "store" in self.__dict__:
            self.store.close()


#: Where ``getpass.getuser`` looks for the login name, in its order.
_LOGIN_VARIABLES = ("LOGNAME", "USER", "LNAME", "USERNAME")


def _default_actor(environ: Mapping[str, str]) -> str:
    """``cli:<name>`` from MCCLINK_ACTOR, else the OS account's name as ``getpass.getuser``
    finds it (the login variables of ``environ``, then the password database, so cron and
    containers without USER still name the account), else ``cli``.

    Raises:
        ConfigurationError: the name is over ``MAX_ACTOR_NAME`` characters or holds a control or
            format character (an escape sequence, say), naming the variable it came from.
    """
    names = ("MCCLINK_ACTOR", *_LOGIN_VARIABLES)
    variable = next((v for v in names if environ.get(v)), None)
    user = environ[variable] if variable else _account_name()
    if user is None:
        return "cli"
    found = actor_name_problem(user)
    if found is not None:
        source = variable or "the account's name in the password database"
        raise ConfigurationError(
            f"{source} must be a printable name of at most {MAX_ACTOR_NAME} characters, without "
            f"control or format characters ({found}), as it is recorded in every history "
            f"entry: set {variable or 'MCCLINK_ACTOR'} to a short name such as 'ana'"
        )
    return f"cli:{user}"


def _account_name() -> str | None:
    """The name of the process's account in the password database; None where there is no
    such database (Windows) or no entry for the account (a container's arbitrary uid)."""
    try:
        import pwd
    except ImportError:
        return None
    try:
        return pwd.getpwuid(os.getuid()).pw_name or None
    except KeyError:
        return None
