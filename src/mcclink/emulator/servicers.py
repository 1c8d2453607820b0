"""The gRPC side: method paths, (de)serialization with the library's classes, and every call's
common path -- request id, knobs, authentication, the state lock, and failures on the wire.

Each answer carries ``request-id`` in its initial metadata (where the ``google-ads`` library
reads it on success) and in its trailing metadata (where it reads it on failure, next to the
serialized ``GoogleAdsFailure``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any, NoReturn

import grpc

from mcclink.emulator import failures, handlers, protos
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.handlers import CallInfo
from mcclink.emulator.state import EmulatorState

_log = logging.getLogger(__name__)

Handler = Callable[[EmulatorState, Any, CallInfo], Any]


@dataclass(frozen=True)
class Method:
    """One served RPC: its service, name, message classes and handler."""

    service: str
    name: str
    module: str
    request: str
    response: str
    handler: Handler
    streaming: bool = False


METHODS = (
    Method(
        "CustomerClientLinkService",
        "MutateCustomerClientLink",
        "customer_client_link_service",
        "MutateCustomerClientLinkRequest",
        "MutateCustomerClientLinkResponse",
        handlers.mutate_customer_client_link,
    ),
    Method(
        "CustomerManagerLinkService",
        "MutateCustomerManagerLink",
        "customer_manager_link_service",
        "MutateCustomerManagerLinkRequest",
        "MutateCustomerManagerLinkResponse",
        handlers.mutate_customer_manager_link,
    ),
    Method(
        "CustomerManagerLinkService",
        "MoveManagerLink",
        "customer_manager_link_service",
        "MoveManagerLinkRequest",
        "MoveManagerLinkResponse",
        handlers.move_manager_link,
    ),
    Method(
        "CustomerService",
        "CreateCustomerClient",
        "customer_service",
        "CreateCustomerClientRequest",
        "CreateCustomerClientResponse",
        handlers.create_customer_client,
    ),
    Method(
        "CustomerService",
        "ListAccessibleCustomers",
        "customer_service",
        "ListAccessibleCustomersRequest",
        "ListAccessibleCustomersResponse",
        handlers.list_accessible_customers,
    ),
    Method(
        "GoogleAdsService",
        "Search",
        "google_ads_service",
        "SearchGoogleAdsRequest",
        "SearchGoogleAdsResponse",
        handlers.search,
    ),
    Method(
        "GoogleAdsService",
        "SearchStream",
        "google_ads_service",
        "SearchGoogleAdsStreamRequest",
        "SearchGoogleAdsStreamResponse",
        handlers.search_stream,
        streaming=True,
    ),
)


def generic_handlers(state: EmulatorState) -> list[grpc.GenericRpcHandler]:
    """One generic handler per service, serving ``METHODS`` against ``state``."""
    by_service = groupby(sorted(METHODS, key=lambda m: m.service), key=lambda m: m.service)
    return [
        grpc.method_handlers_generic_handler(
            protos.service_name(service), {m.name: _rpc_handler(state, m) for m in methods}
        )
        for service, methods in by_service
    ]


def _rpc_handler(state: EmulatorState, method: Method) -> grpc.RpcMethodHandler:
    types = protos.load(f"services.types.{method.module}")
    request_class, response_class = getattr(types, method.request), getattr(types, method.response)
    codec = {
        "request_deserializer": request_class.deserialize,
        "response_serializer": response_class.serialize,
    }
    if method.streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            yield from _answer(state, method, request, context)

        return grpc.unary_stream_rpc_method_handler(stream, **codec)

    def unary(request: Any, context: grpc.ServicerContext) -> Any:
        return _answer(state, method, request, context)

    return grpc.unary_unary_rpc_method_handler(unary, **codec)


def _answer(state: EmulatorState, method: Method, request: Any, context: Any) -> Any:
    request_id = failures.new_request_id()
    context.send_initial_metadata((("request-id", request_id),))
    metadata = {key: value for key, value in context.invocation_metadata()}
    call = CallInfo(request_id, metadata.get("login-customer-id"))
    try:
        state.admit(method.name)
        state.tokens.authenticate(metadata.get("authorization"))
        with state.lock:
            response = method.handler(state, request, call)
    except RpcFault as fault:
        _abort(context, fault, request_id)
    except Exception:
        # A bug in the emulator: answer as Google does for its own failures (INTERNAL).
        _log.exception("emulator failed on %s", method.name)
        internal = failures.Code("internal_error", "INTERNAL_ERROR", grpc.StatusCode.INTERNAL)
        _abort(context, RpcFault(internal, "Internal error encountered."), request_id)
    context.set_trailing_metadata(failures.trailing_metadata(None, request_id))
    return response


def _abort(context: Any, fault: RpcFault, request_id: str) -> NoReturn:
    context.set_trailing_metadata(failures.trailing_metadata(fault, request_id))
    context.abort(fault.status, fault.message)
    raise AssertionError("grpc's abort always raises")  # pragma: no cover
