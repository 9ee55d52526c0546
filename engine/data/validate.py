"""Domain and training data consistency checks (``parley data validate``).

The checks of Rasa's validator, each finding with the file and line it is
about: intents, entities and actions used but not declared (errors) or
declared but never used (warnings); NLU examples repeated within an intent
or across intents; utterances without responses; slots nothing ever sets
and slot mappings that name unknown intents or entities; stories that
contradict each other (same history, different next action) or rules.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from engine.conversation import constants as c
from engine.data.types import Project, Story

ERROR = "error"
WARNING = "warning"
DEFAULT_MAX_HISTORY = 5
DOMAIN_SECTIONS = ("intents", "entities", "slots", "responses", "actions", "forms")
# Responses the default actions send when the domain has them (restart, fallback, back...).
DEFAULT_ACTION_RESPONSES = frozenset({"utter_restart", "utter_default", "utter_back", "utter_ask_rephrase"})


@dataclass(frozen=True)
class Finding:
    """One problem found.

    Attributes:
        level: ``error`` or ``warning``.
        message: What is wrong and how to fix it.
        file: The file it is about, when known.
        line: The 1-based line, when known.
    """

    level: str
    message: str
    file: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file and self.line else (f"{self.file}: " if self.file else "")
        return f"{where}{self.level}: {self.message}"


@dataclass
class ValidationReport:
    """All findings of one validation run, in check order."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that make the data unusable or wrong."""
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings worth a look."""
        return [f for f in self.findings if f.level == WARNING]

    def add(self, level: str, message: str, where: tuple[str | None, int | None] = (None, None)) -> None:
        """Record a finding at ``where`` = (file, line)."""
        self.findings.append(Finding(level, message, *where))


@dataclass(frozen=True)
class LocatedExample:
    """An NLU example with where it was written."""

    text: str
    intent: str
    entities: tuple[str, ...]
    file: str
    line: int | None


def _domain_locations(files: Iterable[str]) -> dict[tuple[str, str], tuple[str, int | None]]:
    """(section, name) -> (file, line) for every named domain entry."""
    from engine.data.domain_yaml import is_domain_doc, item_name
    from engine.data.yaml_io import line_of, read_yaml_file

    found: dict[tuple[str, str], tuple[str, int | None]] = {}
    for file in files:
        try:
            doc = read_yaml_file(file)
        except Exception:  # noqa: BLE001 - the loader already reported unreadable files
            continue
        if not isinstance(doc, dict) or not is_domain_doc(doc):
            continue
        for section in DOMAIN_SECTIONS:
            entries = doc.get(section)
            if isinstance(entries, dict):
                key_lines = getattr(entries, "key_lines", {})
                for name in entries:
                    found.setdefault((section, str(name)), (file, key_lines.get(name) or line_of(entries, name)))
            elif isinstance(entries, list):
                for index, entry in enumerate(entries):
                    found.setdefault((section, item_name(entry)), (file, line_of(entries, index)))
    return found


def _located_examples(files: Iterable[str]) -> Iterator[LocatedExample]:
    """Re-read the NLU sections of ``files`` keeping each example's line."""
    from engine.data.annotations import parse_annotated_text
    from engine.data.yaml_io import line_of, read_yaml_file

    for file in files:
        try:
            doc = read_yaml_file(file)
        except Exception:  # noqa: BLE001 - the loader already reported unreadable files
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("nlu"), list):
            continue
        for item in doc["nlu"]:
            if not isinstance(item, dict) or not isinstance(item.get("intent"), str):
                continue
            for raw, line in _example_lines(item, line_of):
                try:
                    text, entities = parse_annotated_text(raw)
                except Exception:  # noqa: BLE001 - loading reports bad markup with its line
                    continue
                yield LocatedExample(text, item["intent"], tuple(e["entity"] for e in entities), file, line)


def _example_lines(item: dict[str, Any], line_of: Any) -> Iterator[tuple[str, int | None]]:
    examples = item.get("examples")
    if isinstance(examples, list):
        for index, entry in enumerate(examples):
            text = entry.get("text") if isinstance(entry, dict) else entry
            if isinstance(text, str) and text.strip():
                yield text.strip(), line_of(examples, index)
    elif isinstance(examples, str):
        key_line = line_of(item, "examples")
        for offset, raw in enumerate(examples.splitlines()):
            stripped = raw.strip()
            if stripped.startswith("-") and stripped[1:].strip():
                yield stripped[1:].strip(), (key_line + 1 + offset if key_line else None)


def _at(example: LocatedExample) -> str:
    return f"{example.file}:{example.line}" if example.line else example.file


def _story_where(story: Story) -> tuple[str | None, int | None]:
    return story.source, story.line


def _user_steps(story: Story) -> Iterator[dict[str, Any]]:
    for step in [*story.condition, *story.steps]:
        for option in step.get("or", [step]):
            if option.get("user_turn"):
                yield option


