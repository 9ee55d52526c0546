"""Hypothesis properties of hostile input: events, trackers and the YAML loaders.

- Event JSON: whatever arrives either parses or is a ``BadRequest``; what
  parses serializes to JSON that parses back to the same dict, and what the
  API validator accepts, it accepts again after the round trip.
- Trackers: events -> tracker -> ``events`` JSON -> tracker gives the same events.
- YAML (training payload, domain, NLU, stories, rules, config): malformed
  text, wrong types, huge and deeply nested documents, unicode and
  billion-laughs aliases end in ``DataError`` (a 400), never another
  exception.

Examples are derandomized, so CI sends the same cases on every run.
"""
from __future__ import annotations

from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.api.event_validation import check_event, decode_events, parse_checked
from engine.conversation.domain import Domain
from engine.conversation.event_parsing import PARSERS
from engine.conversation.events import event_from_dict
from engine.conversation.tracker import DialogueStateTracker
from engine.data.training_payload import load_project_from_yaml
from engine.data.yaml_io import MAX_FILE_BYTES, read_yaml_text
from engine.errors import BadRequest, DataError

PROPERTY = settings(derandomize=True, database=None, deadline=None, max_examples=200,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# JSON values, small enough to keep each example fast.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
names = st.text(min_size=1, max_size=12)
texts = st.none() | st.text(max_size=30)
confidences = st.none() | st.floats(0, 1)
timestamps = st.floats(1e9, 2e9)
entities = st.lists(st.fixed_dictionaries(
    {"entity": names, "value": json_values},
    optional={"start": st.integers(0, 100), "end": st.integers(0, 100), "extractor": st.none() | names,
              "role": st.none() | names, "group": st.none() | names, "confidence_entity": confidences},
), max_size=3)
parse_data = st.fixed_dictionaries(
    {"intent": st.fixed_dictionaries({"name": st.none() | names, "confidence": confidences}), "entities": entities},
    optional={"text": texts, "message_id": st.none() | names, "metadata": st.dictionaries(names, json_values, max_size=2),
              "intent_ranking": st.lists(st.fixed_dictionaries({"name": names, "confidence": confidences}), max_size=2)},
)
envelope = {"timestamp": timestamps}
optional_envelope = {"metadata": st.dictionaries(names, json_values, max_size=2)}

# Events that follow Rasa's format, one strategy per type.
valid_events = st.one_of(
    st.fixed_dictionaries({"event": st.just("user"), "text": texts, "parse_data": parse_data,
                           "input_channel": st.none() | names, "message_id": st.none() | names, **envelope},
                          optional=optional_envelope),
    st.fixed_dictionaries({"event": st.just("bot"), "text": texts,
                           "data": st.dictionaries(names, json_values, max_size=3), **envelope},
                          optional=optional_envelope),
    st.fixed_dictionaries({"event": st.just("slot"), "name": names, "value": json_values, **envelope},
                          optional=optional_envelope),
    st.fixed_dictionaries({"event": st.just("action"), "name": names, "policy": st.none() | names,
                           "confidence": confidences, "action_text": texts, "hide_rule_turn": st.booleans(),
                           **envelope}, optional=optional_envelope),
    st.fixed_dictionaries({"event": st.just("entities"), "entities": entities, **envelope}),
    st.fixed_dictionaries({"event": st.just("active_loop"), "name": st.none() | names, **envelope}),
    st.fixed_dictionaries({"event": st.just("loop_interrupted"), "is_interrupted": st.booleans(), **envelope}),
    st.fixed_dictionaries({"event": st.just("followup"), "name": names, **envelope}),
    st.fixed_dictionaries({"event": st.just("agent"), "text": texts, "data": json_values, **envelope}),
    st.fixed_dictionaries({"event": st.just("user_featurization"), "use_text_for_featurization": st.booleans(),
                           **envelope}),
    st.fixed_dictionaries({"event": st.just("action_execution_rejected"), "name": names,
                           "policy": st.none() | names, "confidence": confidences, **envelope}),
    st.fixed_dictionaries({"event": st.sampled_from(["restart", "rewind", "reset_slots", "undo", "pause",
                                                     "resume", "export", "session_started"]), **envelope}),
)
# Anything shaped like an event, with any value in any key.
hostile_events = st.one_of(
    json_values,
    st.dictionaries(
        st.sampled_from(["event", "text", "name", "value", "parse_data", "data", "timestamp", "metadata",
                         "entities", "intent", "date_time", "policy", "confidence", "is_interrupted",
                         "kill_on_user_msg", "hide_rule_turn", "input_channel", "message_id"]),
        json_values, max_size=6,
    ).map(lambda d: d),
    st.builds(lambda kind, rest: {**rest, "event": kind}, st.sampled_from(sorted(PARSERS)),
              st.dictionaries(st.sampled_from(["text", "name", "value", "parse_data", "data", "timestamp",
                                               "metadata", "entities", "intent", "date_time", "confidence",
                                               "policy", "is_interrupted", "hide_rule_turn"]),
                              json_values, max_size=5)),
)


def json_round_trip(value: Any) -> Any:
    """What a client gets back: the value through orjson."""
    return orjson.loads(orjson.dumps(value))


@PROPERTY
@given(valid_events)
def test_valid_events_round_trip_through_json(data: dict[str, Any]) -> None:
    check_event(data)
    first = json_round_trip(event_from_dict(data).as_dict())
    assert json_round_trip(event_from_dict(first).as_dict()) == first
    check_event(first)  # what the server emits, it accepts back


@PROPERTY
@given(hostile_events)
def test_hostile_events_parse_or_are_a_bad_request(data: Any) -> None:
    try:
        event_from_dict(data)
    except BadRequest:
        pass
    # The API's path (POST .../tracker/events): validate, then parse.
    try:
        events = parse_checked(decode_events(orjson.dumps(data)), now=1.7e9)
    except BadRequest:
        return
    for event in events:
        check_event(json_round_trip(event.as_dict()))  # what the server stores, it would accept back


@PROPERTY
@given(st.lists(valid_events, max_size=12), names)
def test_trackers_round_trip_their_events(events: list[dict[str, Any]], sender: str) -> None:
    domain = Domain.empty()
    tracker = DialogueStateTracker.from_dicts(sender, events, domain)
    state = json_round_trip(tracker.current_state("ALL"))
    again = DialogueStateTracker.from_dicts(sender, state["events"], domain)
    assert json_round_trip(again.current_state("ALL")) == state


# -- YAML ------------------------------------------------------------------

SECTIONS = ["version", "nlu", "stories", "rules", "intents", "entities", "slots", "responses", "actions",
            "forms", "session_config", "language", "pipeline", "policies", "assistant_id", "recipe",
            "e2e_actions", "config"]
examples_text = st.text(alphabet=st.sampled_from(list("ab [](){}\":,-|\n\\#@é😀\t")), max_size=40)
nlu_items = st.lists(st.fixed_dictionaries(
    {}, optional={"intent": st.one_of(names, json_values), "examples": st.one_of(examples_text, json_values),
                  "synonym": names, "regex": names, "lookup": names, "metadata": json_values},
), max_size=3)
step = st.fixed_dictionaries({}, optional={
    "intent": st.one_of(names, json_values), "action": st.one_of(names, json_values), "user": examples_text,
    "bot": names, "slot_was_set": json_values, "active_loop": json_values, "checkpoint": names,
    "or": json_values, "entities": json_values,
})
story_items = st.lists(st.fixed_dictionaries(
    {}, optional={"story": names, "rule": names, "steps": st.one_of(st.lists(step, max_size=4), json_values),
                  "condition": json_values, "wait_for_user_input": json_values, "conversation_start": json_values},
), max_size=3)
documents = st.fixed_dictionaries({}, optional={
    **{key: json_values for key in SECTIONS},
    "nlu": st.one_of(nlu_items, json_values),
    "stories": st.one_of(story_items, json_values),
    "rules": st.one_of(story_items, json_values),
    "version": st.sampled_from(["3.1", "2.0", "1.0", 3.1, "x"]),
    "pipeline": st.one_of(st.lists(st.fixed_dictionaries({"name": st.one_of(names, json_values)}), max_size=3),
                          json_values),
})


def loads_or_data_error(text: str | bytes) -> None:
    """Load a training payload; only success or DataError may come out."""
    try:
        load_project_from_yaml(text)
    except DataError:
        pass


@PROPERTY
@given(documents)
def test_documents_with_wrong_types_are_data_errors(doc: dict[str, Any]) -> None:
    loads_or_data_error(yaml.safe_dump(doc, allow_unicode=True))


@PROPERTY
@given(st.text(max_size=300))
def test_arbitrary_text_is_a_data_error(text: str) -> None:
    loads_or_data_error(text)


@PROPERTY
@given(documents, st.integers(0, 400), st.text(min_size=1, max_size=5))
def test_corrupted_documents_are_data_errors(doc: dict[str, Any], at: int, junk: str) -> None:
    text = yaml.safe_dump(doc, allow_unicode=True)
    at = at % (len(text) + 1)
    loads_or_data_error(text[:at] + junk + text[at:])


@PROPERTY
@given(st.binary(max_size=200))
def test_arbitrary_bytes_are_data_errors(data: bytes) -> None:
    loads_or_data_error(data)


def billion_laughs(levels: int = 9, width: int = 10) -> str:
    lines = ['a0: &a0 "lol"']
    for level in range(1, levels + 1):
        refs = ", ".join(f"*a{level - 1}" for _ in range(width))
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append(f"nlu: *a{levels}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("case", "text", "message"), [
    ("billion laughs", billion_laughs(), "expand"),
    ("deep flow nesting", "nlu: " + "[" * 100_000 + "]" * 100_000, "nesting depth"),
    ("deep block nesting", "".join(" " * i + f"k{i}:\n" for i in range(2_000)), "nesting depth"),
    ("nesting past the loader's limit", "nlu: " + "[" * 300 + "]" * 300, "nested deeper than"),
    ("block nesting past the loader's limit", "".join(" " * i + f"k{i}:\n" for i in range(300)),
     "nested deeper than"),
    ("larger than the limit", "#" * (MAX_FILE_BYTES + 1), "larger than"),
    ("python tag", "nlu: !!python/object/apply:os.system ['true']\n", ""),
    ("duplicate keys", "nlu: []\nnlu: []\n", "duplicate"),
])
def test_hostile_yaml_is_a_data_error(case: str, text: str, message: str) -> None:
    with pytest.raises(DataError) as caught:
        read_yaml_text(text, file="payload.yml")
    assert message.lower() in caught.value.message.lower(), (case, caught.value.message)
    with pytest.raises(DataError):
        load_project_from_yaml(text)


def test_a_large_valid_payload_loads() -> None:
    intents = [f"intent_{i}" for i in range(2_000)]
    doc = {"version": "3.1", "intents": intents,
           "nlu": [{"intent": name, "examples": "- hello ünïcödé 😀\n- [Paris](city) please\n"} for name in intents]}
    project = load_project_from_yaml(yaml.safe_dump(doc, allow_unicode=True))
    assert len(project.nlu.examples) == 4_000
