"""Story evaluation: replay test stories and compare each predicted action.

Each test story becomes the event sequence training would build from it.
The events are replayed into a fresh tracker; at every action the model's
:meth:`MessageProcessor.predict_next` is asked first and its answer
recorded, then the story's own event is applied, so one wrong prediction
does not derail the rest of the story (Rasa evaluates the same way). User
turns use the story's annotated intent and entities unless the story gives
only text; with ``e2e`` the text is also parsed and the parse compared.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from engine.conversation.constants import ACTION_LISTEN
from engine.conversation.events import ActionExecuted, ActionExecutionRejected, Event, SlotSet, UserUttered
from engine.conversation.tracker import DialogueStateTracker
from engine.data.types import Story
from engine.errors import Conflict
from engine.evaluation.metrics import Scores, classification_report
from engine.evaluation.story_render import RenderedStep, user_step

if TYPE_CHECKING:
    from engine.models.loader import Model
    from engine.processor import MessageProcessor

StageProgress = Callable[[str, int, int], None]
MEMORIZING_POLICIES = frozenset({"MemoizationPolicy", "AugmentedMemoizationPolicy", "RulePolicy"})
NONE_LABEL = "None"


@dataclass
class StoryResult:
    """How one test story went.

    Attributes:
        name: Story name.
        source: File the story came from, when known.
        steps: The story as replayed, with predicted-vs-expected comments.
        failed: Whether any prediction in it was wrong.
    """

    name: str
    source: str | None
    steps: list[RenderedStep] = field(default_factory=list)
    failed: bool = False


@dataclass
class StoryEvaluation:
    """The result of evaluating test stories.

    Attributes:
        stories: Per-story results (a story with ``or`` steps or
            checkpoints may give several).
        actions: ``{"action", "predicted", "policy", "confidence"}`` per
            predicted action, in story order.
        targets: Gold labels scored (actions; plus intents and entities
            with ``e2e``).
        predictions: Predicted labels aligned with ``targets``.
        scores: Report and headline figures over ``targets``.
        e2e: Whether user texts were parsed and scored too.
    """

    stories: list[StoryResult]
    actions: list[dict[str, Any]]
    targets: list[str]
    predictions: list[str]
    scores: Scores
    e2e: bool

    @property
    def in_training_data_fraction(self) -> float:
        """Share of actions predicted by a policy that memorized the training stories."""
        if not self.actions:
            return 0.0
        memorized = sum(1 for a in self.actions if a["policy"] in MEMORIZING_POLICIES)
        return memorized / len(self.actions)

    @property
    def failed(self) -> list[StoryResult]:
        """The stories with at least one wrong prediction."""
        return [s for s in self.stories if s.failed]

    def as_body(self) -> dict[str, Any]:
        """The body of ``POST /model/test/stories``."""
        return {
            "report": self.scores.report,
            "precision": self.scores.precision,
            "f1": self.scores.f1_score,
            "accuracy": self.scores.accuracy,
            "actions": self.actions,
            "in_training_data_fraction": self.in_training_data_fraction,
            "is_end_to_end_evaluation": self.e2e,
        }

    def story_report(self) -> dict[str, Any]:
        """``story_report.json``: the action report plus conversation-level accuracy."""
        total = len(self.stories)
        correct = total - len(self.failed)
        return {
            **self.scores.report,
            "conversation_accuracy": {
                "accuracy": correct / total if total else 0.0,
                "correct": correct,
                "with_warnings": 0,
                "total": total,
            },
        }


class _Replay:
    """Replays the gold events of one story and records predictions."""

    def __init__(self, model: Model, processor: MessageProcessor, e2e: bool) -> None:
        self.model = model
        self.processor = processor
        self.e2e = e2e
        self.actions: list[dict[str, Any]] = []
        self.targets: list[str] = []
        self.predictions: list[str] = []

    def run(self, name: str, source: str | None, gold: list[Event]) -> StoryResult:
        result = StoryResult(name, source)
        tracker = DialogueStateTracker(name, self.model.domain.slots)
        for index, event in enumerate(gold):
            if isinstance(event, ActionExecuted):
                if index == 0 and event.action_name == ACTION_LISTEN:
                    tracker.update(event)  # the start state, not a prediction
                    continue
                self._action(tracker, event, result)
            elif isinstance(event, UserUttered):
                self._user(tracker, event, result)
            else:
                tracker.update(event)
                step = RenderedStep.for_event(event)
                if step is not None:
                    result.steps.append(step)
        return result

    def _action(self, tracker: DialogueStateTracker, event: ActionExecuted, result: StoryResult) -> None:
        expected = event.action_name or event.action_text or ""
        prediction = self.processor.predict_next(tracker)
        loop = tracker.active_loop_name
        if prediction.action == loop and expected != loop and not tracker.is_active_loop_rejected:
            # At runtime the form would reject this turn (nothing to fill) and the
            # ensemble would predict again; let the story's next action have that chance.
            tracker.update(ActionExecutionRejected(loop, prediction.policy, prediction.confidence, timestamp=0.0))
            prediction = self.processor.predict_next(tracker)
        predicted = prediction.action
        self.actions.append({"action": expected, "predicted": predicted, "policy": prediction.policy,
                             "confidence": float(prediction.confidence)})
        self.targets.append(expected)
        self.predictions.append(predicted)
        wrong = predicted != expected
        result.failed = result.failed or wrong
        tracker.update_with_events(prediction.events)
        tracker.update(ActionExecuted(event.action_name, prediction.policy, prediction.confidence,
                                      action_text=event.action_text))
        if event.action_name != ACTION_LISTEN or wrong:
            result.steps.append(RenderedStep.for_action(event, predicted if wrong else None))

    def _user(self, tracker: DialogueStateTracker, event: UserUttered, result: StoryResult) -> None:
        gold_intent = event.intent_name
        text = event.text or ""
        parse: dict[str, Any] | None = None
        if text and (self.e2e or not gold_intent):
            parse = self.model.parse(text)
        comment = None
        if gold_intent is None and parse is not None:
            # A text-only turn (3.x test conversation): the parse drives the dialogue.
            event = UserUttered(text, _tracker_parse(parse), use_text_for_featurization=False, timestamp=0.0)
            tracker.update(event)
            for slot, value in self.model.domain.slots_for_entities(event.entities):
                tracker.update(SlotSet(slot, value, timestamp=0.0))
        else:
            if self.e2e and parse is not None:
                comment = self._compare_parse(event, parse)
                result.failed = result.failed or comment is not None
            tracker.update(_base_intent_event(event))
        result.steps.append(user_step(event, comment))

    def _compare_parse(self, event: UserUttered, parse: dict[str, Any]) -> str | None:
        gold_intent = (event.intent_name or "").split("/", 1)[0]
        predicted_intent = (parse.get("intent") or {}).get("name") or NONE_LABEL
        self.targets.append(gold_intent)
        self.predictions.append(predicted_intent)
        problems = []
        if predicted_intent != gold_intent:
            problems.append(f"intent {predicted_intent}")
        gold = {(e.get("entity"), str(e.get("value"))) for e in event.entities}
        found = {(e.get("entity"), str(e.get("value"))) for e in parse.get("entities") or []}
        for entity, _ in sorted(gold, key=str):
            hit = any(g in found for g in gold if g[0] == entity)
            self.targets.append(str(entity))
            self.predictions.append(str(entity) if hit else NONE_LABEL)
        for entity, value in sorted(found - gold, key=str):
            self.targets.append(NONE_LABEL)
            self.predictions.append(str(entity))
        if gold != found:
            shown = ", ".join(f"{e}={v}" for e, v in sorted(found, key=str)) or "no entities"
            problems.append(f"entities {shown}")
        return f"predicted: {'; '.join(problems)}" if problems else None


def _tracker_parse(parse: dict[str, Any]) -> dict[str, Any]:
    return {"intent": parse.get("intent") or {}, "entities": list(parse.get("entities") or [])}


def _base_intent_event(event: UserUttered) -> UserUttered:
    """Featurize a retrieval intent (``faq/ask_x``) by its base name, as training does."""
    name = event.intent_name
    if not name or "/" not in name:
        return event
    parse = dict(event.parse_data or {})
    parse["intent"] = {**event.intent, "name": name.split("/", 1)[0]}
    parse["full_retrieval_intent_name"] = name
    return UserUttered(event.text, parse, use_text_for_featurization=event.use_text_for_featurization,
                       timestamp=event.timestamp)


def run_story_evaluation(
    model: Model, stories: list[Story], *, e2e: bool = False, progress: StageProgress | None = None
) -> StoryEvaluation:
    """Evaluate ``model``'s dialogue policies on test ``stories``.

    Raises:
        Conflict: The model has no dialogue policies (NLU-only model).
    """
    from engine.dialogue.story_trackers import story_trackers
    from engine.processor import MessageProcessor

    if model.policies is None:
        raise Conflict(
            "This model has no dialogue policies (NLU-only model), so there are no stories to test. "
            "Train a model with stories or rules."
        )
    processor = MessageProcessor(model.domain, model.policies, model.parse, model.model_id)
    replay = _Replay(model, processor, e2e)
    results: list[StoryResult] = []
    for number, story in enumerate(stories, start=1):
        plain = _as_story(story)
        for tracker in story_trackers([plain], model.domain):
            results.append(replay.run(story.name, story.source, tracker.events))
        if progress is not None:
            progress("Evaluating stories", number, len(stories))
    scores = classification_report(replay.targets, replay.predictions)
    return StoryEvaluation(results, replay.actions, replay.targets, replay.predictions, scores, e2e)


def _as_story(story: Story) -> Story:
    """A test rule is replayed like a story: its condition first, then its steps."""
    if not story.condition:
        return story
    return Story(story.name, [*story.condition, *story.steps], kind="story", source=story.source, line=story.line)


def evaluate_stories(model: Model, stories: list[Story], *, e2e: bool = False) -> dict[str, Any]:
    """Evaluate test stories: the body of ``POST /model/test/stories``.

    Returns:
        ``{"report", "precision", "f1", "accuracy", "actions",
        "in_training_data_fraction", "is_end_to_end_evaluation"}``.

    Raises:
        Conflict: The model has no dialogue policies.
    """
    return run_story_evaluation(model, stories, e2e=e2e).as_body()
