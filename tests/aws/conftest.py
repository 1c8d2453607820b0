"""An AWS world on the moto server for the monitor function: tables, secret, bus, queue.

moto's server answers every service on its one port; boto3 reaches Secrets Manager,
EventBridge and SQS there through ``AWS_ENDPOINT_URL_<SERVICE>`` (DynamoDB is pointed at it
by the ``moto_endpoint`` fixture itself).
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from mcclink.emulator import Emulator
from mcclink.store.dynamodb import DynamoDBStore

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

#: Variables of the emulator's environment that are credentials: they go in the secret.
CREDENTIALS = ("GOOGLE_ADS_CLIENT_ID", "GOOGLE_ADS_CLIENT_SECRET", "GOOGLE_ADS_REFRESH_TOKEN")


@dataclass
class AwsWorld:
    """What the function runs against, and how a test reads what it did."""

    store: DynamoDBStore
    environ: dict[str, str]
    secret_arn: str
    secret_values: list[str]
    queue_url: str
    sqs: SQSClient = field(repr=False)

    def published(self) -> list[dict[str, Any]]:
        """The events the bus delivered to the queue so far (each read once)."""
        events: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
            messages = answer.get("Messages", [])
            if not messages:
                return events
            for message in messages:
                events.append(json.loads(message["Body"]))
                self.sqs.delete_message(
                    QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )


@pytest.fixture
def aws_world(
    moto_endpoint: str,
    dynamodb_store: DynamoDBStore,
    fresh_emulator: Emulator,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AwsWorld]:
    """Tables, the Google Ads secret, an event bus whose rule feeds a queue; the environment."""
    for service in ("SECRETS_MANAGER", "EVENTBRIDGE", "SQS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", moto_endpoint)
    name = f"mcclink-{uuid.uuid4().hex[:10]}"
    emulator_env = fresh_emulator.env()
    secret = {key.removeprefix("GOOGLE_ADS_").lower(): emulator_env[key] for key in CREDENTIALS}
    secrets = boto3.session.Session().client("secretsmanager")
    arn = secrets.create_secret(Name=name, SecretString=json.dumps(secret))["ARN"]
    sqs = boto3.session.Session().client("sqs")
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    events = boto3.session.Session().client("events")
    events.create_event_bus(Name=name)
    events.put_rule(Name=name, EventBusName=name, EventPattern='{"source": ["mcclink"]}')
    events.put_targets(
        Rule=name,
        EventBusName=name,
        Targets=[{"Id": "queue", "Arn": queue_arn["Attributes"]["QueueArn"]}],
    )
    environ = {
        **{k: v for k, v in emulator_env.items() if k not in CREDENTIALS},
        "MCC_STORE": "dynamodb://",
        "CLIENTS_TABLE": dynamodb_store.names.clients,
        "EXECUTION_HISTORY_TABLE": dynamodb_store.names.history,
        "MCC_CUSTOMER_IDS": emulator_env["MCC_CUSTOMER_ID"],
        "MCC_SECRET_ARN": arn,
        "MCC_EVENT_BUS": name,
        "AWS_LAMBDA_FUNCTION_NAME": "mcclink-monitor-test",
    }
    yield AwsWorld(
        dynamodb_store,
        environ,
        arn,
        [secret["client_secret"], secret["refresh_token"]],
        queue_url,
        sqs,
    )
    events.remove_targets(Rule=name, EventBusName=name, Ids=["queue"])
    events.delete_rule(Name=name, EventBusName=name)
    events.delete_event_bus(Name=name)
    # The warm-secret test deletes it itself.
    with contextlib.suppress(secrets.exceptions.ResourceNotFoundException):
        secrets.delete_secret(SecretId=arn, ForceDeleteWithoutRecovery=True)
    sqs.delete_queue(QueueUrl=queue_url)
