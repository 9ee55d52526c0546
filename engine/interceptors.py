"""gRPC server interceptors of the engine: metrics of every call.

The interceptor wraps each method's behaviour, so it sees the final status
code even when the servicer aborts (``context.abort`` raises after setting
the code).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterator

import grpc

from engine.metrics import EngineMetrics


class MetricsInterceptor(grpc.ServerInterceptor):
    """Counts and times every RPC, and tracks the calls in flight.

    Args:
        metrics: Where to record.
    """

    def __init__(self, metrics: EngineMetrics) -> None:
        self.metrics = metrics

    def intercept_service(
        self, continuation: Callable[[Any], Any], handler_call_details: Any
    ) -> Any:
        """Return the method handler with its behaviour wrapped."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method.rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._unary(method, handler.unary_unary))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=self._streaming(method, handler.unary_stream))
        return handler

    def _unary(self, method: str, behavior: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        metrics = self.metrics

        def wrapper(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            metrics.in_flight.inc()
            failed = True
            try:
                reply = behavior(request, context)
                failed = False
                return reply
            finally:
                metrics.in_flight.dec()
                metrics.rpc_done(method, _code(context, failed), time.perf_counter() - started)

        return wrapper

    def _streaming(self, method: str, behavior: Callable[[Any, Any], Iterator[Any]]) -> Callable[[Any, Any], Iterator[Any]]:
        metrics = self.metrics

        def wrapper(request: Any, context: Any) -> Iterator[Any]:
            started = time.perf_counter()
            metrics.in_flight.inc()
            failed = True
            try:
                yield from behavior(request, context)
                failed = False
            finally:
                metrics.in_flight.dec()
                metrics.rpc_done(method, _code(context, failed), time.perf_counter() - started)

        return wrapper


def _code(context: Any, failed: bool) -> str:
    try:
        code = context.code()
    except Exception:  # a context without code() (older grpcio, test doubles)
        code = None
    if code is None:
        return "UNKNOWN" if failed else "OK"
    return str(getattr(code, "name", code))
