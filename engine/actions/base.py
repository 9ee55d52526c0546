"""The action interface and the errors actions raise.

An action reads the tracker and returns the events it produced; it never
appends them itself (the processor logs the ``action`` event, stamps and
appends). ``nlg`` renders responses (:class:`ResponseGenerator`) and
``output_channel`` is the name of the channel replies go to (it selects
channel-specific response variations).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol

from engine.conversation.events import ActionExecuted, Event
from engine.errors import Conflict, EngineError, NotFound

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.conversation.tracker import DialogueStateTracker


class ResponseGenerator(Protocol):
    """Renders a named response into a message dict (or None if missing)."""

    def generate(
        self, name: str, tracker: DialogueStateTracker, output_channel: str | None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Return the rendered message for response ``name``, or None."""


class ActionNotFound(NotFound):
    """The domain has no action of that name."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Cannot find action '{name}' in the domain.", reason="ActionNotFound")
        self.action_name = name


class ActionUnavailable(Conflict):
    """A custom action is known to the domain but cannot run here.

    Custom actions run on an action server; until one is configured the
    processor treats this like a failed custom action (the ``action`` event
    is logged, no other events).
    """

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(
            message or f"Custom action '{name}' cannot be run: no action server is available.",
            reason="ActionUnavailable",
        )
        self.action_name = name


class ActionExecutionRejection(EngineError):
    """An action refuses to run now (e.g. a form got no value for its slot)."""

    default_reason = "ActionExecutionRejection"

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(message or f"Action '{name}' rejected its execution.")
        self.action_name = name


class Action(ABC):
    """Something the bot does in reply: runs and returns events.

    Attributes:
        name: The action's name in the domain.
    """

    name: str = ""

    @abstractmethod
    def run(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        nlg: ResponseGenerator,
        output_channel: str | None,
    ) -> list[Event]:
        """Run the action and return its events (not yet appended).

        Raises:
            ActionExecutionRejection: The action declines to run now.
        """

    def event_for_successful_execution(
        self, policy: str | None, confidence: float | None, hide_rule_turn: bool = False
    ) -> ActionExecuted:
        """Return the ``action`` event the processor logs for this run."""
        return ActionExecuted(self.name, policy, confidence, hide_rule_turn=hide_rule_turn)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"
