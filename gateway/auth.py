"""Authentication and authorization of protected routes (Rasa's rules).

A request to a protected route passes when:

1. ``?token=`` equals the configured auth token (no header form), or
2. ``Authorization: Bearer <jwt>`` verifies with the configured secret (or
   public key) and ONLY the configured algorithm, and the payload's
   ``user.role`` is ``admin``, or is ``user`` with ``user.username`` equal to
   the route's conversation id, or
3. neither a token nor a JWT secret is configured.

A valid JWT without the needed scope gives 403; anything else gives 401.
Resources marked ``public = True`` (root, version, channel webhooks) and
CORS preflight (``OPTIONS``) requests are not checked.
"""
from __future__ import annotations

import hmac
import logging
from typing import Any

import falcon.asgi

from gateway.errors import ApiError
from gateway.settings import ConfigError

logger = logging.getLogger(__name__)

AUTH_HELP = "https://rasa.com/docs/rasa/user-guide/configuring-http-api/#security-considerations"

# sanic-jwt (which Rasa uses) tolerates this much clock skew on exp/nbf.
JWT_LEEWAY_SECONDS = 60


def not_authenticated() -> ApiError:
    """Build Rasa's 401 error."""
    return ApiError(401, "NotAuthenticated", "User is not authenticated.", help=AUTH_HELP)


def not_authorized() -> ApiError:
    """Build Rasa's 403 error."""
    return ApiError(403, "NotAuthorized", "User has insufficient permissions.", help=AUTH_HELP)


class AuthPolicy:
    """Decide whether a request may use a protected route.

    Args:
        token: Secret accepted as ``?token=``; ``None`` disables token auth.
        jwt_secret: Shared secret, or the public key for asymmetric methods;
            ``None`` disables JWT auth.
        jwt_method: The single accepted JWT algorithm.

    Raises:
        ConfigError: The JWT method is unknown or the key does not suit it.
    """

    def __init__(
        self, token: str | None, jwt_secret: str | None, jwt_method: str = "HS256"
    ) -> None:
        self._token = token.encode() if token else None
        self._jwt_method = jwt_method
        self._jwt_key: Any = _prepare_key(jwt_secret, jwt_method) if jwt_secret else None

    @property
    def enabled(self) -> bool:
        """Whether any credentials are configured."""
        return self._token is not None or self._jwt_key is not None

    def check(
        self, token: str | None, authorization: str | None, conversation_id: str | None
    ) -> None:
        """Raise unless the credentials allow the route.

        Args:
            token: The ``token`` query parameter.
            authorization: The ``Authorization`` header.
            conversation_id: The route's conversation id, if it has one.

        Raises:
            ApiError: 401 without valid credentials, 403 without the scope.
        """
        if not self.enabled:
            return
        if self._token is not None and token is not None:
            if hmac.compare_digest(token.encode(), self._token):
                return
        if self._jwt_key is not None and authorization:
            payload = self._decode(authorization)
            if payload is not None:
                if _allowed(payload, conversation_id):
                    return
                raise not_authorized()
        raise not_authenticated()

    def _decode(self, authorization: str) -> dict[str, Any] | None:
        scheme, _, credentials = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            return None
        import jwt  # imported only where JWTs are in use: it loads cryptography (~9 MB per worker)

        try:
            payload = jwt.decode(
                credentials.strip(),
                self._jwt_key,
                algorithms=[self._jwt_method],
                leeway=JWT_LEEWAY_SECONDS,
                options={"verify_aud": False},
            )
        except jwt.PyJWTError as ex:
            logger.debug("rejected a JWT: %s", ex)
            return None
        return payload if isinstance(payload, dict) else None


def _allowed(payload: dict[str, Any], conversation_id: str | None) -> bool:
    user = payload.get("user")
    if not isinstance(user, dict):
        return False
    role = user.get("role")
    if role == "admin":
        return True
    if role == "user":
        return conversation_id is not None and user.get("username") == conversation_id
    return False


def _prepare_key(secret: str, method: str) -> Any:
    if method.lower() == "none":
        raise ConfigError("JWT_METHOD 'none' would accept unsigned tokens; choose e.g. HS256.")
    import jwt

    try:
        algorithm = jwt.get_algorithm_by_name(method)
    except NotImplementedError:
        raise ConfigError(f"JWT_METHOD '{method}' is not a supported JWT algorithm.") from None
    if "-----BEGIN" in secret and "\\n" in secret:
        # PEM keys put in one-line environment variables often carry "\n" escapes.
        secret = secret.replace("\\n", "\n")
    try:
        return algorithm.prepare_key(secret)
    except (jwt.InvalidKeyError, ValueError, TypeError) as ex:
        raise ConfigError(f"JWT_SECRET is not a usable key for {method}: {ex}") from None


class AuthMiddleware:
    """Falcon middleware applying an :class:`AuthPolicy` to protected routes.

    Args:
        policy: The policy to apply.
    """

    def __init__(self, policy: AuthPolicy) -> None:
        self.policy = policy

    async def process_resource(
        self,
        req: falcon.asgi.Request,
        resp: falcon.asgi.Response,
        resource: object,
        params: dict[str, Any],
    ) -> None:
        """Check credentials before the responder runs."""
        if getattr(resource, "public", False) or req.method == "OPTIONS":
            return
        self.policy.check(
            req.get_param("token"), req.get_header("Authorization"), params.get("conversation_id")
        )
