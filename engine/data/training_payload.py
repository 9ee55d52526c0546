"""Load a project from one YAML document (the body of ``POST /model/train``).

Rasa 3.x accepts a single YAML document that holds the config keys
(``recipe``, ``language``, ``pipeline``, ``policies``...), the domain keys
(``intents``, ``responses``, ``slots``...) and the training data keys
(``nlu``, ``stories``, ``rules``) side by side. Rasa writes it to one file
and uses that file as config, domain and data, so ``responses`` count as
both domain and NLU responses here too.
"""
from __future__ import annotations

from typing import Any

from engine.data.assemble import ProjectAssembler
from engine.data.checks import expect
from engine.data.config_yaml import read_config_doc
from engine.data.domain_yaml import DOMAIN_KEYS, check_domain_doc
from engine.data.format_version import accept_format_version
from engine.data.types import Project
from engine.data.yaml_io import read_yaml_text, select_keys
from engine.errors import DataError

#: Name used for the payload in error messages.
PAYLOAD_NAME = "training payload"

_DATA_KEYS = ("nlu", "stories", "rules")
_DOMAIN_ONLY_KEYS = ("version", "config")


def load_project_from_yaml(text: str | bytes) -> Project:
    """Build a project from one YAML document with config, domain and data.

    Args:
        text: The YAML text (bytes are decoded as UTF-8).

    Raises:
        DataError: The body is empty, not valid YAML, not a mapping, or any
            section has the wrong shape; messages name the payload and line.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DataError("the training payload is not valid UTF-8 text", file=PAYLOAD_NAME) from None
    if not text.strip():
        raise DataError("the training payload is empty", file=PAYLOAD_NAME)
    doc = read_yaml_text(text, file=PAYLOAD_NAME)
    expect(doc, dict, "the training payload", file=PAYLOAD_NAME)
    if not accept_format_version(doc, file=PAYLOAD_NAME):
        raise DataError("the training payload's format version is not supported", file=PAYLOAD_NAME)
    return project_from_doc(doc, file=PAYLOAD_NAME)


def project_from_doc(doc: dict[str, Any], *, file: str | None) -> Project:
    """Split one loaded document into config, domain and data and build the project."""
    domain_keys = {*DOMAIN_KEYS, *_DOMAIN_ONLY_KEYS}
    domain_doc = select_keys(doc, domain_keys)
    config_doc = select_keys(doc, {k for k in doc if k not in domain_keys and k not in _DATA_KEYS})
    config = read_config_doc(config_doc, file=file)
    domain = check_domain_doc(domain_doc, file=file, strict_keys=False) if domain_doc else {}
    assembler = ProjectAssembler()
    data_doc = select_keys(doc, {*_DATA_KEYS, "responses"})
    # The version check already ran on the whole document.
    assembler.add_data_doc(data_doc, file=file)
    project = assembler.build(config, [(domain, None)])
    project.files = []
    return project
