"""The domain: intents, entities, slots, responses, actions, forms, sessions.

:meth:`Domain.from_dict` reads the raw domain dict in Rasa's YAML layout
(2.0 or 3.x) as the data loader produces it; :meth:`Domain.as_dict` gives
back Rasa 3.x's ``GET /domain`` JSON. ``action_names`` is the policies'
action space in Rasa's order: default actions first.
"""
from __future__ import annotations

import copy
import logging
from typing import Any

from engine.conversation import constants as c
from engine.conversation.slots import Slot
from engine.errors import DataError

logger = logging.getLogger(__name__)


def _name_and_props(item: Any, section: str) -> tuple[str, dict[str, Any]]:
    """Split a list entry that is either ``name`` or ``{name: {props}}``."""
    if isinstance(item, str):
        return item, {}
    if isinstance(item, dict) and len(item) == 1:
        name, props = next(iter(item.items()))
        if props is None:
            raise DataError(
                f"'{section}' entry '{name}:' has a colon but no properties; remove the colon."
            )
        if not isinstance(props, dict):
            raise DataError(f"'{section}' entry '{name}' must map to a dictionary of properties.")
        return str(name), props
    raise DataError(f"Invalid '{section}' entry: {item!r}.")


def _as_list(raw: dict[str, Any], key: str) -> list[Any]:
    value = raw.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise DataError(f"Domain section '{key}' must be a list.")
    return value


def _as_dict(raw: dict[str, Any], key: str) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DataError(f"Domain section '{key}' must be a mapping.")
    return value


