"""Story and rule consistency checks for ``parley data validate``.

Two stories conflict when the same recent history (the last
``max_history`` dialogue states) is followed by different actions: no
policy can learn both. Rules are checked against stories with the
RulePolicy's own contradiction check, so validation and training agree.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.conversation.constants import ACTION_LISTEN
from engine.errors import DataError

if TYPE_CHECKING:
    from engine.conversation.domain import Domain
    from engine.data.types import Project, Story
    from engine.data.validate import ValidationReport

ERROR = "error"
_NAMED = re.compile(r"in (story|rule) '([^']+)'")


def _last_user_intent(states: list[dict[str, Any]]) -> str | None:
    for state in reversed(states):
        intent = (state.get("user") or {}).get("intent")
        if intent:
            return str(intent)
    return None


def story_conflicts(stories: list[Story], domain: Domain, max_history: int) -> list[tuple[str, dict[str, list[str]]]]:
    """Return (last intent, action -> story names) for each history with several next actions."""
    from engine.dialogue.featurization import state_key, training_examples
    from engine.dialogue.story_trackers import story_trackers

    seen: dict[str, dict[str, list[str]]] = {}
    intents: dict[str, str | None] = {}
    for tracker in story_trackers(stories, domain):
        examples = training_examples(tracker, domain)
        if examples and examples[-1][1] == ACTION_LISTEN:
            examples = examples[:-1]  # the listen closing a story is implied, not written
        for states, action in examples:
            recent = states[-max_history:]
            key = state_key(recent)
            names = seen.setdefault(key, {}).setdefault(action, [])
            if tracker.sender_id not in names:
                names.append(tracker.sender_id)
            intents.setdefault(key, _last_user_intent(recent))
    return [(intents[key] or "the start", actions) for key, actions in seen.items() if len(actions) > 1]


def _rule_policy_settings(config: dict[str, Any]) -> dict[str, Any]:
    from engine.dialogue.policies.rule import RulePolicy

    known = RulePolicy.get_default_config()
    for entry in config.get("policies") or []:
        if isinstance(entry, dict) and entry.get("name") == RulePolicy.name:
            return {k: v for k, v in entry.items() if k in known}
    return {}


def rule_contradictions(project: Project, domain: Domain) -> list[str]:
    """Return the RulePolicy's complaints about rules and stories (empty: none)."""
    from engine.dialogue.policies.rule import RulePolicy
    from engine.dialogue.story_trackers import training_trackers

    settings = {**_rule_policy_settings(project.config), "check_for_contradictions": True}
    try:
        RulePolicy(**settings).fit(training_trackers(project.stories, project.rules, domain), domain)
    except DataError as ex:
        lines = [line.strip()[2:] for line in ex.problem.splitlines() if line.strip().startswith("- ")]
        return lines or [ex.problem]
    return []


def check_flows(project: Project, domain: Domain, report: ValidationReport, max_history: int) -> None:
    """Add story conflicts and rule contradictions to ``report``."""
    by_name = {story.name: story for story in [*project.stories, *project.rules]}
    for intent, actions in story_conflicts(project.stories, domain, max_history):
        described = "; ".join(f"'{action}' in {', '.join(repr(n) for n in names)}" for action, names in actions.items())
        first = by_name.get(next(iter(actions.values()))[0])
        report.add(ERROR, f"stories conflict after '{intent}' (same last {max_history} turns, different next action): "
                          f"{described}. Make the stories agree or tell them apart earlier.",
                   (first.source, first.line) if first else (None, None))
    if not project.rules:
        return
    for problem in rule_contradictions(project, domain):
        named = _NAMED.search(problem)
        story = by_name.get(named.group(2)) if named else None
        report.add(ERROR, problem, (story.source, story.line) if story else (None, None))
