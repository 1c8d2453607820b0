"""Retries of a transport's transient failures, with backoff (tenacity)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from mcclink.config import MAIL_URL_VAR, MailSettings
from mcclink.errors import MailSettingsRefused, MailUnavailable

#: Attempts at one message, and the backoff between them (0.5 s, 1 s, 2 s, ... at most 8 s).
ATTEMPTS = 3
FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 8.0

T = TypeVar("T")


class TransientFailure(Exception):
    """A transport's attempt failed in a way the next may not (``with_retries`` retries it);
    ``connecting``: no session was opened."""

    def __init__(self, reason: str, *, connecting: bool = False) -> None:
        super().__init__(reason)
        self.connecting = connecting


def with_retries(attempt: Callable[[], T], settings: MailSettings, attempts: int) -> T:
    """``attempt`` until it succeeds, fails for good, or ``attempts`` transient failures.

    Raises:
        MailSettingsRefused: still unreachable after the last attempt.
        MailUnavailable: another transient failure after the last attempt.
    """
    retrying = Retrying(
        retry=retry_if_exception_type(TransientFailure),
        stop=stop_after_attempt(attempts),
        wait=wait_exponential(multiplier=FIRST_BACKOFF_S, max=MAX_BACKOFF_S),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except TransientFailure as exc:
        tries = f"{attempts} attempt{'s' if attempts > 1 else ''}"
        if exc.connecting:
            check = (
                "this machine's access to SES in that region (and AWS_ENDPOINT_URL_SESV2 if set)"
                if settings.scheme == "ses"
                else f"the host and port in {MAIL_URL_VAR} and that the server is up"
            )
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: cannot reach the mail server {settings.target} ({exc}) "
                f"after {tries}: check {check}"
            ) from None
        raise MailUnavailable(
            f"the mail service {settings.target} did not take the message after {tries} "
            f"({exc}); it may take it later"
        ) from None
