"""``parley data validate`` checks: each problem reported with its file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli.main import main
from engine.data.validate import ERROR, WARNING, validate_paths
from tests.conftest import FIXTURES

DOMAIN = """\
version: "3.1"
intents:
  - greet
  - goodbye
  - unused_intent
entities:
  - city
slots:
  mood:
    type: text
    mappings:
      - type: custom
  city:
    type: text
    mappings:
      - type: from_entity
        entity: town
responses:
  utter_greet:
    - text: hi
  utter_goodbye:
    - text: bye
  utter_unused:
    - text: never said
"""

NLU = """\
version: "3.1"
nlu:
- intent: greet
  examples: |
    - hello
    - hello
- intent: goodbye
  examples: |
    - bye
    - hello
- intent: thank
  examples: |
    - thanks [Rome](place)
"""

STORIES = """\
version: "3.1"
stories:
- story: greet
  steps:
  - intent: greet
  - action: utter_greet
- story: ask
  steps:
  - intent: ask_weather
  - action: action_check_weather
  - action: utter_weather
"""


def _project(root: Path, domain: str, files: dict[str, str]) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "domain.yml").write_text(domain)
    for name, text in files.items():
        (root / "data" / name).write_text(text)
    return root


def _validate(root: Path):  # type: ignore[no-untyped-def]
    return validate_paths(None, root / "domain.yml", [root / "data"])


def _find(report, level: str, *words: str):  # type: ignore[no-untyped-def]
    hits = [f for f in report.findings if f.level == level and all(w in f.message for w in words)]
    assert hits, f"no {level} with {words}; got:\n" + "\n".join(map(str, report.findings))
    return hits[0]


def test_every_kind_of_problem_is_found_with_file_and_line(tmp_path: Path) -> None:
    root = _project(tmp_path, DOMAIN, {"nlu.yml": NLU, "stories.yml": STORIES})
    report = _validate(root)
    nlu, stories, domain = str(root / "data" / "nlu.yml"), str(root / "data" / "stories.yml"), str(root / "domain.yml")

    undeclared = _find(report, ERROR, "intent 'thank'", "not listed in the domain")
    assert (undeclared.file, undeclared.line) == (nlu, 13)
    clash = _find(report, ERROR, "example 'hello'", "labelled 'goodbye'")
    assert (clash.file, clash.line) == (nlu, 10) and f"{nlu}:5" in clash.message
    repeated = _find(report, WARNING, "example 'hello' of intent 'greet' is repeated")
    assert repeated.line == 6
    assert _find(report, ERROR, "entity 'place'").file == nlu
    in_story = _find(report, ERROR, "intent 'ask_weather'", "story 'ask'")
    assert (in_story.file, in_story.line) == (stories, 7)
    assert _find(report, ERROR, "action 'action_check_weather'", "under 'actions:'").line == 7
    assert _find(report, ERROR, "action 'utter_weather'", "no response").file == stories
    unused = _find(report, WARNING, "response 'utter_unused'")
    assert (unused.file, unused.line) == (domain, 23)
    assert _find(report, WARNING, "intent 'unused_intent'", "no NLU examples").line == 5
    assert _find(report, WARNING, "slot 'mood' is never set").line == 9
    assert _find(report, ERROR, "slot 'city'", "unknown entity 'town'").file == domain
    assert str(unused) == f"{domain}:23: warning: response 'utter_unused' is not used in any story, rule or form."


def test_contradicting_stories_and_rules_are_errors(tmp_path: Path) -> None:
    stories = STORIES.split("- story: ask")[0] + (
        "- story: greet then goodbye\n  steps:\n  - intent: greet\n  - action: utter_greet\n"
        "  - intent: goodbye\n  - action: utter_greet\n"
        "- story: greet twice\n  steps:\n  - intent: greet\n  - action: utter_goodbye\n"
    )
    rules = 'version: "3.1"\nrules:\n- rule: say bye\n  steps:\n  - intent: goodbye\n  - action: utter_goodbye\n'
    root = _project(tmp_path, DOMAIN, {"stories.yml": stories, "rules.yml": rules})
    report = _validate(root)
    conflict = _find(report, ERROR, "stories conflict after 'greet'", "'utter_greet'", "'utter_goodbye'")
    assert conflict.file == str(root / "data" / "stories.yml")
    contradiction = _find(report, ERROR, "story 'greet then goodbye'", "rule(s) 'say bye'")
    assert contradiction.line == 7


def test_a_consistent_project_passes_and_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    bot = FIXTURES / "bots" / "chatbot"
    code = main(["data", "validate", "--domain", str(bot / "domain.yml"), "--data", str(bot / "data"),
                 "--config", str(bot / "config.yml")])
    assert code == 0
    assert "no problems found" in capsys.readouterr().out


def test_errors_give_a_nonzero_exit_and_readable_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path, DOMAIN, {"nlu.yml": NLU})
    assert main(["data", "validate", "--domain", str(root / "domain.yml"), "--data", str(root / "data")]) == 1
    out = capsys.readouterr().out
    assert f"{root / 'data' / 'nlu.yml'}:13: error: intent 'thank'" in out
    assert out.rstrip().splitlines()[-1].endswith("warnings.")


def test_warnings_only_fail_with_the_flag(tmp_path: Path) -> None:
    root = _project(tmp_path, DOMAIN.replace("  - unused_intent\n", "").replace("entity: town", "entity: city"),
                    {"nlu.yml": 'version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - hi\n    - hi\n'})
    argv = ["data", "validate", "--domain", str(root / "domain.yml"), "--data", str(root / "data")]
    assert main(argv) == 0
    assert main([*argv, "--fail-on-warnings"]) == 1


def test_broken_yaml_is_one_error_with_its_line(tmp_path: Path) -> None:
    root = _project(tmp_path, DOMAIN, {"nlu.yml": "nlu:\n- intent: greet\n  examples: [unclosed\n"})
    report = _validate(root)
    [finding] = report.findings
    assert finding.level == ERROR and finding.file == str(root / "data" / "nlu.yml") and finding.line
