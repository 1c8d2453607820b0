"""Google Ads credentials from one AWS Secrets Manager secret, read at run time.

The secret's value is a JSON object with the keys of ``google-ads.yaml`` that carry
credentials (see ``SECRET_KEYS``)::

    {"client_id": "...", "client_secret": "...", "refresh_token": "...",
     "login_customer_id": "1234567890", "developer_token": "..."}

``secret_environment`` turns it into the ``GOOGLE_ADS_*`` variables ``Settings`` reads, so
the service layer is configured exactly as on a laptop. No message here ever quotes the
secret's value: a malformed secret is described by its shape and position only.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from mcclink.config import env_var
from mcclink.errors import ConfigurationError

if TYPE_CHECKING:
    from mypy_boto3_secretsmanager import SecretsManagerClient

SECRET_ARN_VAR = "MCC_SECRET_ARN"
#: The keys the secret may hold; the first three are required (an OAuth user's credentials).
SECRET_KEYS = (
    "client_id",
    "client_secret",
    "refresh_token",
    "developer_token",
    "login_customer_id",
)
_REQUIRED = SECRET_KEYS[:3]
_SHAPE = (
    '{"client_id": "...", "client_secret": "...", "refresh_token": "...", '
    '"login_customer_id": "1234567890"}'
)


def secret_environment(raw: str, arn: str) -> dict[str, str]:
    """The ``GOOGLE_ADS_*`` variables held by the secret's JSON value ``raw``.

    Args:
        raw: the secret's ``SecretString``.
        arn: the secret's ARN, named in messages.

    Returns:
        ``{"GOOGLE_ADS_CLIENT_ID": ..., ...}`` for each key present.

    Raises:
        ConfigurationError: the value is not a JSON object of strings with the required
            keys, or has keys mcclink does not know; the message names the keys and the
            expected shape, never a value.
    """
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(
            f"secret {arn} is not valid JSON ({exc.msg} at line {exc.lineno} column "
            f"{exc.colno}): store it as {_SHAPE}"
        ) from None
    if not isinstance(document, dict):
        raise ConfigurationError(f"secret {arn} must be a JSON object: store it as {_SHAPE}")
    problems = _shape_problems(document, arn)
    if problems:
        raise ConfigurationError(problems)
    return {env_var(key): value.strip() for key, value in document.items() if value.strip()}


def _shape_problems(document: dict[str, object], arn: str) -> list[str]:
    problems = [
        f"secret {arn} has no {key!r}: add it (shape: {_SHAPE})"
        for key in _REQUIRED
        if not (isinstance(document.get(key), str) and str(document[key]).strip())
    ]
    unknown = sorted(key for key in document if key not in SECRET_KEYS)
    if unknown:
        problems.append(
            f"secret {arn} has unknown key(s) {', '.join(map(repr, unknown))}: "
            f"use only {', '.join(SECRET_KEYS)}"
        )
    problems += [
        f"secret {arn}: {key!r} must be a string"
        for key in SECRET_KEYS
        if key in document and not isinstance(document[key], str)
    ]
    return problems


def fetch_secret(client: SecretsManagerClient, arn: str) -> str:
    """The current ``SecretString`` of the secret ``arn``.

    Raises:
        ConfigurationError: the secret is missing, not readable by this role, binary, or
            Secrets Manager could not be reached; the message names the AWS error code.
    """
    try:
        answer = client.get_secret_value(SecretId=arn)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        raise ConfigurationError(
            f"cannot read secret {arn} ({code}): check {SECRET_ARN_VAR} and that the "
            "function's role may call secretsmanager:GetSecretValue on it"
        ) from exc
    except BotoCoreError as exc:
        raise ConfigurationError(
            f"Secrets Manager could not be reached for secret {arn} ({type(exc).__name__})"
        ) from exc
    if "SecretString" not in answer:
        raise ConfigurationError(
            f"secret {arn} holds binary data: store it as a JSON string {_SHAPE}"
        )
    return answer["SecretString"]
