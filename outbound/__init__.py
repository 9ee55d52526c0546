"""Outbound-URL guard shared by the gateway and the engine (SSRF protection).

Every request Parley makes to a URL that a user or endpoints.yml names
(``callback_url``, the model server, the action server, the NLG server)
goes through :class:`OutboundPolicy`: the host is resolved, and every
address it resolves to must be allowed. Neither the gateway nor the engine
owns this package, so both may import it (the gateway never imports
``engine``).
"""
from outbound.policy import (
    ALLOW_ENV,
    OutboundPolicy,
    OutboundRefused,
)

__all__ = ["ALLOW_ENV", "OutboundPolicy", "OutboundRefused"]
