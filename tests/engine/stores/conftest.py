"""Backend tests reuse the contract suites' service probes (real services, no mocks)."""
from __future__ import annotations

from tests.contracts.conftest import (  # noqa: F401 - fixtures re-exported for pytest
    amqp_url,
    postgres_url,
    redis_client,
    redis_url,
    run_id,
)
