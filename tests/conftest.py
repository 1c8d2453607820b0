"""Test-session set-up shared by every suite.

Servers the tests need (the moto DynamoDB server, the Google Ads emulator, an SMTP sink) are
started by the session fixtures in ``tests/fixtures``; nothing has to be running beforehand.
"""

import os

# Loopback traffic must never go through a proxy (gRPC and requests both honour these).
os.environ["no_proxy"] = os.environ["NO_PROXY"] = "localhost,127.0.0.1"

pytest_plugins = [
    "tests.fixtures.moto_server",
    "tests.fixtures.emulator",
    "tests.fixtures.webhook_receiver",
    "tests.fixtures.smtp",
    "tests.fixtures.browser",
]
