"""Who may call the engine: loopback by default, a shared secret, TLS; every gateway call has a deadline.

Real engine processes (``python -m engine``) on loopback ports, real
gunicorn gateways in front of them; the TLS certificate is made here.
"""
from __future__ import annotations

import asyncio
import datetime
import ipaddress
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import grpc
import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.harness import free_port, wait_http
from engine.cli.gateway_cmd import gunicorn_argv
from engine.interceptors import SECRET_METADATA_KEY
from engine.settings import EngineSettings
from gateway import engine_client
from gateway.engine_client import EngineClient
from protos import engine_pb2, engine_pb2_grpc
from tests.integration.cluster import Proc, _env, _spawn
from tests.security.conftest import SecuredServer

pytestmark = pytest.mark.integration

SECRET = "engine-shared-secret-7d1f"


def test_the_engine_and_its_metrics_bind_loopback_by_default() -> None:
    settings = EngineSettings.from_sources(environ={"PARLEY_METRICS_PORT": "9100"})
    assert settings.address == "127.0.0.1:50051"
    assert settings.metrics_address == ("127.0.0.1", 9100)
    assert settings.secret is None and settings.tls_cert is None


def test_both_sides_use_the_same_metadata_key() -> None:
    assert engine_client.SECRET_METADATA_KEY == SECRET_METADATA_KEY


def test_every_gateway_call_carries_a_deadline_and_the_secret() -> None:
    seen: list[tuple[str, Any, Any]] = []

    class Stub:
        def __getattr__(self, rpc: str) -> Any:
            def method(request: Any, *, timeout: Any = None, metadata: Any = None) -> Any:
                seen.append((rpc, timeout, metadata))
                future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
                future.set_result(None)
                return future
            return method

    client = EngineClient("127.0.0.1:1", 7.0, secret="s")
    client._engine = lambda: Stub()  # type: ignore[method-assign]

    async def calls() -> None:
        await client.get_version()
        await client.get_status()
        await client.parse(engine_pb2.ParseRequest())
        await client.handle_message(engine_pb2.HandleMessageRequest())
        await client.get_tracker(engine_pb2.GetTrackerRequest())
        await client.call("AppendEvents", engine_pb2.AppendEventsRequest())
        await client.call("EvaluateIntents", engine_pb2.EvaluateIntentsRequest(), timeout=3600)
        await client.stream("Train", engine_pb2.TrainRequest(), timeout=3600)
        await client.stream("SubscribeMessages", engine_pb2.SubscribeMessagesRequest())

    asyncio.run(calls())
    assert len(seen) == 9
    for rpc, timeout, metadata in seen:
        assert isinstance(timeout, (int, float)) and timeout > 0, rpc
        assert metadata == ((SECRET_METADATA_KEY, "s"),), rpc


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "parley-engine-test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "engine.crt", directory / "engine.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def wait_healthy(channel: grpc.Channel, proc: Proc, timeout: float = 90.0) -> None:
    """Wait until the engine's (open) health check answers SERVING."""
    stub = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.alive(), proc.log()
        try:
            if stub.Check(health_pb2.HealthCheckRequest(), timeout=1).status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            time.sleep(0.1)
    raise AssertionError(f"the engine did not start:\n{proc.log()}")


class Deployment:
    """One engine process and gunicorn gateways in front of it, all stopped at the end."""

    def __init__(self, workdir: Path, models: Path) -> None:
        self.workdir, self.models = workdir, models
        self.procs: list[Proc] = []
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"

    def engine(self, env: dict[str, str]) -> Proc:
        argv = [sys.executable, "-m", "engine", "--address", self.address, "-m", str(self.models)]
        proc = _spawn("engine", argv, self.workdir / "engine.log", _env(env))
        self.procs.append(proc)
        return proc

    def gateway(self, env: dict[str, str]) -> str:
        port = free_port()
        proc = _spawn("gateway", gunicorn_argv(), self.workdir / f"gateway-{port}.log", _env({
            "ENGINE_ADDRESS": self.address, "PARLEY_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1",
            "PARLEY_ENABLE_API": "true", "PARLEY_ENGINE_TIMEOUT": "20", **env,
        }))
        self.procs.append(proc)
        url = f"http://127.0.0.1:{port}"
        wait_http(url + "/", proc.process, 60)
        return url

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()


@pytest.fixture
def deployment(secured: SecuredServer, tmp_path: Path) -> Iterator[Deployment]:
    deployed = Deployment(tmp_path, secured.archive)
    yield deployed
    deployed.stop()


def test_with_a_secret_only_callers_that_send_it_get_answers(deployment: Deployment) -> None:
    proc = deployment.engine({"PARLEY_ENGINE_SECRET": SECRET})
    with grpc.insecure_channel(deployment.address) as channel:
        wait_healthy(channel, proc)  # the health check needs no secret
        stub = engine_pb2_grpc.EngineStub(channel)
        for metadata in (None, ((SECRET_METADATA_KEY, "wrong"),), (("other-key", SECRET),)):
            with pytest.raises(grpc.RpcError) as caught:
                stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5, metadata=metadata)
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(grpc.RpcError) as caught:  # streaming RPCs too
                list(stub.Train(engine_pb2.TrainRequest(payload=b"x"), timeout=5, metadata=metadata))
            assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
        ok = stub.GetStatus(engine_pb2.GetStatusRequest(), timeout=5, metadata=((SECRET_METADATA_KEY, SECRET),))
        assert ok.model_id
    good = deployment.gateway({"PARLEY_ENGINE_SECRET": SECRET})
    assert httpx.get(good + "/status", timeout=30).status_code == 200
    bad = deployment.gateway({"PARLEY_ENGINE_SECRET": "not-it"})
    refused = httpx.get(bad + "/status", timeout=30)
    assert refused.status_code == 401 and "PARLEY_ENGINE_SECRET" in refused.json()["message"]


def test_over_tls_the_gateway_needs_the_ca(deployment: Deployment) -> None:
    cert, key = self_signed(deployment.workdir)
    proc = deployment.engine({"PARLEY_ENGINE_TLS_CERT": str(cert), "PARLEY_ENGINE_TLS_KEY": str(key)})
    credentials = grpc.ssl_channel_credentials(cert.read_bytes())
    with grpc.secure_channel(deployment.address, credentials) as channel:
        wait_healthy(channel, proc)
        status = engine_pb2_grpc.EngineStub(channel).GetStatus(engine_pb2.GetStatusRequest(), timeout=5)
        assert status.model_id
    with grpc.insecure_channel(deployment.address) as plain:  # plaintext to a TLS port fails
        with pytest.raises(grpc.RpcError):
            engine_pb2_grpc.EngineStub(plain).GetStatus(engine_pb2.GetStatusRequest(), timeout=3)
    url = deployment.gateway({"PARLEY_ENGINE_TLS_CA": str(cert)})
    assert httpx.get(url + "/status", timeout=30).status_code == 200
    plain_gateway = deployment.gateway({})
    assert httpx.get(plain_gateway + "/status", timeout=30).status_code == 503
