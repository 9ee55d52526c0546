"""External NLG: responses rendered by the ``nlg:`` server of endpoints.yml.

Request (Rasa's format): ``{"response": <utter name>, "id": null,
"arguments": {kwargs}, "tracker": <tracker with every event>, "channel":
{"name": <output channel>}}``. The answer must be an object whose optional
keys have the right types (``text`` string, ``buttons``/``elements`` list or
null, ``attachment`` object or null, ``image`` string or null, ``custom``
object); anything else fails the action that asked.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from engine.actions.endpoint import EndpointConfig, EndpointError
from engine.errors import EngineError

if TYPE_CHECKING:
    from engine.conversation.tracker import DialogueStateTracker

logger = logging.getLogger(__name__)

_EXPECTED_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "buttons": (list, type(None)),
    "elements": (list, type(None)),
    "quick_replies": (list, type(None)),
    "attachment": (dict, type(None)),
    "image": (str, type(None)),
    "custom": (dict, type(None)),
}


class NlgServerError(EngineError):
    """The NLG server failed or answered with an invalid response."""

    default_reason = "NlgServerError"


def valid_nlg_answer(answer: Any) -> bool:
    """Return whether ``answer`` has the shape Rasa accepts from an NLG server."""
    if not isinstance(answer, dict):
        return False
    return all(isinstance(answer[key], kinds) for key, kinds in _EXPECTED_TYPES.items() if key in answer)


class CallbackResponseGenerator:
    """A response generator that asks the ``nlg:`` endpoint (see module docstring)."""

    def __init__(self, endpoint: EndpointConfig) -> None:
        self.endpoint = endpoint

    @staticmethod
    def request_body(
        name: str, tracker: DialogueStateTracker, output_channel: str | None, **kwargs: Any
    ) -> dict[str, Any]:
        """Return the JSON body asking for response ``name``."""
        response_id = kwargs.pop("response_id", None)
        return {
            "response": name,
            "id": response_id,
            "arguments": kwargs,
            "tracker": tracker.current_state("ALL"),
            "channel": {"name": output_channel},
        }

    def generate(
        self, name: str, tracker: DialogueStateTracker, output_channel: str | None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Return the server's message for response ``name``.

        Raises:
            NlgServerError: The server is unreachable or its answer is invalid.
        """
        try:
            answer = self.endpoint.post_json(self.request_body(name, tracker, output_channel, **kwargs))
        except EndpointError as ex:
            raise NlgServerError(f"The NLG server failed to render '{name}': {ex}") from None
        if not valid_nlg_answer(answer):
            raise NlgServerError(f"The NLG server returned an invalid response for '{name}': {answer!r}")
        return dict(answer)
