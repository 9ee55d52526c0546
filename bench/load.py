"""Concurrent HTTP load: wrk with a Lua script, or a bounded Python client without wrk.

Both send POSTs with a JSON body on loopback; ``{n}`` in the body template
is replaced by a number unique to the request, so each webhook request can
come from a new sender.
"""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.stats import percentile

# wrk's Lua: every request gets a distinct number; done() prints one JSON line.
_LUA = r"""
local template = %(template)s
local path = %(path)s
local counter = 0
local thread_number = 0
local threads = {}

function setup(thread)
  thread:set("tid", thread_number)
  thread_number = thread_number + 1
  table.insert(threads, thread)
end

function request()
  counter = counter + 1
  local body = string.gsub(template, "{n}", tostring(tid) .. "-" .. tostring(counter))
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %%d, "seconds": %%f, "errors": %%d, "p50_us": %%d, "p99_us": %%d}\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass
class LoadResult:
    """One load run: throughput and latency under load."""

    requests_per_second: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def run_wrk(url: str, path: str, body_template: str, *, threads: int, connections: int,
            seconds: float) -> LoadResult:
    """Run wrk once against ``url + path`` and return its figures."""
    with tempfile.TemporaryDirectory(prefix="parley-wrk-") as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(_LUA % {"template": _lua_string(body_template), "path": _lua_string(path)})
        out = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "10s",
             "-s", str(script), url + path],
            check=True, capture_output=True, text=True,
        ).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    data = json.loads(line[len("WRKJSON "):])
    return LoadResult(data["requests"] / data["seconds"], data["requests"], data["p50_us"] / 1000,
                      data["p99_us"] / 1000, data["errors"], "wrk")


async def _python_load(url: str, path: str, body_template: str, connections: int,
                       seconds: float) -> LoadResult:
    import httpx

    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal errors, counter
        while time.perf_counter() < deadline:
            counter += 1
            body = body_template.replace("{n}", str(counter))
            started = time.perf_counter()
            reply = await client.post(path, content=body, headers={"Content-Type": "application/json"})
            latencies.append((time.perf_counter() - started) * 1000)
            errors += reply.status_code >= 400

    limits = httpx.Limits(max_connections=connections)
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=10) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    elapsed = time.perf_counter() - started
    return LoadResult(len(latencies) / elapsed, len(latencies), percentile(latencies, 50), percentile(latencies, 99),
                      errors, "python")


def run_load(url: str, path: str, body_template: str, *, threads: int = 2, connections: int = 16,
             seconds: float = 5.0) -> LoadResult:
    """Load ``url + path`` for ``seconds``: wrk when installed, else a Python client.

    The Python client is much heavier than wrk on the same cores, so its
    throughput understates the server's; the result names the tool used.
    """
    if shutil.which("wrk"):
        return run_wrk(url, path, body_template, threads=threads, connections=connections, seconds=seconds)
    return asyncio.run(_python_load(url, path, body_template, connections, seconds))
