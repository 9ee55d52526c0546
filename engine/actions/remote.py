"""Custom actions run on an action server (the rasa-sdk protocol).

Request: ``POST action_endpoint.url`` with ``next_action``, ``sender_id``,
``tracker`` (every event), ``domain`` and ``version``. With
``enable_selective_domain: true`` the domain is only sent to actions listed
with ``send_domain: true`` and to ``validate_*`` actions; a ``domain_digest``
lets newer SDKs cache it, and their 449 "domain missing" answer is retried
with the domain.

Answer: ``responses`` are rendered (``response``/``template`` through the
NLG with the other keys as template arguments) into ``bot`` events placed
before the returned ``events``. The whole answer is checked first: an
event the engine does not know discards it (a failed run). HTTP 400 with an
``action_name`` is a rejection (:class:`ActionExecutionRejection`); every
other failure raises :class:`ActionServerError`, which the processor logs
while still logging the ``action`` event, so no conversation is lost.
"""
from __future__ import annotations

import copy
import hashlib
import json
import logging
from typing import TYPE_CHECKING, Any

from engine.actions.base import Action, ActionExecutionRejection, ResponseGenerator
from engine.actions.endpoint import EndpointConfig, EndpointError
from engine.actions.responses import bot_event_from_message
from engine.conversation.events import BotUttered, Event
from engine.errors import BadRequest, EngineError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)

# Action servers compare this with their own version (a warning only).
RASA_PROTOCOL_VERSION = "3.6.21"
DOMAIN_MISSING_STATUS = 449
VALIDATE_PREFIX = "validate_"


class ActionServerError(EngineError):
    """A custom action could not be run on the action server."""

    default_reason = "ActionServerError"

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.action_name = name


class ActionServer:
    """The action server of one model: endpoint plus the domain it is sent.

    Args:
        endpoint: The ``action_endpoint``; None when not configured (every
            custom action then fails with a clear log line).
        domain: The model's domain.
    """

    def __init__(self, endpoint: EndpointConfig | None, domain: Domain) -> None:
        self.endpoint = endpoint
        self.domain = domain
        self._domain_dict: dict[str, Any] | None = None
        self._digest: str | None = None

    @property
    def domain_dict(self) -> dict[str, Any]:
        """Return the domain JSON sent to the server (computed once)."""
        if self._domain_dict is None:
            self._domain_dict = self.domain.as_dict()
            encoded = json.dumps(self._domain_dict, sort_keys=True, default=str).encode("utf-8")
            self._digest = hashlib.sha256(encoded).hexdigest()
        return self._domain_dict

    @property
    def domain_digest(self) -> str:
        """Return a hash of the domain JSON (lets the SDK cache the domain)."""
        self.domain_dict  # noqa: B018 - computes the digest
        return self._digest or ""

    def sends_domain_to(self, action_name: str) -> bool:
        """Return whether a request for ``action_name`` carries the domain."""
        if self.endpoint is None or not self.endpoint.flag("enable_selective_domain"):
            return True
        return action_name in self.domain.actions_with_domain or action_name.startswith(VALIDATE_PREFIX)

    def request_body(self, action_name: str, tracker: DialogueStateTracker, *, with_domain: bool) -> dict[str, Any]:
        """Return the JSON body asking the server to run ``action_name``."""
        body: dict[str, Any] = {
            "next_action": action_name,
            "sender_id": tracker.sender_id,
            "tracker": tracker.current_state("ALL"),
            "version": RASA_PROTOCOL_VERSION,
            "domain_digest": self.domain_digest,
        }
        if with_domain:
            body["domain"] = self.domain_dict
        return body

    def call(self, action_name: str, tracker: DialogueStateTracker) -> dict[str, Any]:
        """Run ``action_name`` remotely; return the server's answer (a dict).

        Raises:
            ActionExecutionRejection: The server rejected the run (HTTP 400 with ``action_name``).
            ActionServerError: Anything else went wrong.
        """
        if self.endpoint is None:
            raise ActionServerError(
                action_name,
                f"Custom action '{action_name}' cannot run: no action_endpoint is configured in endpoints.yml.",
            )
        with_domain = self.sends_domain_to(action_name)
        try:
            try:
                answer = self.endpoint.post_json(self.request_body(action_name, tracker, with_domain=with_domain))
            except EndpointError as ex:
                if ex.status != DOMAIN_MISSING_STATUS or with_domain:
                    raise
                answer = self.endpoint.post_json(self.request_body(action_name, tracker, with_domain=True))
        except EndpointError as ex:
            body = ex.body if isinstance(ex.body, dict) else {}
            if ex.status == 400 and body.get("action_name"):
                raise ActionExecutionRejection(
                    str(body["action_name"]), str(body.get("error") or f"Action '{action_name}' rejected its execution.")
                ) from None
            detail = f": {body.get('error')}" if body.get("error") else ""
            raise ActionServerError(
                action_name, f"Failed to run custom action '{action_name}': {ex}{detail}"
            ) from None
        if answer is None:
            return {}
        if not isinstance(answer, dict):
            raise ActionServerError(action_name, f"Custom action '{action_name}': the answer must be a JSON object.")
        return answer


