"""``parley run``: start the engine and the gateway as two supervised processes.

The engine starts first (it loads the model); the gateway starts once the
engine answers its health check. If either process dies, the other is
stopped and the command exits with a clear message.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import IO

from engine.cli.engine_cmd import default_endpoints
from engine.cli.gateway_cmd import gunicorn_argv
from engine.cli.main import DEFAULT_CREDENTIALS_PATH

ENGINE_START_TIMEOUT = 120.0


def gateway_environment(args: argparse.Namespace, engine_address: str) -> dict[str, str]:
    """Return the gateway's environment for the given ``run`` flags."""
    env = dict(os.environ)
    env["ENGINE_ADDRESS"] = engine_address
    env["PARLEY_BIND"] = f"{args.interface}:{args.port}"
    env["PARLEY_ENABLE_API"] = "true" if args.enable_api else "false"
    if getattr(args, "enable_chat", False):
        env["PARLEY_ENABLE_CHAT"] = "true"
    for flag, name in (
        ("auth_token", "AUTH_TOKEN"),
        ("jwt_secret", "JWT_SECRET"),
        ("jwt_private_key", "JWT_PRIVATE_KEY"),
    ):
        value = getattr(args, flag)
        if value:
            env[name] = value
    env["JWT_METHOD"] = args.jwt_method
    if args.cors is not None:
        env["PARLEY_CORS"] = ",".join(args.cors) if args.cors else "*"
    credentials = args.credentials or (DEFAULT_CREDENTIALS_PATH if os.path.isfile(DEFAULT_CREDENTIALS_PATH) else None)
    if credentials:
        env["PARLEY_CREDENTIALS"] = str(Path(credentials).resolve())
    if args.workers:
        env["WEB_CONCURRENCY"] = str(args.workers)
    env["PARLEY_ENGINE_TIMEOUT"] = str(args.response_timeout)
    if getattr(args, "outbound_allow", None):
        env["PARLEY_OUTBOUND_ALLOW"] = ",".join(args.outbound_allow)
    for name in _NETWORK_TLS:  # the engine is on a private unix socket: no TLS there
        env.pop(name, None)
    return env


# TLS settings for an engine reached over a network; `parley run` uses a unix socket.
_NETWORK_TLS = ("PARLEY_ENGINE_TLS_CERT", "PARLEY_ENGINE_TLS_KEY", "PARLEY_ENGINE_TLS_CA")


def wait_for_engine(address: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until the engine's health check answers SERVING (or it dies)."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    deadline = time.monotonic() + timeout
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return True
            except grpc.RpcError:
                time.sleep(0.05)
    return False


def wait_for_port(host: str, port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait until something accepts TCP connections on host:port (or ``process`` dies)."""
    import socket

    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection((target, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes], name: str, grace: float = 15.0) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop in {grace:.0f} s; killing it", file=sys.stderr)
        process.kill()
        process.wait()


def run(args: argparse.Namespace) -> int:
    """Run engine + gateway until interrupted or until one of them dies."""
    log: IO[bytes] | None = open(args.log_file, "ab") if args.log_file else None
    with tempfile.TemporaryDirectory(prefix="parley-run-") as tmp:
        address = f"unix:{tmp}/engine.sock"
        engine_argv = [sys.executable, "-m", "engine", "--address", address, "-m", args.model]
        endpoints = default_endpoints(args.endpoints)
        if endpoints:
            engine_argv += ["--endpoints", endpoints]
        for allowed in getattr(args, "outbound_allow", None) or ():
            engine_argv += ["--outbound-allow", allowed]
        if args.loglevel:
            engine_argv += {10: ["--debug"], 20: ["--verbose"], 30: ["--quiet"]}.get(args.loglevel, [])
        engine_env = {k: v for k, v in os.environ.items() if k not in _NETWORK_TLS}
        engine = subprocess.Popen(engine_argv, stdout=log, stderr=log, env=engine_env)
        if not wait_for_engine(address, engine, ENGINE_START_TIMEOUT):
            _stop(engine, "engine")
            print("error: the engine did not start (see its log above).", file=sys.stderr)
            return 1
        gateway = subprocess.Popen(gunicorn_argv(), env=gateway_environment(args, address), stdout=log, stderr=log)
        if not wait_for_port(args.interface, args.port, gateway, ENGINE_START_TIMEOUT):
            _stop(gateway, "gateway")
            _stop(engine, "engine")
            print(f"error: the gateway did not start on {args.interface}:{args.port}.", file=sys.stderr)
            return 1
        print(f"Parley server is up on http://{args.interface}:{args.port} (Ctrl+C to stop)", flush=True)
        stopping = False

        def on_signal(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        exit_code = 0
        try:
            while not stopping:
                for process, name in ((engine, "engine"), (gateway, "gateway")):
                    code = process.poll()
                    if code is not None:
                        print(f"error: the {name} process exited with code {code}; stopping Parley.",
                              file=sys.stderr, flush=True)
                        stopping = True
                        exit_code = 1
                time.sleep(0.2)
        finally:
            _stop(gateway, "gateway")
            _stop(engine, "engine")
            if log:
                log.close()
    return exit_code
