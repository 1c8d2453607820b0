"""OAuth: the token endpoint, the bearer token on every call, expiry and revocation."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.ads.googleads.errors import GoogleAdsException
from google.api_core.exceptions import ServiceUnavailable

from mcclink.emulator import CLIENT_ID, CLIENT_SECRET, REFRESH_TOKEN, Emulator, protos
from tests.emulator.calls import MCC, error_code, stream
from tests.fixtures.emulator import AdsClientFactory

LIST_ACCESSIBLE = f"/{protos.service_name('CustomerService')}/ListAccessibleCustomers"
CUSTOMER_QUERY = "SELECT customer.id FROM customer"


def grant(emulator: Emulator, **overrides: str) -> tuple[int, dict[str, Any]]:
    """POST /token as google-auth does; the HTTP status and the JSON answer."""
    form = {
        "grant_type": "refresh_token",
        "refresh_token": REFRESH_TOKEN,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        **overrides,
    }
    request = urllib.request.Request(emulator.token_uri, data=urllib.parse.urlencode(form).encode())
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


@pytest.fixture
def raw_channel(emulator: Emulator) -> Iterator[grpc.Channel]:
    """A plain gRPC channel to the emulator (no google-ads library in between)."""
    credentials = grpc.ssl_channel_credentials(emulator.cert_path.read_bytes())
    with grpc.secure_channel(emulator.endpoint, credentials) as channel:
        yield channel


def list_accessible(channel: grpc.Channel, metadata: tuple[tuple[str, str], ...]) -> Any:
    """ListAccessibleCustomers with these metadata; (response, call)."""
    types = protos.load("services.types.customer_service")
    method = channel.unary_unary(
        LIST_ACCESSIBLE,
        request_serializer=types.ListAccessibleCustomersRequest.serialize,
        response_deserializer=types.ListAccessibleCustomersResponse.deserialize,
    )
    return method.with_call(types.ListAccessibleCustomersRequest(), metadata=metadata)


def test_token_endpoint_grants_a_bearer_token(fresh_emulator: Emulator) -> None:
    status, body = grant(fresh_emulator)

    assert status == 200
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"]


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"refresh_token": "stolen"}, 400, "invalid_grant"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_refuses_bad_requests_as_google_does(
    fresh_emulator: Emulator, overrides: dict[str, str], status: int, error: str
) -> None:
    assert grant(fresh_emulator, **overrides)[0] == status
    assert grant(fresh_emulator, **overrides)[1]["error"] == error


def test_a_wrong_refresh_token_fails_the_call_with_invalid_grant(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC, refresh_token="not-the-emulators")

    # google-auth's RefreshError happens inside gRPC's metadata plugin: it reaches the caller
    # as UNAVAILABLE whose message carries the OAuth error.
    with pytest.raises(ServiceUnavailable, match="invalid_grant"):
        stream(ads, MCC, CUSTOMER_QUERY)


def test_expired_access_tokens_answer_oauth_token_expired(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    stream(ads, MCC, CUSTOMER_QUERY)
    fresh_emulator.state.tokens.expire_all()

    with pytest.raises(GoogleAdsException) as caught:
        stream(ads, MCC, CUSTOMER_QUERY)

    assert error_code(caught.value) == "authentication_error.OAUTH_TOKEN_EXPIRED"
    assert caught.value.error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert stream(ads_client_factory(MCC), MCC, CUSTOMER_QUERY)  # a fresh token works


def test_a_revoked_refresh_token_stops_old_and_new_clients(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    stream(ads, MCC, CUSTOMER_QUERY)
    fresh_emulator.state.tokens.revoke()

    with pytest.raises(GoogleAdsException) as caught:
        stream(ads, MCC, CUSTOMER_QUERY)
    with pytest.raises(ServiceUnavailable, match="invalid_grant"):
        stream(ads_client_factory(MCC), MCC, CUSTOMER_QUERY)

    assert error_code(caught.value) == "authentication_error.OAUTH_TOKEN_REVOKED"


def test_reset_makes_earlier_tokens_valid_again(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    stream(ads, MCC, CUSTOMER_QUERY)
    fresh_emulator.state.tokens.revoke()

    fresh_emulator.reset()

    assert stream(ads, MCC, CUSTOMER_QUERY)


def test_token_ttl_knob_sets_the_lifetime_the_server_enforces(
    fresh_emulator: Emulator, raw_channel: grpc.Channel
) -> None:
    fresh_emulator.set_knobs(token_ttl_s=1)
    status, body = grant(fresh_emulator)
    assert (status, body["expires_in"]) == (200, 1)
    time.sleep(1.05)

    with pytest.raises(grpc.RpcError) as caught:
        list_accessible(raw_channel, (("authorization", f"Bearer {body['access_token']}"),))

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.details() == "Oauth token is expired."


@pytest.mark.parametrize(
    ("metadata", "details"),
    [
        ((), "Oauth token header is invalid."),
        ((("authorization", "Basic abc"),), "Oauth token header is invalid."),
        ((("authorization", "Bearer made-up"),), "Oauth token is invalid."),
    ],
)
def test_calls_without_a_valid_bearer_token_are_unauthenticated(
    fresh_emulator: Emulator,
    raw_channel: grpc.Channel,
    metadata: tuple[tuple[str, str], ...],
    details: str,
) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        list_accessible(raw_channel, metadata)

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.details() == details
    assert any(key == "request-id" for key, _ in caught.value.trailing_metadata())


def test_success_carries_the_request_id_in_the_response_headers(
    fresh_emulator: Emulator, raw_channel: grpc.Channel
) -> None:
    token = grant(fresh_emulator)[1]["access_token"]

    response, call = list_accessible(raw_channel, (("authorization", f"Bearer {token}"),))

    assert f"customers/{MCC}" in response.resource_names
    request_ids = [value for key, value in call.initial_metadata() if key == "request-id"]
    assert len(request_ids) == 1
    assert len(request_ids[0]) == 22


def test_developer_token_is_optional_and_ignored(
    fresh_emulator: Emulator, ads_client_factory: AdsClientFactory
) -> None:
    ads = ads_client_factory(MCC)
    ads.developer_token = "anything-at-all"

    assert stream(ads, MCC, CUSTOMER_QUERY)
