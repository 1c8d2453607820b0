"""The function's settings and the secret's shape: each mistake gets a message naming its fix."""

from __future__ import annotations

import json

import boto3
import pytest

from mcclink.aws.handler import FunctionSettings
from mcclink.aws.secrets import fetch_secret, secret_environment
from mcclink.domain import CustomerId
from mcclink.errors import ConfigurationError

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:mcclink-AbCdEf"
GOOD = {"client_id": "id", "client_secret": "s3cr3t-value", "refresh_token": "r3fr3sh-value"}


def test_a_missing_secret_arn_names_the_variable() -> None:
    with pytest.raises(ConfigurationError) as raised:
        FunctionSettings.from_env({"MCC_CUSTOMER_IDS": "123-456-7890"})

    assert "MCC_SECRET_ARN is not set" in str(raised.value)


def test_every_mcc_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        FunctionSettings.from_env({"MCC_CUSTOMER_IDS": "123-456-7890,12345,abc"})

    secret, *mccs = raised.value.problems
    assert secret.startswith("MCC_SECRET_ARN")
    assert len(mccs) == 2
    assert all(p.startswith("MCC_CUSTOMER_IDS") for p in mccs)


def test_no_mcc_at_all_says_which_variable_to_set() -> None:
    with pytest.raises(ConfigurationError, match="set MCC_CUSTOMER_IDS"):
        FunctionSettings.from_env({"MCC_SECRET_ARN": ARN})


def test_the_mcc_list_falls_back_to_mcc_customer_id_and_drops_repeats() -> None:
    settings = FunctionSettings.from_env({"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_ID": "1234567890"})
    repeated = FunctionSettings.from_env(
        {"MCC_SECRET_ARN": ARN, "MCC_CUSTOMER_IDS": "123-456-7890, 1234567890,234-567-8901"}
    )

    assert settings.mccs == (CustomerId.parse("123-456-7890"),)
    assert [m.digits for m in repeated.mccs] == ["1234567890", "2345678901"]
    assert settings.event_bus is None


def test_the_secret_becomes_the_google_ads_variables() -> None:
    environment = secret_environment(json.dumps({**GOOD, "login_customer_id": "1234567890"}), ARN)

    assert environment == {
        "GOOGLE_ADS_CLIENT_ID": "id",
        "GOOGLE_ADS_CLIENT_SECRET": "s3cr3t-value",
        "GOOGLE_ADS_REFRESH_TOKEN": "r3fr3sh-value",
        "GOOGLE_ADS_LOGIN_CUSTOMER_ID": "1234567890",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"client_secret": "s3cr3t-value", ', "is not valid JSON"),
        ('["s3cr3t-value"]', "must be a JSON object"),
        (json.dumps({"client_secret": "s3cr3t-value"}), "has no 'client_id'"),
        (json.dumps({**GOOD, "refreshtoken": "s3cr3t-value"}), "unknown key(s) 'refreshtoken'"),
        (json.dumps({**GOOD, "login_customer_id": 1234567890}), "must be a string"),
    ],
)
def test_a_malformed_secret_is_described_without_its_values(raw: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        secret_environment(raw, ARN)

    assert expected in str(raised.value)
    assert ARN in str(raised.value)
    assert "s3cr3t-value" not in str(raised.value)
    assert "r3fr3sh-value" not in str(raised.value)


@pytest.mark.dynamodb
@pytest.mark.usefixtures("moto_endpoint")
def test_a_secret_that_does_not_exist_names_its_arn_and_the_role(
    monkeypatch: pytest.MonkeyPatch, moto_endpoint: str
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_endpoint)
    client = boto3.session.Session().client("secretsmanager")

    with pytest.raises(ConfigurationError) as raised:
        fetch_secret(client, ARN)

    assert ARN in str(raised.value)
    assert "ResourceNotFoundException" in str(raised.value)
    assert "secretsmanager:GetSecretValue" in str(raised.value)