class Domain:
    """A parsed domain (see module docstring).

    Attributes:
        version: The domain's format version string.
        is_legacy: True for a 2.x domain (auto-fill slot filling).
        intent_properties: Intent name -> properties incl. ``used_entities``.
        entities: Entity names.
        entity_roles: Entity name -> roles.
        entity_groups: Entity name -> groups.
        slots: Slot name -> :class:`Slot` (templates; trackers copy them).
        responses: Response name -> list of variations.
        custom_actions: Actions listed in ``actions`` (in file order).
        forms: Form name -> ``{"required_slots": [...], "ignored_intents":
            [...], "slot_mappings": {slot: [mapping]}}`` (mappings: 2.x only).
        e2e_actions: End-to-end bot texts.
        session_expiration_time: Minutes; 0 disables expiry.
        carry_over_slots: Whether slots survive a new session.
        store_entities_as_slots: 2.x auto-fill switch.
        action_names: The full action space (see module docstring).
    """

    def __init__(self, raw: dict[str, Any]) -> None:
        if not isinstance(raw, dict):
            raise DataError("The domain must be a mapping of sections.")
        self._raw = copy.deepcopy(raw)
        version = raw.get("version")
        self.version = str(version) if version is not None else c.LATEST_DOMAIN_VERSION
        self.forms = self._read_forms(_as_dict(raw, "forms"))
        self.is_legacy = self._major(self.version) < 3 or any(
            form["slot_mappings"] for form in self.forms.values()
        )
        config = _as_dict(raw, "config")
        self.store_entities_as_slots = bool(config.get("store_entities_as_slots", True))
        self._read_entities(_as_list(raw, "entities"))
        self.responses = self._read_responses(_as_dict(raw, "responses"))
        self._read_intents(_as_list(raw, "intents"))
        self.custom_actions, self.actions_with_domain = self._read_actions(_as_list(raw, "actions"))
        self.e2e_actions = [str(text) for text in _as_list(raw, "e2e_actions")]
        self._read_session_config(_as_dict(raw, "session_config"))
        self.slots = self._read_slots(_as_dict(raw, "slots"))
        self.action_names = self._build_action_names()
        self._action_index = {name: i for i, name in enumerate(self.action_names)}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Domain:
        """Parse a raw domain dict (2.0 or 3.x layout).

        Raises:
            DataError: A section is malformed.
        """
        return cls(raw)

    @classmethod
    def empty(cls) -> Domain:
        """Return a domain with nothing but the defaults."""
        return cls({})

    @staticmethod
    def _major(version: str) -> int:
        try:
            return int(version.split(".", 1)[0])
        except ValueError:
            return 3

    # -- parsing -----------------------------------------------------------

    def _read_entities(self, items: list[Any]) -> None:
        self.entities: list[str] = []
        self.entity_roles: dict[str, list[str]] = {}
        self.entity_groups: dict[str, list[str]] = {}
        self._non_influencing_entities: set[str] = set()
        for item in items:
            name, props = _name_and_props(item, "entities")
            if name in self.entities:
                continue
            self.entities.append(name)
            self.entity_roles[name] = [str(r) for r in props.get("roles") or []]
            self.entity_groups[name] = [str(g) for g in props.get("groups") or []]
            if props.get("influence_conversation") is False:
                self._non_influencing_entities.add(name)

    def _read_intents(self, items: list[Any]) -> None:
        self.intent_properties: dict[str, dict[str, Any]] = {}
        self.user_intents: list[str] = []
        for item in items:
            name, props = _name_and_props(item, "intents")
            if name in self.intent_properties:
                logger.warning("intent %r is listed twice in the domain", name)
            else:
                self.user_intents.append(name)
            self.intent_properties[name] = dict(props, used_entities=self._used_entities(name, props))
        for name in c.DEFAULT_INTENTS:
            if name not in self.intent_properties:
                self.intent_properties[name] = {"used_entities": self._used_entities(name, {})}
        for name in self.retrieval_intents:
            self.intent_properties.setdefault(name, {"used_entities": self._used_entities(name, {})})
            self.intent_properties[name]["is_retrieval_intent"] = True

    def _used_entities(self, intent: str, props: dict[str, Any]) -> list[str]:
        use = props.get("use_entities", True)
        ignore = props.get("ignore_entities") or []
        if not isinstance(ignore, list):
            raise DataError(f"Intent '{intent}': 'ignore_entities' must be a list.")
        if use is True or use is None:
            base = list(self.entities)
        elif use is False:
            base = []
        elif isinstance(use, list):
            base = [str(e) for e in use]
        else:
            raise DataError(f"Intent '{intent}': 'use_entities' must be true, false or a list.")
        wanted = [
            e for e in base if e not in ignore and e not in self._non_influencing_entities
        ]
        labels = set(wanted)
        for entity in wanted:
            labels.update(f"{entity}{c.ENTITY_LABEL_SEPARATOR}{r}" for r in self.entity_roles.get(entity, []))
            labels.update(f"{entity}{c.ENTITY_LABEL_SEPARATOR}{g}" for g in self.entity_groups.get(entity, []))
        return sorted(labels)

    @staticmethod
    def _read_responses(section: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        responses: dict[str, list[dict[str, Any]]] = {}
        for name, variations in section.items():
            if isinstance(variations, dict):
                variations = [variations]
            if not isinstance(variations, list) or not variations:
                raise DataError(f"Response '{name}' must be a non-empty list of variations.")
            checked = []
            for variation in variations:
                if isinstance(variation, str):
                    variation = {"text": variation}
                if not isinstance(variation, dict):
                    raise DataError(f"Response '{name}': every variation must be a mapping.")
                checked.append(copy.deepcopy(variation))
            responses[str(name)] = checked
        return responses

    @staticmethod
    def _read_actions(items: list[Any]) -> tuple[list[str], set[str]]:
        names: list[str] = []
        with_domain: set[str] = set()
        for item in items:
            name, props = _name_and_props(item, "actions")
            if name not in names:
                names.append(name)
            if props.get("send_domain"):
                with_domain.add(name)
        return names, with_domain

    @staticmethod
    def _read_forms(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
        forms: dict[str, dict[str, Any]] = {}
        for name, props in section.items():
            props = props or {}
            if not isinstance(props, dict):
                raise DataError(f"Form '{name}' must be a mapping of its properties.")
            ignored = props.get("ignored_intents") or []
            if isinstance(ignored, str):
                ignored = [ignored]
            required = props.get("required_slots")
            mappings: dict[str, list[dict[str, Any]]] = {}
            if required is None:
                # Oldest 2.0 layout: the form maps slot names to mappings directly.
                required = {k: v for k, v in props.items() if k != "ignored_intents"}
            if isinstance(required, dict):
                mappings = {str(k): list(v or []) for k, v in required.items()}
                slot_names = list(mappings)
            elif isinstance(required, list):
                slot_names = [str(s) for s in required]
            else:
                raise DataError(f"Form '{name}': 'required_slots' must be a list or a mapping.")
            forms[str(name)] = {
                "required_slots": slot_names,
                "ignored_intents": [str(i) for i in ignored],
                "slot_mappings": mappings,
            }
        return forms

    def _read_session_config(self, section: dict[str, Any]) -> None:
        expiration = section.get("session_expiration_time", c.DEFAULT_SESSION_EXPIRATION_MINUTES)
        if expiration is None:
            expiration = c.DEFAULT_SESSION_EXPIRATION_MINUTES
        if isinstance(expiration, bool) or not isinstance(expiration, (int, float)):
            raise DataError("session_config: 'session_expiration_time' must be a number of minutes.")
        carry = section.get("carry_over_slots_to_new_session", c.DEFAULT_CARRY_OVER_SLOTS)
        self.session_expiration_time: float = expiration if expiration > 0 else 0
        self.carry_over_slots = bool(c.DEFAULT_CARRY_OVER_SLOTS if carry is None else carry)

    def _read_slots(self, section: dict[str, Any]) -> dict[str, Slot]:
        slots: dict[str, Slot] = {}
        for name, props in section.items():
            slots[str(name)] = Slot.from_dict(str(name), props, legacy=self.is_legacy)
        if self.forms and c.REQUESTED_SLOT not in slots:
            slots[c.REQUESTED_SLOT] = Slot(c.REQUESTED_SLOT, "text", influence_conversation=False)
        if c.KNOWLEDGE_BASE_ACTION in self.custom_actions:
            for name in c.KNOWLEDGE_BASE_SLOTS:
                if name not in slots:
                    slots[name] = Slot(name, "any")
        if c.SESSION_START_METADATA_SLOT not in slots:
            slots[c.SESSION_START_METADATA_SLOT] = Slot(c.SESSION_START_METADATA_SLOT, "any")
        return slots

    def _build_action_names(self) -> list[str]:
        user = [a for a in self.custom_actions if a not in c.DEFAULT_ACTION_NAMES]
        for intent in self.retrieval_intents:
            action = f"{c.UTTER_PREFIX}{intent}"
            if action not in user:
                user.append(action)
        user += [
            name
            for name in sorted(self.responses)
            if name not in user and c.RETRIEVAL_SEPARATOR not in name and name not in c.DEFAULT_ACTION_NAMES
        ]
        forms = [f for f in self.forms if f not in user and f not in c.DEFAULT_ACTION_NAMES]
        texts = [t for t in self.e2e_actions if t not in user]
        return list(c.DEFAULT_ACTION_NAMES) + user + forms + texts

    # -- queries -----------------------------------------------------------

    @property
    def intents(self) -> list[str]:
        """Return all intent names: the domain's, then missing defaults."""
        return list(self.intent_properties)

    @property
    def form_names(self) -> list[str]:
        """Return the form names in domain order."""
        return list(self.forms)

    @property
    def user_actions(self) -> list[str]:
        """Return custom and response actions (no defaults, forms or texts)."""
        skip = set(c.DEFAULT_ACTION_NAMES) | set(self.forms) | set(self.e2e_actions)
        listed = [a for a in self.action_names if a not in skip]
        return listed + [f for f in self.forms if f in self.custom_actions and f not in listed]

    @property
    def retrieval_intents(self) -> list[str]:
        """Return retrieval intents: from ``utter_<intent>/<key>`` responses or flagged intents."""
        found: list[str] = []
        for name in self.responses:
            if name.startswith(c.UTTER_PREFIX) and c.RETRIEVAL_SEPARATOR in name:
                intent = name[len(c.UTTER_PREFIX):].split(c.RETRIEVAL_SEPARATOR, 1)[0]
                if intent not in found:
                    found.append(intent)
        for name, props in getattr(self, "intent_properties", {}).items():
            if props.get("is_retrieval_intent") and name not in found:
                found.append(name)
        return found

    def is_retrieval_intent(self, intent: str) -> bool:
        """Return whether ``intent`` is a retrieval intent (``faq`` of ``faq/x``)."""
        return intent.split(c.RETRIEVAL_SEPARATOR, 1)[0] in self.retrieval_intents

    def used_entities(self, intent: str | None) -> list[str] | None:
        """Return the entity labels featurized for ``intent`` (None: all)."""
        props = self.intent_properties.get(intent or "")
        return None if props is None else props["used_entities"]

    def index_for_action(self, name: str) -> int | None:
        """Return the index of ``name`` in :attr:`action_names`, or None."""
        return self._action_index.get(name)

    def new_slots(self) -> list[Slot]:
        """Return fresh copies of all slots for a new tracker."""
        return [slot.copy() for slot in self.slots.values()]

    def slots_for_entities(self, entities: list[dict[str, Any]]) -> list[tuple[str, Any]]:
        """Return ``(slot, value)`` pairs entities set implicitly in stories.

        3.x: slots with an unconditional ``from_entity`` mapping whose
        entity/role/group match exactly; 2.x: auto-filled slots named like
        the entity. List slots get all values, others the last one.
        """
        if not self.store_entities_as_slots:
            return []
        found = []
        for slot in self.slots.values():
            values = [e.get("value") for e in entities if self._entity_fills(slot, e)]
            if values:
                found.append((slot.name, values if slot.type_name == "list" else values[-1]))
        return found

    def _entity_fills(self, slot: Slot, entity: dict[str, Any]) -> bool:
        if self.is_legacy:
            return slot.auto_fill and entity.get("entity") == slot.name
        for mapping in slot.mappings:
            if mapping.get("type") != "from_entity" or mapping.get("conditions"):
                continue
            if all(entity.get(k) == mapping.get(k) for k in ("entity", "role", "group")):
                return True
        return False

    def as_dict(self) -> dict[str, Any]:
        """Return Rasa 3.x's ``GET /domain`` JSON for this domain."""
        out = {
            key: value
            for key, value in copy.deepcopy(self._raw).items()
            if value not in ({}, [], None)
        }
        if isinstance(out.get("intents"), list):
            out["intents"] = sorted(
                out["intents"], key=lambda i: i if isinstance(i, str) else str(next(iter(i)))
            )
        if "session_config" not in out:
            out["session_config"] = {
                "session_expiration_time": self.session_expiration_time,
                "carry_over_slots_to_new_session": self.carry_over_slots,
            }
        if "version" not in out:
            out["version"] = c.LATEST_DOMAIN_VERSION
        if not self.store_entities_as_slots:
            out.setdefault("config", {})["store_entities_as_slots"] = False
        return out
