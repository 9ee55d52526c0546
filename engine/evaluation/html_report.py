"""One self-contained HTML page summarising the report files of a results folder.

The page is built from the files themselves (``intent_report.json``,
``story_report.json``, ``failed_test_stories.yml``, the PNGs...), so
``parley test nlu`` and ``parley test core`` run one after the other into
the same folder give one page covering both. Pictures are embedded as data
URIs (the page works when mailed or archived alone) and link to the PNG
files beside it.
"""
from __future__ import annotations

import base64
import html
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

REPORT_FILE = "report.html"
MAX_ERRORS_SHOWN = 50
AVERAGE_ROWS = ("accuracy", "macro avg", "weighted avg", "micro avg", "conversation_accuracy")
NON_ENTITY_REPORTS = {"intent_report.json", "response_selection_report.json", "story_report.json"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:70rem;color:#1d2433;padding:0 1rem}
h1{font-size:1.6rem}h2{border-bottom:2px solid #e3e7ef;padding-bottom:.3rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}th,td{padding:.3rem .7rem;border-bottom:1px solid #e3e7ef;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.bad{color:#b3261e}.good{color:#146c2e}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#f4f6fa;border-radius:.5rem;padding:.8rem 1.2rem}
.card b{display:block;font-size:1.5rem}img{max-width:100%;border:1px solid #e3e7ef;border-radius:.3rem}
pre{background:#f4f6fa;padding:1rem;overflow:auto;font-size:.85rem}
"""


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else _e(value)


def _image(folder: Path, name: str, alt: str) -> str:
    path = folder / name
    if not path.is_file():
        return ""
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<p><a href="{_e(name)}"><img alt="{_e(alt)}" src="data:image/png;base64,{data}"></a></p>'


def _cards(items: list[tuple[str, Any]]) -> str:
    cards = "".join(f'<div class="card">{_e(label)}<b>{_num(value)}</b></div>' for label, value in items)
    return f'<div class="cards">{cards}</div>'


def _label_table(report: dict[str, Any]) -> str:
    rows = []
    for label, row in report.items():
        if label in AVERAGE_ROWS or not isinstance(row, dict):
            continue
        confused = ", ".join(f"{k} ({v})" for k, v in (row.get("confused_with") or {}).items())
        f1 = row.get("f1-score", 0.0)
        css = "good" if f1 >= 0.9 else ("bad" if f1 < 0.6 else "")
        rows.append(
            f"<tr><td>{_e(label)}</td><td class='num'>{_num(row.get('precision'))}</td>"
            f"<td class='num'>{_num(row.get('recall'))}</td><td class='num {css}'>{_num(f1)}</td>"
            f"<td class='num'>{_e(row.get('support'))}</td><td>{_e(confused)}</td></tr>"
        )
    head = "<tr><th>label</th><th>precision</th><th>recall</th><th>f1-score</th><th>support</th><th>confused with</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>"


def _headline(report: dict[str, Any]) -> str:
    weighted = report.get("weighted avg") or {}
    items: list[tuple[str, Any]] = []
    if "accuracy" in report:
        items.append(("accuracy", report["accuracy"]))
    items += [("weighted precision", weighted.get("precision", 0.0)), ("weighted f1", weighted.get("f1-score", 0.0)),
              ("macro f1", (report.get("macro avg") or {}).get("f1-score", 0.0)), ("support", weighted.get("support", 0))]
    return _cards(items)


def _errors_table(errors: list[dict[str, Any]], kind: str) -> str:
    if not errors:
        return "<p class='good'>No errors.</p>"
    rows = []
    for error in errors[:MAX_ERRORS_SHOWN]:
        if kind == "intent":
            predicted = error.get("intent_prediction") or {}
            rows.append(f"<tr><td>{_e(error.get('text'))}</td><td>{_e(error.get('intent'))}</td>"
                        f"<td class='bad'>{_e(predicted.get('name'))}</td><td class='num'>{_num(predicted.get('confidence'))}</td></tr>")
        elif kind == "response":
            predicted = error.get("intent_response_key_prediction") or {}
            rows.append(f"<tr><td>{_e(error.get('text'))}</td><td>{_e(error.get('intent_response_key_target'))}</td>"
                        f"<td class='bad'>{_e(predicted.get('name'))}</td><td class='num'>{_num(predicted.get('confidence'))}</td></tr>")
        else:
            gold = ", ".join(f"{x.get('value')} ({x.get('entity')})" for x in error.get("entities") or [])
            found = ", ".join(f"{x.get('value')} ({x.get('entity')})" for x in error.get("predicted_entities") or [])
            rows.append(f"<tr><td>{_e(error.get('text'))}</td><td>{_e(gold)}</td><td class='bad'>{_e(found)}</td><td></td></tr>")
    more = f"<p>... and {len(errors) - MAX_ERRORS_SHOWN} more in the JSON file.</p>" if len(errors) > MAX_ERRORS_SHOWN else ""
    head = "<tr><th>text</th><th>expected</th><th>predicted</th><th>confidence</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>{more}"


def _task_section(folder: Path, prefix: str, title: str, kind: str) -> str:
    report = _read_json(folder / f"{prefix}_report.json")
    if not isinstance(report, dict):
        return ""
    parts = [f"<h2>{_e(title)}</h2>", _headline(report), _label_table(report)]
    parts.append(_image(folder, f"{prefix}_confusion_matrix.png", f"{title} confusion matrix"))
    parts.append(_image(folder, f"{prefix}_histogram.png", f"{title} confidence histogram"))
    errors = _read_json(folder / f"{prefix}_errors.json")
    if isinstance(errors, list):
        parts.append(f"<h3>Errors ({len(errors)}) <small><a href='{_e(prefix)}_errors.json'>JSON</a></small></h3>")
        parts.append(_errors_table(errors, kind))
    return "".join(parts)


def _core_section(folder: Path) -> str:
    report = _read_json(folder / "story_report.json")
    if not isinstance(report, dict):
        return ""
    conversations = report.get("conversation_accuracy") or {}
    parts = ["<h2>Stories</h2>",
             _cards([("stories correct", f"{conversations.get('correct', 0)} / {conversations.get('total', 0)}"),
                     ("conversation accuracy", conversations.get("accuracy", 0.0)),
                     ("action accuracy", report.get("accuracy", 0.0)),
                     ("weighted f1", (report.get("weighted avg") or {}).get("f1-score", 0.0))]),
             _label_table(report), _image(folder, "story_confusion_matrix.png", "Action confusion matrix")]
    failed = folder / "failed_test_stories.yml"
    if failed.is_file():
        parts.append("<h3>Failed stories <small><a href='failed_test_stories.yml'>YAML</a></small></h3>")
        parts.append(f"<pre>{_e(failed.read_text(encoding='utf-8'))}</pre>")
    return "".join(parts)


def write_html_report(folder: Path, title: str = "Parley test report") -> Path:
    """Build ``report.html`` in ``folder`` from the report files found there."""
    sections = [_task_section(folder, "intent", "Intents", "intent")]
    for path in sorted(folder.glob("*_report.json")):
        if path.name not in NON_ENTITY_REPORTS:
            extractor = path.name[: -len("_report.json")]
            sections.append(_task_section(folder, extractor, f"Entities ({extractor})", "entity"))
    sections.append(_task_section(folder, "response_selection", "Response selection", "response"))
    sections.append(_core_section(folder))
    body = "".join(s for s in sections if s) or "<p>No report files found in this folder.</p>"
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'><title>{_e(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{_e(title)}</h1><p>Generated {stamp}.</p>{body}</body></html>\n"
    )
    path = folder / REPORT_FILE
    path.write_text(page, encoding="utf-8")
    return path