def _checked_list(answer: dict[str, Any], key: str, action_name: str) -> list[Any]:
    value = answer.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ActionServerError(action_name, f"Custom action '{action_name}': '{key}' must be a list of objects.")
    return value


def parse_answer_events(answer: dict[str, Any], action_name: str) -> list[Event]:
    """Parse the ``events`` of an answer; any invalid event fails the whole answer.

    Raises:
        ActionServerError: An event is unknown or malformed.
    """
    from engine.conversation.event_parsing import parse_event

    events = []
    for item in _checked_list(answer, "events", action_name):
        try:
            events.append(parse_event(item))
        except BadRequest as ex:
            raise ActionServerError(
                action_name, f"Custom action '{action_name}' returned an invalid event: {ex.message}"
            ) from None
    return events


def render_responses(
    responses: list[dict[str, Any]],
    tracker: DialogueStateTracker,
    nlg: ResponseGenerator,
    output_channel: str | None,
) -> list[BotUttered]:
    """Turn the ``responses`` of an answer into ``bot`` events (Rasa's rules)."""
    bot_events: list[BotUttered] = []
    for item in responses:
        rest = copy.deepcopy(item)
        name = rest.pop("response", None)
        legacy = rest.pop("template", None)
        name = name or legacy
        draft: dict[str, Any] = {}
        if name:
            arguments = {k: v for k, v in rest.items()}
            rendered = nlg.generate(name, tracker, output_channel, **arguments)
            if not rendered:
                logger.error("custom action asked for response %r, which does not exist", name)
                continue
            draft = dict(rendered)
            draft["utter_action"] = name
        buttons = rest.pop("buttons", None) or []
        if buttons:
            draft["buttons"] = list(draft.get("buttons") or []) + list(buttons)
        # Empty values never overwrite what the response rendered.
        draft.update({k: v for k, v in rest.items() if v})
        bot_events.append(bot_event_from_message(draft))
    return bot_events


class RemoteAction(Action):
    """A custom action run on the action server (see module docstring)."""

    def __init__(self, name: str, server: ActionServer) -> None:
        self.name = name
        self.server = server

    def run(
        self, tracker: DialogueStateTracker, domain: Domain, nlg: ResponseGenerator, output_channel: str | None
    ) -> list[Event]:
        """Run remotely; return the rendered bot events, then the returned events.

        Raises:
            ActionExecutionRejection: The server rejected the run.
            ActionServerError: The run failed (unreachable, error status, bad answer).
        """
        answer = self.server.call(self.name, tracker)
        events = parse_answer_events(answer, self.name)
        responses = _checked_list(answer, "responses", self.name)
        return [*render_responses(responses, tracker, nlg, output_channel), *events]
