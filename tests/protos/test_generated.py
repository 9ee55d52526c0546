"""The committed gRPC stubs match protos/engine.proto."""
from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def test_committed_stubs_do_not_drift() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "protos" / "generate.py"), "--check"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr


def test_error_detail_round_trips() -> None:
    from protos import engine_pb2

    detail = engine_pb2.ErrorDetail(reason="NotFound", message="nope", details_json=b'{"a":1}')
    again = engine_pb2.ErrorDetail.FromString(detail.SerializeToString())
    assert (again.reason, again.message, again.details_json) == ("NotFound", "nope", b'{"a":1}')


def test_tracker_request_distinguishes_unset_until() -> None:
    from protos import engine_pb2

    assert not engine_pb2.GetTrackerRequest(conversation_id="x").HasField("until")
    assert engine_pb2.GetTrackerRequest(conversation_id="x", until=0.0).HasField("until")
