"""Performance regression guard: ratios measured in one run, never absolute times.

The issue's one timing-based check. It serves the moodbot with real
processes and compares, in the same run on the same machine:

- the REST webhook median on a 2,000-event conversation with the median of
  a new conversation's first turn: a turn must not re-read or re-featurize
  the whole history (target 1.5x, bound 2.5x here);
- the webhook median of a new conversation with the ``/model/parse``
  median: a full turn must stay a small multiple of a parse (bound 6x;
  about 1.6x when measured).

The bounds are loose so a busy 2-core CI machine does not make the test
flaky; the ratios are printed (``pytest -s``) for a look at the trend.
"""
from __future__ import annotations

import statistics

import pytest

from bench.long_conversation import seed_conversation
from bench.sequential import PARSE, WEBHOOK, Client, parse_body, webhook_body
from bench.servers import parley_server, train_parley
from tests.conftest import shared_path

pytestmark = [pytest.mark.integration, pytest.mark.shared]

LONG_BOUND = 2.5
WEBHOOK_PER_PARSE_BOUND = 6.0
REQUESTS = 60


@pytest.fixture(scope="module")
def moodbot_server(tmp_path_factory: pytest.TempPathFactory):
    """Train the moodbot and serve it with ``parley run``."""
    bot = shared_path("data", "bots", "moodbot")
    work = tmp_path_factory.mktemp("perf-guard")
    train_parley(bot, work / "models")
    with parley_server(work / "models", work) as server:
        yield server


def _interleaved_medians(client: Client, calls: list, requests: int) -> list[float]:
    """Time ``requests`` rounds of every call, taking turns so load hits each alike."""
    for call in calls:  # warm-up, untimed (negative numbers: other senders than the timed ones)
        for i in range(1, 6):
            call(-i)
    samples: list[list[float]] = [[] for _ in calls]
    for i in range(requests):
        for timings, call in zip(samples, calls):
            timings.append(call(i))
    return [statistics.median(timings) for timings in samples]


def test_long_conversation_and_webhook_stay_within_ratio_bounds(moodbot_server, capsys) -> None:
    with Client(moodbot_server.base_url) as client:
        seed_conversation(client, "guard-long", 2000)
        long_ms, new_ms, parse_ms = _interleaved_medians(
            client,
            [
                lambda i: client.timed_post(WEBHOOK, webhook_body("guard-long", i)),
                lambda i: client.timed_post(WEBHOOK, webhook_body(f"guard-new-{i}", 0)),
                lambda i: client.timed_post(PARSE, parse_body(i)),
            ],
            REQUESTS,
        )
    long_ratio, webhook_ratio = long_ms / new_ms, new_ms / parse_ms
    with capsys.disabled():
        print(f"\nperf guard: webhook 2,000-event / new conversation = {long_ms:.2f} / {new_ms:.2f} ms "
              f"= {long_ratio:.2f}x (bound {LONG_BOUND}x); webhook / parse = {new_ms:.2f} / "
              f"{parse_ms:.2f} ms = {webhook_ratio:.2f}x (bound {WEBHOOK_PER_PARSE_BOUND}x)")
    assert long_ratio <= LONG_BOUND, "a turn's cost grows with the conversation's length again"
    assert webhook_ratio <= WEBHOOK_PER_PARSE_BOUND, "a webhook turn costs far more than a parse"
