"""Project fingerprints: stable across reloads, changed by content changes only."""
from __future__ import annotations

import shutil
from pathlib import Path

from engine.data.fingerprint import content_hash, project_fingerprint
from engine.data.loader import load_project


def test_fingerprint_has_the_four_parts_as_sha256_hex(tinybot: Path):
    fingerprint = project_fingerprint(load_project(root=tinybot))
    assert set(fingerprint) == {"config", "domain", "nlu", "stories"}
    assert all(len(v) == 64 and int(v, 16) >= 0 for v in fingerprint.values())


def test_fingerprint_is_stable_across_reloads_and_locations(tinybot: Path, tmp_path: Path):
    first = project_fingerprint(load_project(root=tinybot))
    assert project_fingerprint(load_project(root=tinybot)) == first
    moved = shutil.copytree(tinybot, tmp_path / "elsewhere")
    assert project_fingerprint(load_project(root=moved)) == first


def test_comment_changes_do_not_change_the_fingerprint(tinybot: Path):
    before = project_fingerprint(load_project(root=tinybot))
    stories = tinybot / "data" / "stories.yml"
    stories.write_text("# a new comment line\n" + stories.read_text(encoding="utf-8"), encoding="utf-8")
    assert project_fingerprint(load_project(root=tinybot)) == before


def test_only_the_changed_part_changes(tinybot: Path):
    before = project_fingerprint(load_project(root=tinybot))
    nlu = tinybot / "data" / "nlu.yml"
    nlu.write_text(nlu.read_text(encoding="utf-8").replace("- hi bot", "- hi robot"), encoding="utf-8")
    after_nlu = project_fingerprint(load_project(root=tinybot))
    assert after_nlu["nlu"] != before["nlu"]
    assert {k: after_nlu[k] for k in ("config", "domain", "stories")} == {
        k: before[k] for k in ("config", "domain", "stories")
    }

    rules = tinybot / "data" / "rules.yml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("utter_iamabot", "utter_greet"), encoding="utf-8")
    after_rules = project_fingerprint(load_project(root=tinybot))
    assert after_rules["stories"] != after_nlu["stories"]
    assert after_rules["domain"] == after_nlu["domain"]

    config = tinybot / "config.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("epochs: 20", "epochs: 21", 1), encoding="utf-8")
    assert project_fingerprint(load_project(root=tinybot))["config"] != after_rules["config"]

    domain = tinybot / "domain.yml"
    domain.write_text(domain.read_text(encoding="utf-8").replace("See you soon!", "Bye!"), encoding="utf-8")
    assert project_fingerprint(load_project(root=tinybot))["domain"] != after_rules["domain"]


def test_content_hash_ignores_key_order_but_not_key_types():
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({1: "x"}) != content_hash({"1": "x"})
