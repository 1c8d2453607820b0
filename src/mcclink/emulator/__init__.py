"""A local emulator of a SUBSET of the Google Ads API, for tests, benchmarks and the demo.

It is a sandbox, not Google: the official ``google-ads`` library talks to it unmodified, over
gRPC with TLS, in every API version the library ships (``protos.versions()``), but only the
calls mcclink makes exist (any other method is refused with a ``GoogleAdsFailure`` naming it),
against in-memory accounts described by a ``Scenario``:

- ``CustomerClientLinkService.MutateCustomerClientLink`` (invite, cancel, end, hide),
- ``CustomerManagerLinkService.MutateCustomerManagerLink`` (accept, refuse, end as the client)
  and ``MoveManagerLink``,
- ``CustomerService.CreateCustomerClient`` and ``ListAccessibleCustomers``,
- ``GoogleAdsService.Search`` and ``SearchStream`` with a small GAQL subset (``gaql``) over
  ``customer_client_link``, ``customer_manager_link``, ``customer_client`` and ``customer``.

Refusals are shaped as Google's (a ``GoogleAdsFailure`` in the trailing metadata, the installed
library's error enums, a ``request-id``); the choices made where Google's behaviour is not
documented are listed in ``failures``. Google's sign-in (OAuth 2.0 authorization code flow
with PKCE, a token endpoint, OpenID Connect ID tokens, userinfo) for the scenario's users, with
their roles on each account, and admin endpoints (answer as the advertiser, read counters, set
knobs, add users) share one HTTP server (``web``). Knobs add latency, a
rate limit and seeded faults.

Usage::

    from mcclink.emulator import start, Scenario
    emulator = start(Scenario.demo())
    os.environ.update(emulator.env())  # GRPC_DEFAULT_SSL_ROOTS_FILE_PATH: before any TLS call
    ...
    emulator.state.respond("111-222-3333", "123-456-7890", "accept")
    emulator.stop()

Application code never imports this package; the CLI's ``mcclink emulator`` commands do.
"""

from mcclink.extras import require

require("emulator")  # before the modules that need it: a missing extra is one clear error

from mcclink.emulator.oauth import CLIENT_ID, CLIENT_SECRET, DEVELOPER_TOKEN, REFRESH_TOKEN  # noqa: E402
from mcclink.emulator.remote import fetch_state, respond  # noqa: E402
from mcclink.emulator.scenario import Knobs, Scenario  # noqa: E402
from mcclink.emulator.server import Emulator, serve, start  # noqa: E402

__all__ = [
    "CLIENT_ID",
    "CLIENT_SECRET",
    "DEVELOPER_TOKEN",
    "REFRESH_TOKEN",
    "Emulator",
    "Knobs",
    "Scenario",
    "fetch_state",
    "respond",
    "serve",
    "start",
]
