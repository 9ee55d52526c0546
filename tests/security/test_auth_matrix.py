"""Rasa's auth rules, case by case, against real servers (engine + gunicorn gateway).

The HS256 server is the session's ``secured`` one (``--auth-token`` and
``--jwt-secret``); an RS256 server (``--jwt-method RS256`` with a public key)
covers algorithm confusion. Each row: credentials, request, expected
status; "pass" means the request got past auth (any status but 401/403).
Afterwards no secret sent in any row appears in the access log.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any, Iterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.harness import RunningParley, start_parley
from tests.security.conftest import AUTH_TOKEN, JWT_SECRET, SecuredServer

pytestmark = pytest.mark.integration

PASS = "pass"
CONVERSATION = "alice"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(payload: dict[str, Any]) -> str:
    """A JWT with ``alg: none`` and no signature."""
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}."


def hs256_with_key(payload: dict[str, Any], key: bytes) -> str:
    """An HS256 JWT whose HMAC key is ``key`` (PyJWT refuses PEM keys as HMAC secrets)."""
    signing = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing.encode(), hashlib.sha256).digest()
    return f"{signing}.{_b64(signature)}"


def hs(payload: dict[str, Any], secret: str = JWT_SECRET) -> str:
    """An HS256 JWT."""
    return jwt.encode(payload, secret, algorithm="HS256")


def user(name: str = CONVERSATION, role: str = "user", **claims: Any) -> dict[str, Any]:
    """A JWT payload with ``user.username`` and ``user.role``."""
    return {"user": {"username": name, "role": role}, **claims}


NOW = int(time.time())
ADMIN = user("root", "admin")

# (case, method, path, token query value, Authorization header, expected)
HS_MATRIX: list[tuple[str, str, str, str | None, str | None, int | str]] = [
    ("no credentials", "GET", "/status", None, None, 401),
    ("token as ?token=", "GET", "/status", AUTH_TOKEN, None, PASS),
    ("wrong token", "GET", "/status", "nope", None, 401),
    ("empty token", "GET", "/status", "", None, 401),
    ("token as Bearer header", "GET", "/status", None, f"Bearer {AUTH_TOKEN}", 401),
    ("token as Token header", "GET", "/status", None, f"Token {AUTH_TOKEN}", 401),
    ("token as bare header", "GET", "/status", None, AUTH_TOKEN, 401),
    ("JWT as ?token=", "GET", "/status", hs(ADMIN), None, 401),
    ("admin JWT", "GET", "/status", None, f"Bearer {hs(ADMIN)}", PASS),
    ("JWT without Bearer", "GET", "/status", None, hs(ADMIN), 401),
    ("alg none", "GET", "/status", None, f"Bearer {unsigned(ADMIN)}", 401),
    ("alg none, user on own conversation", "GET", f"/conversations/{CONVERSATION}/tracker", None,
     f"Bearer {unsigned(user())}", 401),
    ("wrong secret", "GET", "/status", None, f"Bearer {hs(ADMIN, 'another-secret-long-enough-for-hs256-x')}", 401),
    ("expired exp", "GET", "/status", None, f"Bearer {hs({**ADMIN, 'exp': NOW - 3600})}", 401),
    ("nbf in the future", "GET", "/status", None, f"Bearer {hs({**ADMIN, 'nbf': NOW + 3600})}", 401),
    ("exp in the future", "GET", "/status", None, f"Bearer {hs({**ADMIN, 'exp': NOW + 3600})}", PASS),
    ("missing user", "GET", "/status", None, f"Bearer {hs({'sub': 'root'})}", 403),
    ("user not an object", "GET", "/status", None, f"Bearer {hs({'user': 'root'})}", 403),
    ("wrong role", "GET", "/status", None, f"Bearer {hs(user('root', 'superuser'))}", 403),
    ("user on own conversation", "GET", f"/conversations/{CONVERSATION}/tracker", None,
     f"Bearer {hs(user())}", PASS),
    ("user on another conversation", "GET", "/conversations/bob/tracker", None, f"Bearer {hs(user())}", 403),
    ("user on a conversation that extends theirs", "GET", f"/conversations/{CONVERSATION}x/tracker", None,
     f"Bearer {hs(user())}", 403),
    ("user without username", "GET", f"/conversations/{CONVERSATION}/tracker", None,
     f"Bearer {hs({'user': {'role': 'user'}})}", 403),
    ("user appending to another conversation", "POST", "/conversations/bob/tracker/events", None,
     f"Bearer {hs(user())}", 403),
    ("user on /status", "GET", "/status", None, f"Bearer {hs(user())}", 403),
    ("user on /domain", "GET", "/domain", None, f"Bearer {hs(user())}", 403),
    ("user on /model/parse", "POST", "/model/parse", None, f"Bearer {hs(user())}", 403),
    ("user on PUT /model", "PUT", "/model", None, f"Bearer {hs(user())}", 403),
    ("user on DELETE /model", "DELETE", "/model", None, f"Bearer {hs(user())}", 403),
    ("user on /model/train", "POST", "/model/train", None, f"Bearer {hs(user())}", 403),
    ("user on /model/test/intents", "POST", "/model/test/intents", None, f"Bearer {hs(user())}", 403),
    ("no credentials on DELETE /model", "DELETE", "/model", None, None, 401),
    ("no credentials on /model/train", "POST", "/model/train", None, None, 401),
    ("public root", "GET", "/", None, None, PASS),
    ("public rest webhook", "POST", "/webhooks/rest/webhook", None, None, PASS),
]


def check(base_url: str, method: str, path: str, token: str | None, header: str | None,
          expected: int | str, case: str) -> None:
    """Send one request and compare its status (and error JSON) with ``expected``."""
    params = {"token": token} if token is not None else {}
    headers = {"Authorization": header} if header is not None else {}
    body = {"text": "hi", "sender": "user"} if method in ("POST", "PUT") else None
    with httpx.Client(base_url=base_url, timeout=60) as client:
        reply = client.request(method, path, params=params, headers=headers, json=body)
    if expected == PASS:
        assert reply.status_code not in (401, 403), (case, reply.status_code, reply.text)
        return
    assert reply.status_code == expected, (case, reply.status_code, reply.text)
    error = reply.json()
    assert error["status"] == "failure" and error["code"] == expected
    assert error["reason"] == {401: "NotAuthenticated", 403: "NotAuthorized"}[expected]


@pytest.mark.parametrize(("case", "method", "path", "token", "header", "expected"), HS_MATRIX,
                         ids=[row[0] for row in HS_MATRIX])
def test_hs256_server(secured: SecuredServer, case: str, method: str, path: str, token: str | None,
                      header: str | None, expected: int | str) -> None:
    check(secured.base_url, method, path, token, header, expected, case)


def test_no_secret_reaches_the_access_log(secured: SecuredServer) -> None:
    for case, method, path, token, header, expected in HS_MATRIX:
        check(secured.base_url, method, path, token, header, expected, case)
    log = secured.log()
    assert "token=***" in log  # the access log is on, and masks the parameter
    assert AUTH_TOKEN not in log and JWT_SECRET not in log
    for _, _, _, token, header, _ in HS_MATRIX:
        for secret in (token, header):
            if secret and len(secret) > 8:
                assert secret not in log and secret.split(" ")[-1] not in log


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[bytes, bytes]:
    """A fresh RSA key pair (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return private, public


@pytest.fixture(scope="module")
def rs256_server(secured: SecuredServer, rsa_keys: tuple[bytes, bytes],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningParley]:
    """A server verifying RS256 JWTs with the public key (no auth token)."""
    work = tmp_path_factory.mktemp("rs256")
    running = start_parley(
        ["-m", str(secured.models_dir), "--enable-api", "--jwt-method", "RS256",
         "--jwt-secret", rsa_keys[1].decode()],
        cwd=work, log_path=work / "parley.log",
    )
    yield running
    running.stop()


def test_rs256_server_refuses_algorithm_confusion_and_alg_none(
    rs256_server: RunningParley, rsa_keys: tuple[bytes, bytes]
) -> None:
    private, public = rsa_keys
    url = rs256_server.base_url
    check(url, "GET", "/status", None, f"Bearer {jwt.encode(ADMIN, private, algorithm='RS256')}", PASS, "RS256")
    check(url, "GET", "/status", None, f"Bearer {hs256_with_key(ADMIN, public)}", 401,
          "HS256 signed with the RS256 public key")
    check(url, "GET", "/status", None, f"Bearer {hs(ADMIN)}", 401, "HS256 with some secret")
    check(url, "GET", "/status", None, f"Bearer {unsigned(ADMIN)}", 401, "alg none")
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    check(url, "GET", "/status", None, f"Bearer {jwt.encode(ADMIN, other, algorithm='RS256')}", 401,
          "RS256 signed by another key")
    check(url, "GET", "/status", None, None, 401, "no credentials")
    check(url, "GET", "/status", "anything", None, 401, "a token when none is configured")
