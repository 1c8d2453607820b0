"""The gRPC side: method paths, (de)serialization with the library's classes, and every call's
common path -- request id, knobs, authentication, the state lock, and failures on the wire.

One generic handler takes every method path: ``/google.ads.googleads.<version>.services.
<Service>/<Method>`` of any version the installed library ships (``protos.versions()``). A
served method is decoded and answered with that version's classes, imported on the version's
first call (start-up stays as fast as with one version); any other method of a Google Ads
service is refused as Google refuses a request, with a ``GoogleAdsFailure`` that names it.

Each answer carries ``request-id`` in its initial metadata (where the ``google-ads`` library
reads it on success) and in its trailing metadata (where it reads it on failure, next to the
serialized ``GoogleAdsFailure``).
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, NoReturn, Self

import grpc

from mcclink.emulator import failures, handlers, protos
from mcclink.emulator.failures import RpcFault
from mcclink.emulator.model import CallInfo
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


_SERVED = {(method.service, method.name): method for method in METHODS}
_PATH = re.compile(r"/google\.ads\.googleads\.(v\d+)\.services\.(\w+)/(\w+)")


@dataclass(frozen=True)
class MethodPath:
    """A call's method path, split: ``/google.ads.googleads.v24.services.CustomerService/X``."""

    version: str
    service: str
    name: str

    @classmethod
    def parse(cls, path: str) -> Self | None:
        """The parts of a Google Ads service method path, or None for any other path."""
        match = _PATH.fullmatch(path)
        return None if match is None else cls(match[1], match[2], match[3])

    def __str__(self) -> str:
        return f"{self.service}.{self.name}"


class GoogleAdsHandler(grpc.GenericRpcHandler):  # type: ignore[misc]  # grpc is untyped
    """Every method path of every API version the installed library ships, against ``state``."""

    def __init__(self, state: EmulatorState) -> None:
        self._state = state
        self._versions = frozenset(protos.versions())

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        """The handler for one call's method path (None: not a Google Ads service method)."""
        path = MethodPath.parse(handler_call_details.method)
        if path is None or path.version not in self._versions:
            return None
        method = _SERVED.get((path.service, path.name))
        if method is None:
            # No request_deserializer: the request's bytes are never decoded.
            return grpc.unary_unary_rpc_method_handler(
                functools.partial(_answer, self._state, path, _refuse_unserved)
            )
        return _rpc_handler(self._state, path, method)


def _rpc_handler(state: EmulatorState, path: MethodPath, method: Method) -> grpc.RpcMethodHandler:
    types = protos.load(f"services.types.{method.module}", path.version)
    request_class, response_class = getattr(types, method.request), getattr(types, method.response)
    codec = {
        "request_deserializer": request_class.deserialize,
        "response_serializer": response_class.serialize,
    }
    if method.streaming:

        def stream(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            yield from _answer(state, path, method.handler, request, context)

        return grpc.unary_stream_rpc_method_handler(stream, **codec)
    return grpc.unary_unary_rpc_method_handler(
        functools.partial(_answer, state, path, method.handler), **codec
    )


def _refuse_unserved(state: EmulatorState, request: bytes, call: CallInfo) -> NoReturn:
    """A method of a Google Ads service that the emulator does not serve."""
    raise RpcFault(
        failures.UNSERVED_METHOD,
        f"The mcclink Google Ads emulator does not serve {call.method}; it serves "
        f"{', '.join(f'{m.service}.{m.name}' for m in METHODS)} (see docs/emulator.md).",
    )


def _answer(
    state: EmulatorState, path: MethodPath, handler: Handler, request: Any, context: Any
) -> Any:
    request_id = failures.new_request_id()
    context.send_initial_metadata((("request-id", request_id),))
    metadata = {key: value for key, value in context.invocation_metadata()}
    call = CallInfo(request_id, metadata.get("login-customer-id"), path.version, str(path))
    try:
        state.admit(path.name)
        grant = state.tokens.authenticate(metadata.get("authorization"))
        with state.lock:
            response = handler(state, request, replace(call, user=grant.user))
    except RpcFault as fault:
        _abort(context, fault, request_id, path.version)
    except Exception:
        # A bug in the emulator: answer as Google does for its own failures (INTERNAL).
        _log.exception("emulator failed on %s", path)
        internal = failures.Code("internal_error", "INTERNAL_ERROR", grpc.StatusCode.INTERNAL)
        _abort(context, RpcFault(internal, "Internal error encountered."), request_id, path.version)
    context.set_trailing_metadata(failures.trailing_metadata(None, request_id, path.version))
    return response


def _abort(context: Any, fault: RpcFault, request_id: str, version: str) -> NoReturn:
    context.set_trailing_metadata(failures.trailing_metadata(fault, request_id, version))
    context.abort(fault.status, fault.message)
    raise AssertionError("grpc's abort always raises")  # pragma: no cover