def _steps(story: Story, key: str) -> Iterator[dict[str, Any]]:
    for step in [*story.condition, *story.steps]:
        for option in step.get("or", [step]):
            if key in option:
                yield option


class Validator:
    """Runs every check over a loaded project.

    Args:
        project: The loaded project (data files with ``source``/``line``).
        domain_files: The domain files, for the lines of domain entries.
        max_history: Story turns compared when looking for conflicts.
    """

    def __init__(self, project: Project, domain_files: Sequence[str], *, max_history: int | None = None) -> None:
        from engine.conversation.domain import Domain

        self.project = project
        self.domain = Domain.from_dict(project.domain)
        self.where_declared = _domain_locations(domain_files)
        self.examples = list(_located_examples(f for f in project.files if f not in domain_files))
        self.flows = [*project.stories, *project.rules]
        self.max_history = max_history or DEFAULT_MAX_HISTORY
        self.report = ValidationReport()

    def _declared(self, section: str, name: str) -> tuple[str | None, int | None]:
        return self.where_declared.get((section, name), (None, None))

    def run(self) -> ValidationReport:
        """Run all checks and return the report."""
        from engine.data.validate_flows import check_flows

        self.check_intents()
        self.check_examples()
        self.check_entities()
        self.check_actions_and_responses()
        self.check_slots()
        check_flows(self.project, self.domain, self.report, self.max_history)
        return self.report

    def check_intents(self) -> None:
        """Intents used in NLU data or stories must be declared; declared ones should be used."""
        declared = set(self.domain.intent_properties)
        in_nlu: dict[str, LocatedExample] = {}
        for example in self.examples:
            base = example.intent.split(c.RETRIEVAL_SEPARATOR, 1)[0]
            in_nlu.setdefault(base, example)
        for intent, example in in_nlu.items():
            if intent not in declared:
                self.report.add(ERROR, f"intent '{intent}' has NLU examples but is not listed in the domain "
                                       "(add it under 'intents:').", (example.file, example.line))
        in_flows: dict[str, Story] = {}
        for story in self.flows:
            for step in _user_steps(story):
                if step.get("intent"):
                    in_flows.setdefault(step["intent"].split(c.RETRIEVAL_SEPARATOR, 1)[0], story)
        for intent, story in in_flows.items():
            if intent not in declared:
                self.report.add(ERROR, f"intent '{intent}' is used in {story.kind} '{story.name}' but is not "
                                       "listed in the domain.", _story_where(story))
        for intent in sorted(declared - set(c.DEFAULT_INTENTS)):
            if intent not in in_nlu and self.project.nlu.examples:
                self.report.add(WARNING, f"intent '{intent}' is listed in the domain but has no NLU examples.",
                                self._declared("intents", intent))
            if intent not in in_flows and self.flows:
                self.report.add(WARNING, f"intent '{intent}' is not used in any story or rule.",
                                self._declared("intents", intent))

    def check_examples(self) -> None:
        """The same example text must not appear twice (in one intent or across intents).

        The same text under two intents is an error; texts that differ only
        in letter case under two intents are a warning (featurizers lowercase,
        so the classifier sees one text with two labels).
        """
        exact: dict[str, LocatedExample] = {}
        folded: dict[str, LocatedExample] = {}
        for example in self.examples:
            first = exact.get(example.text)
            similar = folded.get(example.text.lower())
            exact.setdefault(example.text, example)
            folded.setdefault(example.text.lower(), example)
            where = (example.file, example.line)
            if first is not None:
                if first.intent != example.intent:
                    self.report.add(ERROR, f"example '{example.text}' is labelled '{example.intent}' here and "
                                           f"'{first.intent}' at {_at(first)}; an example can have only one intent.",
                                    where)
                else:
                    self.report.add(WARNING, f"example '{example.text}' of intent '{example.intent}' is repeated "
                                             f"(first at {_at(first)}).", where)
            elif similar is not None and similar.intent != example.intent:
                self.report.add(WARNING, f"example '{example.text}' ('{example.intent}') differs only in letter "
                                         f"case from '{similar.text}' ('{similar.intent}') at {_at(similar)}.", where)

    def check_entities(self) -> None:
        """Entities annotated in NLU data or stories must be declared."""
        declared = set(self.domain.entities)
        reported: set[str] = set()
        for example in self.examples:
            for entity in example.entities:
                if entity not in declared and entity not in reported:
                    reported.add(entity)
                    self.report.add(ERROR, f"entity '{entity}' is annotated in NLU data but is not listed in the "
                                           "domain (add it under 'entities:').", (example.file, example.line))
        for story in self.flows:
            for step in _user_steps(story):
                for entity in step.get("entities") or []:
                    name = entity.get("entity")
                    if name and name not in declared and name not in reported:
                        reported.add(name)
                        self.report.add(ERROR, f"entity '{name}' is used in {story.kind} '{story.name}' but is "
                                               "not listed in the domain.", _story_where(story))
        annotated = {e for ex in self.examples for e in ex.entities}
        mapped = {m.get("entity") for slot in self.domain.slots.values() for m in slot.mappings}
        for entity in sorted(declared - annotated - mapped):
            if self.examples:
                self.report.add(WARNING, f"entity '{entity}' is listed in the domain but never annotated in "
                                         "NLU data.", self._declared("entities", entity))

    def check_actions_and_responses(self) -> None:
        """Actions in stories must exist; utterances need responses; responses should be used."""
        known = set(self.domain.action_names)
        used: set[str] = set()
        for story in self.flows:
            for step in _steps(story, "action"):
                action = step["action"]
                used.add(action)
                if action in known or action == c.RULE_SNIPPET_ACTION:
                    continue
                if action.startswith(c.UTTER_PREFIX):
                    problem = f"has no response in the domain (add '{action}' under 'responses:')"
                else:
                    problem = "is not listed in the domain (add it under 'actions:')"
                self.report.add(ERROR, f"action '{action}' used in {story.kind} '{story.name}' {problem}.",
                                _story_where(story))
        for form in self.domain.forms.values():
            used.update(f"{c.UTTER_PREFIX}ask_{slot}" for slot in form.get("required_slots", []))
        used.update(f"{c.UTTER_PREFIX}{intent}" for intent in self.domain.retrieval_intents)
        used.update(DEFAULT_ACTION_RESPONSES)
        for response in sorted(self.domain.responses):
            base = response.split(c.RETRIEVAL_SEPARATOR, 1)[0]
            if self.flows and response not in used and base not in used and response not in c.DEFAULT_ACTION_NAMES:
                self.report.add(WARNING, f"response '{response}' is not used in any story, rule or form.",
                                self._declared("responses", response))
        for action in self.domain.custom_actions:
            if (
                self.flows
                and action not in used
                and not action.startswith(("validate_", c.UTTER_PREFIX))  # utterances: checked as responses
                and action not in c.DEFAULT_ACTION_NAMES
            ):
                self.report.add(WARNING, f"action '{action}' is listed in the domain but not used in any story "
                                         "or rule.", self._declared("actions", action))

    def check_slots(self) -> None:
        """Slot mappings must name known intents/entities; every slot should be settable."""
        intents = set(self.domain.intent_properties)
        entities = set(self.domain.entities)
        set_in_flows = {item["name"] for story in self.flows for step in _steps(story, "slot_was_set")
                        for item in step["slot_was_set"]}
        in_forms = {slot for form in self.domain.forms.values() for slot in form.get("required_slots", [])}
        for name in sorted(in_forms - set(self.domain.slots)):
            self.report.add(ERROR, f"slot '{name}' is required by a form but not defined under 'slots:'.",
                            self._declared("forms", next(f for f, v in self.domain.forms.items()
                                                         if name in v.get("required_slots", []))))
        has_custom_code = bool(self.domain.custom_actions)
        for name, slot in self.domain.slots.items():
            if name in (c.REQUESTED_SLOT, c.SESSION_START_METADATA_SLOT):
                continue  # filled by Parley itself
            where = self._declared("slots", name)
            for mapping in slot.mappings:
                for key, known, kind in (("entity", entities, "entity"), ("intent", intents, "intent"),
                                         ("not_intent", intents, "intent")):
                    values = mapping.get(key)
                    for value in values if isinstance(values, list) else ([values] if values else []):
                        if value not in known:
                            self.report.add(ERROR, f"slot '{name}' has a mapping with unknown {kind} '{value}'.",
                                            where)
            settable = any(m.get("type") != "custom" for m in slot.mappings) or (
                self.domain.is_legacy and slot.auto_fill and name in entities
            )
            if not settable and name not in set_in_flows and not has_custom_code:
                self.report.add(WARNING, f"slot '{name}' is never set: it has no mapping that fills it, no story "
                                         "or rule sets it and the domain lists no custom action.", where)


def validate_paths(
    config: str | Path | None, domain: str | Path | None, data: Sequence[str | Path], *, max_history: int | None = None
) -> ValidationReport:
    """Load a project from files and validate it.

    A missing config file is fine (only the data is checked). A project
    that does not load (bad YAML, wrong shapes) gives a report with that
    one error and its location.
    """
    import tempfile

    from engine.data.domain_yaml import read_domain_path
    from engine.data.loader import load_project
    from engine.errors import DataError

    try:
        with tempfile.TemporaryDirectory(prefix="parley-validate-") as tmp:
            if not (config and Path(config).is_file()):
                config = Path(tmp) / "config.yml"
                config.write_text("{}\n", encoding="utf-8")
            project = load_project(config, domain, data)
        domain_files = read_domain_path(domain)[1] if domain and Path(domain).exists() else []
    except DataError as ex:
        report = ValidationReport()
        report.add(ERROR, ex.problem, (ex.file, ex.line))
        return report
    return Validator(project, domain_files, max_history=max_history).run()
