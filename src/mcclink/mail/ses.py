"""Amazon SES v2 through boto3 (``ses://?region=...``): what the Lambda sends with."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from mcclink.config import MAIL_FROM_VAR, MAIL_URL_VAR, MailSettings
from mcclink.errors import MailRejected, MailSettingsRefused
from mcclink.mail.message import Mail, build_message, wire_address
from mcclink.mail.retry import ATTEMPTS, TransientFailure, with_retries

if TYPE_CHECKING:
    from mypy_boto3_sesv2 import SESV2Client

log = logging.getLogger(__name__)
T = TypeVar("T")


class SesMailer:
    """Amazon SES v2 through boto3: the raw MIME message, so every header is ours.

    Args:
        settings: the mail settings (``ses://``).
        attempts: tries at one message (transient failures only).
        client: the SES v2 client (default: made on first use, in the URL's region).
    """

    def __init__(
        self,
        settings: MailSettings,
        *,
        attempts: int = ATTEMPTS,
        client: SESV2Client | None = None,
    ) -> None:
        from mcclink.extras import require

        require("aws")
        self._settings = settings
        self._attempts = attempts
        self._client = client

    def send(self, mail: Mail) -> str:
        """Send ``mail`` (see ``Mailer.send``)."""
        raw = build_message(mail, self._settings).as_bytes()
        answer = with_retries(lambda: self._send_raw(raw, mail.to), self._settings, self._attempts)
        log.info("mail %s sent through %s as %s", mail.message_id, self._settings.target, answer)
        return answer

    def check(self) -> str:
        """Whether SES knows the sender's address or domain as a verified identity (what
        ``mcclink doctor`` checks).

        Raises:
            MailSettingsRefused: neither is a verified identity, or SES cannot be used.
            MailUnavailable: SES did not answer after retries.
        """
        address = self._settings.sender_address
        for identity in (address, address.rpartition("@")[2]):
            try:
                verified = with_retries(
                    partial(self._verified, identity), self._settings, self._attempts
                )
            except MailSettingsRefused as exc:
                if "NotFoundException" not in str(exc):
                    raise
                continue
            if not verified:
                raise MailSettingsRefused(
                    f"{MAIL_FROM_VAR}: {identity} is an identity in SES ({self._settings.target}) "
                    "but not verified for sending yet: finish its verification (the link SES "
                    "mailed, or the domain's DNS records)"
                )
            return f"{self._settings.target}: {identity} is verified for sending"
        raise MailSettingsRefused(
            f"{MAIL_FROM_VAR}: neither {address} nor its domain is an identity in SES "
            f"({self._settings.target}): verify one in the SES console of that region, or "
            f"change {MAIL_FROM_VAR} (or the region in {MAIL_URL_VAR})"
        )

    def _verified(self, identity: str) -> bool:
        answer = self._call(lambda client: client.get_email_identity(EmailIdentity=identity))
        return bool(answer.get("VerifiedForSendingStatus")) or (
            answer.get("VerificationStatus") == "SUCCESS"
        )

    def close(self) -> None:
        """Nothing to release: boto3 clients hold no open session."""

    def _send_raw(self, raw: bytes, to: str) -> str:
        answer = self._call(
            lambda client: client.send_email(
                FromEmailAddress=wire_address(self._settings.sender_address),
                Destination={"ToAddresses": [wire_address(to)]},
                Content={"Raw": {"Data": raw}},
            )
        )
        return str(answer["MessageId"])

    def _call(self, request: Callable[[SESV2Client], T]) -> T:
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

        if self._client is None:
            import boto3
            from botocore.config import Config

            # One try per call: with_retries retries, and botocore's own would multiply it.
            once = Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=15)
            self._client = boto3.client("sesv2", region_name=self._settings.region, config=once)
        try:
            return request(self._client)
        except ClientError as exc:
            raise self._sorted(exc) from None
        except NoCredentialsError:
            raise MailSettingsRefused(
                f"{MAIL_URL_VAR}: no AWS credentials for SES: give this process a role or "
                "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"
            ) from None
        except BotoCoreError as exc:  # endpoint unreachable, read timeout
            raise TransientFailure(type(exc).__name__, connecting=True) from None

    def _sorted(self, exc: Exception) -> Exception:
        error = getattr(exc, "response", {}).get("Error", {})
        code, message = str(error.get("Code", "")), str(error.get("Message", ""))
        reason = f"{code}: {' '.join(message.split())[:200]}"
        if code in _SES_TRANSIENT:
            return TransientFailure(reason)
        if code == "MessageRejected" and self._settings.sender_address in message:
            return MailSettingsRefused(
                f"{MAIL_FROM_VAR}: SES ({self._settings.target}) refuses the sender ({reason}): "
                "verify its address or domain in that region"
            )
        if code in _SES_REJECTED:
            return MailRejected(f"SES refused the message ({reason})")
        return MailSettingsRefused(
            f"{MAIL_URL_VAR}: SES ({self._settings.target}) refused to send ({reason}): check "
            f"that {MAIL_FROM_VAR}'s address or domain is a verified identity in that region "
            "and that this role may call ses:SendEmail on it"
        )


_SES_TRANSIENT = frozenset(
    {
        "TooManyRequestsException",
        "LimitExceededException",
        "Throttling",
        "ThrottlingException",
        "ServiceUnavailable",
        "InternalFailure",
    }
)
_SES_REJECTED = frozenset({"MessageRejected", "BadRequestException", "InvalidParameterValue"})
