"""Auth matrix: ?token=, JWT (HS256 / RS256), scopes, and public routes."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import falcon.testing
import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.app import parley_version
from gateway.auth import AUTH_HELP, AuthPolicy
from gateway.settings import ConfigError
from tests.gateway.conftest import ClientFactory
from tests.gateway.fake_engine import Failure, FakeEngine

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
NOT_AUTHENTICATED = {
    "version": parley_version(),
    "status": "failure",
    "message": "User is not authenticated.",
    "reason": "NotAuthenticated",
    "details": {},
    "help": AUTH_HELP,
    "code": 401,
}
NOT_AUTHORIZED = {
    **NOT_AUTHENTICATED,
    "message": "User has insufficient permissions.",
    "reason": "NotAuthorized",
    "code": 403,
}


def hs256(payload: dict[str, Any], secret: str = SECRET) -> str:
    return jwt.encode(payload, secret, algorithm="HS256")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user(name: str, role: str = "user", **claims: Any) -> dict[str, Any]:
    return {"user": {"username": name, "role": role}, **claims}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(payload: dict[str, Any], alg: str = "none") -> str:
    header = _b64(json.dumps({"alg": alg, "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(payload).encode())}."


def hmac_token(payload: dict[str, Any], key: bytes) -> str:
    # Built by hand: pyjwt itself refuses a PEM key as an HMAC secret.
    signing_input = f"{_b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


@pytest.fixture(scope="module")
def rsa_keys() -> tuple[str, str]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


@pytest.fixture
def token_client(make_client: ClientFactory) -> falcon.testing.TestClient:
    return make_client(auth_token="reftoken")


@pytest.fixture
def jwt_client(make_client: ClientFactory) -> falcon.testing.TestClient:
    return make_client(jwt_secret=SECRET)


# --- no auth configured -------------------------------------------------------


def test_without_configured_auth_everything_is_open(client: falcon.testing.TestClient) -> None:
    assert client.simulate_get("/status").status_code == 200
    assert client.simulate_get("/conversations/anyone/tracker").status_code == 200


# --- ?token= ------------------------------------------------------------------


def test_no_credentials_is_401(token_client: falcon.testing.TestClient) -> None:
    result = token_client.simulate_get("/status")
    assert result.status_code == 401
    assert result.json == NOT_AUTHENTICATED


def test_wrong_token_is_401(token_client: falcon.testing.TestClient) -> None:
    result = token_client.simulate_get("/status", params={"token": "wrongtoken"})
    assert result.status_code == 401
    assert result.json == NOT_AUTHENTICATED


def test_right_token_passes(token_client: falcon.testing.TestClient) -> None:
    assert token_client.simulate_get("/status", params={"token": "reftoken"}).status_code == 200
    result = token_client.simulate_get("/conversations/u1/tracker", params={"token": "reftoken"})
    assert result.status_code == 200


@pytest.mark.parametrize("header", ["Bearer reftoken", "Token reftoken", "reftoken"])
def test_token_in_a_header_is_ignored(token_client: falcon.testing.TestClient, header: str) -> None:
    result = token_client.simulate_get("/status", headers={"Authorization": header})
    assert result.status_code == 401


def test_bearer_jwt_is_ignored_when_only_a_token_is_configured(
    token_client: falcon.testing.TestClient,
) -> None:
    result = token_client.simulate_get("/status", headers=bearer(hs256(user("boss", "admin"))))
    assert result.status_code == 401


# --- JWT HS256 ----------------------------------------------------------------


def test_admin_jwt_reaches_everything(jwt_client: falcon.testing.TestClient) -> None:
    headers = bearer(hs256(user("boss", "admin")))
    assert jwt_client.simulate_get("/status", headers=headers).status_code == 200
    assert jwt_client.simulate_get("/conversations/alice/tracker", headers=headers).status_code == 200


def test_user_jwt_reaches_its_own_conversation(jwt_client: falcon.testing.TestClient) -> None:
    result = jwt_client.simulate_get("/conversations/alice/tracker", headers=bearer(hs256(user("alice"))))
    assert result.status_code == 200


def test_user_jwt_with_slash_in_its_name_reaches_its_conversation(
    jwt_client: falcon.testing.TestClient,
) -> None:
    result = jwt_client.simulate_get("/conversations/team/alice/tracker", headers=bearer(hs256(user("team/alice"))))
    assert result.status_code == 200


def test_user_jwt_on_another_conversation_is_403(jwt_client: falcon.testing.TestClient) -> None:
    result = jwt_client.simulate_get("/conversations/bob/tracker", headers=bearer(hs256(user("alice"))))
    assert result.status_code == 403
    assert result.json == NOT_AUTHORIZED


def test_user_jwt_on_a_route_without_conversation_is_403(jwt_client: falcon.testing.TestClient) -> None:
    result = jwt_client.simulate_get("/status", headers=bearer(hs256(user("alice"))))
    assert result.status_code == 403
    assert result.json == NOT_AUTHORIZED


@pytest.mark.parametrize("payload", [{"user": {"username": "alice", "role": "guest"}}, {"user": "alice"}, {}])
def test_jwt_without_a_known_role_is_403(jwt_client: falcon.testing.TestClient, payload: dict[str, Any]) -> None:
    result = jwt_client.simulate_get("/conversations/alice/tracker", headers=bearer(hs256(payload)))
    assert result.status_code == 403


def test_bad_signature_is_401(jwt_client: falcon.testing.TestClient) -> None:
    token = hs256(user("boss", "admin"), secret="another-secret-that-is-long-enough-too")
    result = jwt_client.simulate_get("/status", headers=bearer(token))
    assert result.status_code == 401
    assert result.json == NOT_AUTHENTICATED


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_unsigned_alg_none_token_is_401(jwt_client: falcon.testing.TestClient, alg: str) -> None:
    result = jwt_client.simulate_get("/status", headers=bearer(unsigned_token(user("boss", "admin"), alg)))
    assert result.status_code == 401


def test_expired_token_is_401(jwt_client: falcon.testing.TestClient) -> None:
    token = hs256(user("boss", "admin", exp=int(time.time()) - 3600))
    assert jwt_client.simulate_get("/status", headers=bearer(token)).status_code == 401


def test_token_not_valid_yet_is_401(jwt_client: falcon.testing.TestClient) -> None:
    token = hs256(user("boss", "admin", nbf=int(time.time()) + 3600))
    assert jwt_client.simulate_get("/status", headers=bearer(token)).status_code == 401


def test_unexpired_token_passes(jwt_client: falcon.testing.TestClient) -> None:
    token = hs256(user("boss", "admin", exp=int(time.time()) + 3600))
    assert jwt_client.simulate_get("/status", headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("header", ["Bearer not.a.jwt", "Bearer", "Basic Ym9zczpwdw==", ""])
def test_malformed_authorization_is_401(jwt_client: falcon.testing.TestClient, header: str) -> None:
    assert jwt_client.simulate_get("/status", headers={"Authorization": header}).status_code == 401


def test_token_param_is_ignored_when_only_jwt_is_configured(
    jwt_client: falcon.testing.TestClient,
) -> None:
    assert jwt_client.simulate_get("/status", params={"token": SECRET}).status_code == 401


def test_with_token_and_jwt_configured_either_works(make_client: ClientFactory) -> None:
    client = make_client(auth_token="reftoken", jwt_secret=SECRET)
    assert client.simulate_get("/status", params={"token": "reftoken"}).status_code == 200
    assert client.simulate_get("/status", headers=bearer(hs256(user("boss", "admin")))).status_code == 200
    assert client.simulate_get("/status", params={"token": "nope"}).status_code == 401


# --- JWT RS256 ----------------------------------------------------------------


def test_rs256_token_verified_with_the_public_key(
    make_client: ClientFactory, rsa_keys: tuple[str, str]
) -> None:
    private_pem, public_pem = rsa_keys
    client = make_client(jwt_secret=public_pem, jwt_method="RS256", jwt_private_key=private_pem)
    token = jwt.encode(user("myuser", "admin"), private_pem, algorithm="RS256")
    assert client.simulate_get("/conversations/testuser/tracker", headers=bearer(token)).status_code == 200


def test_public_key_with_escaped_newlines_is_accepted(
    make_client: ClientFactory, rsa_keys: tuple[str, str]
) -> None:
    private_pem, public_pem = rsa_keys
    client = make_client(jwt_secret=public_pem.replace("\n", "\\n"), jwt_method="RS256")
    token = jwt.encode(user("myuser", "admin"), private_pem, algorithm="RS256")
    assert client.simulate_get("/status", headers=bearer(token)).status_code == 200


def test_hs256_token_against_rs256_server_is_401(
    make_client: ClientFactory, rsa_keys: tuple[str, str]
) -> None:
    # Algorithm confusion: an HMAC signed with the (public) verification key.
    _, public_pem = rsa_keys
    client = make_client(jwt_secret=public_pem, jwt_method="RS256")
    token = hmac_token(user("boss", "admin"), public_pem.encode())
    assert client.simulate_get("/status", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("secret", "method"),
    [("s", "none"), ("s", "XX256"), ("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----\n", "HS256"),
     ("not a pem key", "RS256")],
)
def test_unusable_jwt_configuration_is_a_config_error(secret: str, method: str) -> None:
    with pytest.raises(ConfigError):
        AuthPolicy(None, secret, method)


# --- order and public routes --------------------------------------------------


def test_auth_comes_before_the_engine(token_client: falcon.testing.TestClient, fake: FakeEngine) -> None:
    fake.failures["GetStatus"] = Failure(grpc.StatusCode.FAILED_PRECONDITION, "no model", reason="Conflict")
    assert token_client.simulate_get("/status").status_code == 401
    assert not fake.requests
    assert token_client.simulate_get("/status", params={"token": "reftoken"}).status_code == 409


def test_root_version_and_webhooks_are_public(make_client: ClientFactory) -> None:
    client = make_client(auth_token="reftoken", jwt_secret=SECRET)
    assert client.simulate_get("/").status_code == 200
    assert client.simulate_get("/version").status_code == 200
    assert client.simulate_get("/webhooks/rest/").status_code == 200
    result = client.simulate_post("/webhooks/rest/webhook", json={"sender": "u", "message": "hi"})
    assert result.status_code == 200


# --- Rasa's own tokens and answers (../shared) -----------------------------------


def _reference(name: str) -> dict[str, Any]:
    from tests.conftest import shared_path

    return json.loads(shared_path("notes", "rasa-ref-responses", name).read_text())


def _same_error(ours: dict[str, Any], rasa: dict[str, Any]) -> None:
    assert {k: v for k, v in ours.items() if k != "version"} == {
        k: v for k, v in rasa.items() if k != "version"
    }


@pytest.mark.shared
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # Rasa's short "refsecret"
@pytest.mark.parametrize(
    ("name", "path", "token"),
    [
        ("jwt_01_admin_status.json", "/status", "admin"),
        ("jwt_02_admin_tracker_alice.json", "/conversations/alice/tracker", "admin"),
        ("jwt_04_user_own_tracker.json", "/conversations/alice/tracker", "user_alice"),
        ("jwt_05_user_other_tracker_403.json", "/conversations/bob/tracker", "user_alice"),
        ("jwt_06_user_status_403.json", "/status", "user_alice"),
        ("jwt_07_bad_signature_401.json", "/conversations/alice/tracker", "bad_signature"),
    ],
)
def test_rasa_reference_jwts_get_rasas_answers(
    make_client: ClientFactory, name: str, path: str, token: str
) -> None:
    tokens = _reference("jwt_tokens_used.json")
    client = make_client(jwt_secret=tokens["secret"], jwt_method=tokens["algorithm"])
    rasa = _reference(name)["response"]
    result = client.simulate_get(path, headers=bearer(tokens[token]))
    assert result.status_code == rasa["status"]
    if rasa["status"] >= 400:
        _same_error(result.json, rasa["body_json"])


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "params"),
    [("tok_22_err_no_token_status.json", {}), ("tok_23_err_wrong_token_status.json", {"token": "wrongtoken"})],
)
def test_token_errors_match_rasa(make_client: ClientFactory, name: str, params: dict[str, str]) -> None:
    rasa = _reference(name)["response"]
    result = make_client(auth_token="reftoken").simulate_get("/status", params=params)
    assert result.status_code == rasa["status"]
    _same_error(result.json, rasa["body_json"])
