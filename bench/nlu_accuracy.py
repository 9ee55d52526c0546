"""NLU accuracy benchmark: HWU64 (10 folds), BANKING77 and Sara, scored as the papers score.

Trains Parley's default NLU pipeline (what a config.yml without ``pipeline``
trains) and, with ``--encoder``, the same pipeline plus the packaged
sentence encoder, then prints one table: intent accuracy (= micro F1 with
one intent per utterance), entity F1 with overlap matching (the DIET paper's
HERMIT-style scoring; also as HERMIT's script counts it, see
:mod:`engine.nlu.scoring`), exact-span entity F1, Rasa's token-level entity
report (``rasa test nlu``'s weighted and micro F1), training time and the
median parse latency, with the published numbers beside them.

Scoring notes: the intent is the classifier's (when the FallbackClassifier
answered ``nlu_fallback`` the classifier's top intent is scored; the
fallback rate is printed), as the papers score classifiers without a
fallback. Sara is trained with its own config.yml minus the Duckling
extractor (no Duckling server here) and tested on ``tests/test_nlu.yml``.

    python -m bench.nlu_accuracy [--quick] [--encoder [--no-default]] [--only hwu64,banking77,sara] [--json FILE]
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import statistics
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
DATASETS = ("hwu64", "banking77", "sara")
QUICK_FOLDS = (1, 2)
FALLBACK = "nlu_fallback"

TARGETS = {
    ("hwu64", "default"): "intent >= 89.0, entity >= 85.5",
    ("hwu64", "encoder"): "intent >= 90.5, entity >= 86.5",
    ("banking77", "default"): "accuracy >= 92.5",
    ("banking77", "encoder"): "accuracy >= 93.8",
}
ANCHORS = [
    "HWU64 (10-fold mean, intent F1 / entity F1): DIET sparse 88.19 / 85.12; DIET + ConveRT 90.18 / 86.04;"
    " DIET + BERT 89.67 / 85.73 (Bunk et al. 2020)",
    "HWU64 fold 1 intent accuracy: USE+ConveRT 92.62, BERT-tuned 92.10; TF-IDF + LR baseline 87.92",
    "BANKING77 accuracy: BERT-large 93.66, USE+ConveRT 93.36, ConveRT 93.01; TF-IDF + LR baseline 91.40",
]


@dataclass
class Score:
    """The scores of one pipeline on one test set (one fold).

    Attributes:
        examples: Test examples scored.
        intent_accuracy: Share of examples whose (classifier) intent is right.
        fallback_rate: Share of examples the FallbackClassifier answered.
        ece: Expected calibration error of the top intent confidence.
        entity_overlap_f1 / entity_exact_f1: Entity F1 (overlap / exact span);
            None without gold entities.
        entity_hermit_f1: Overlap entity F1 as HERMIT's script computes it.
        rasa_token_f1 / rasa_token_micro_f1: Rasa's token-level entity
            report: weighted and micro F1 over entity labels.
        response_accuracy: Retrieval-intent examples with the right response.
        train_wall_s / train_cpu_s: Training time.
        parse_ms: Median ``NluPipeline.parse`` latency.
    """

    examples: int = 0
    intent_accuracy: float = 0.0
    fallback_rate: float = 0.0
    ece: float = 0.0
    entity_overlap_f1: float | None = None
    entity_exact_f1: float | None = None
    entity_hermit_f1: float | None = None
    rasa_token_f1: float | None = None
    rasa_token_micro_f1: float | None = None
    response_accuracy: float | None = None
    train_wall_s: float = 0.0
    train_cpu_s: float = 0.0
    parse_ms: float = 0.0


@dataclass
class Result:
    """Scores of one pipeline on one data set (all folds)."""

    dataset: str
    pipeline: str
    folds: list[Score] = field(default_factory=list)

    def mean(self, key: str) -> float | None:
        """Mean of ``key`` over the folds (None when no fold has it)."""
        values = [getattr(s, key) for s in self.folds if getattr(s, key) is not None]
        return statistics.fmean(values) if values else None


# -- data -------------------------------------------------------------------


def load_nlu(*paths: Path) -> Any:
    """Read Rasa NLU YAML files into one NluData (duplicates kept, as the papers count them)."""
    from engine.data.nlu_yaml import merge_nlu, read_nlu_doc
    from engine.data.types import NluData
    from engine.data.yaml_io import read_yaml_file

    data = NluData()
    for path in paths:
        merge_nlu(data, read_nlu_doc(read_yaml_file(path), file=str(path)), file=str(path))
    return data


def pipeline_config(name: str, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the config dict of pipeline ``name`` (``default`` or ``encoder``)."""
    from engine.nlu import registry

    config = copy.deepcopy(base) if base is not None else {"pipeline": copy.deepcopy(registry.DEFAULT_PIPELINE)}
    if name == "encoder":
        steps = config["pipeline"]
        last = max(i for i, s in enumerate(steps) if s.get("name") in ("CountVectorsFeaturizer", "RegexFeaturizer"))
        steps.insert(last + 1, {"name": "SentenceEmbeddingFeaturizer"})
    return config


# -- training and scoring ----------------------------------------------------


def train(config: dict[str, Any], data: Any, cache: dict | None) -> tuple[Any, float, float]:
    """Train a pipeline; return it with wall and CPU seconds."""
    from engine.nlu.pipeline import NluPipeline

    pipeline = NluPipeline.from_config(config)
    for component in pipeline.components:
        if hasattr(component, "cache"):
            component.cache = cache  # encoder outputs shared by the folds of one run
    wall, cpu = time.perf_counter(), time.process_time()
    pipeline.fit(data)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for component in pipeline.components:
        if hasattr(component, "cache"):
            component.cache = None  # parse latency must include the encoder
    return pipeline, wall, cpu


def classifier_intent(parse: dict[str, Any]) -> tuple[str | None, float, bool]:
    """Return (intent, confidence, fell back) as the classifier predicted it."""
    intent = parse.get("intent") or {}
    if intent.get("name") == FALLBACK:
        ranking = [r for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
        if ranking:
            return ranking[0]["name"], float(ranking[0]["confidence"]), True
    return intent.get("name"), float(intent.get("confidence") or 0.0), False


def score(pipeline: Any, examples: Sequence[Any]) -> Score:
    """Parse every test example once and score intents, entities and responses."""
    from engine.evaluation.nlu_predict import ExamplePrediction, trainable_extractors
    from engine.evaluation.tasks import entity_evaluation
    from engine.nlu.scoring import (
        Counts,
        HermitCounts,
        exact_counts,
        expected_calibration_error,
        hermit_counts,
        overlap_counts,
    )

    extractors = trainable_extractors(pipeline)
    latencies, predictions, confidences, correct = [], [], [], []
    overlap, exact, hermit = Counts(), Counts(), HermitCounts()
    fallbacks = responses = response_hits = 0
    for example in examples:
        start = time.perf_counter()
        parse = pipeline.parse(example.text)
        latencies.append(time.perf_counter() - start)
        tokens = [tuple(t) for t in parse["text_tokens"]]
        predictions.append(ExamplePrediction(example, parse, tokens))
        gold_intent = (example.intent or "").split("/", 1)[0]
        name, confidence, fell_back = classifier_intent(parse)
        fallbacks += fell_back
        confidences.append(confidence)
        correct.append(name == gold_intent)
        found = [e for e in parse["entities"] if e.get("extractor") in extractors]
        overlap.add(overlap_counts(tokens, example.entities, found))
        exact.add(exact_counts(example.entities, found))
        hermit.add(hermit_counts(example.text, tokens, example.entities, found))
        if example.intent and "/" in example.intent:
            responses += 1
            response_hits += predictions[-1].selected_response()[0] == example.intent
    result = Score(
        examples=len(examples),
        intent_accuracy=sum(correct) / len(examples),
        fallback_rate=fallbacks / len(examples),
        ece=expected_calibration_error(confidences, correct),
        response_accuracy=response_hits / responses if responses else None,
        parse_ms=statistics.median(latencies) * 1000.0,
    )
    if overlap.gold and extractors:
        rasa = entity_evaluation(predictions, extractors[0]).scores
        result.entity_overlap_f1, result.entity_exact_f1, result.entity_hermit_f1 = overlap.f1, exact.f1, hermit.f1
        result.rasa_token_f1 = rasa.f1_score
        result.rasa_token_micro_f1 = (rasa.report.get("micro avg") or {}).get("f1-score")
    return result


def run_split(name: str, config: dict[str, Any], train_data: Any, test_data: Any, cache: dict | None) -> Score:
    """Train on one split and score its test set."""
    pipeline, wall, cpu = train(config, train_data, cache)
    result = score(pipeline, test_data.examples)
    result.train_wall_s, result.train_cpu_s = wall, cpu
    return result


# -- data sets ---------------------------------------------------------------


def hwu64(root: Path, pipeline: str, quick: bool, cache: dict | None) -> Result:
    """HWU64 on its official folds (regex features included, as in the DIET paper's data)."""
    result = Result("hwu64", pipeline)
    regexes = root / "hwu64" / "regex_features.yml"
    for fold in QUICK_FOLDS if quick else range(1, 11):
        folder = root / "hwu64" / "folds" / f"kfold_{fold:02d}"
        score_ = run_split(
            pipeline, pipeline_config(pipeline), load_nlu(folder / "train.yml", regexes),
            load_nlu(folder / "test.yml"), cache,
        )
        result.folds.append(score_)
        log(f"hwu64 {pipeline} fold {fold}: {row_values(score_)}")
    return result


def banking77(root: Path, pipeline: str, quick: bool, cache: dict | None) -> Result:
    """BANKING77 train/test (all 3,080 test rows, as the paper counts)."""
    folder = root / "banking77"
    result = Result("banking77", pipeline)
    result.folds.append(
        run_split(pipeline, pipeline_config(pipeline), load_nlu(folder / "train.yml"), load_nlu(folder / "test.yml"), cache)
    )
    return result


def sara(root: Path, pipeline: str, quick: bool, cache: dict | None) -> Result:
    """Sara (sara-3.0): its data and config.yml (minus Duckling), its tests/test_nlu.yml."""
    from engine.data.loader import load_project

    bot = root / "bots" / "sara-3.0"
    project = load_project(root=bot)
    config = {k: v for k, v in project.config.items() if k != "policies"}
    config["pipeline"] = [s for s in config["pipeline"] if s.get("name") != "DucklingEntityExtractor"]
    result = Result("sara", pipeline)
    result.folds.append(
        run_split(pipeline, pipeline_config(pipeline, config), project.nlu, load_nlu(bot / "tests" / "test_nlu.yml"), cache)
    )
    return result


RUNNERS = {"hwu64": hwu64, "banking77": banking77, "sara": sara}


# -- output ------------------------------------------------------------------


def pct(value: float | None) -> str:
    """Format a share as a percentage, or a dash."""
    return "-" if value is None else f"{100.0 * value:.2f}"


def row_values(s: Score | Result) -> str:
    """One line of figures for a fold or a whole result."""
    get = (lambda k: s.mean(k)) if isinstance(s, Result) else (lambda k: getattr(s, k))
    return (
        f"intent {pct(get('intent_accuracy'))}  entity overlap {pct(get('entity_overlap_f1'))}  "
        f"hermit {pct(get('entity_hermit_f1'))}  "
        f"exact {pct(get('entity_exact_f1'))}  rasa token w/micro {pct(get('rasa_token_f1'))}/"
        f"{pct(get('rasa_token_micro_f1'))}  train {get('train_wall_s'):.1f}s wall {get('train_cpu_s'):.1f}s cpu  "
        f"parse {get('parse_ms'):.2f} ms"
    )


def table(results: Sequence[Result]) -> str:
    """The benchmark table (means over folds) and the published anchors."""
    header = (
        f"{'data set':<10} {'pipeline':<8} {'folds':>5} {'intent':>7} {'ent.ovl':>7} {'hermit':>7} {'ent.exact':>9} "
        f"{'rasa.w':>7} {'rasa.mi':>7} {'resp.':>6} {'fallbk':>6} {'ECE':>5} {'train s':>8} {'cpu s':>7} "
        f"{'parse ms':>8}  target"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.dataset:<10} {r.pipeline:<8} {len(r.folds):>5} {pct(r.mean('intent_accuracy')):>7} "
            f"{pct(r.mean('entity_overlap_f1')):>7} {pct(r.mean('entity_hermit_f1')):>7} {pct(r.mean('entity_exact_f1')):>9} "
            f"{pct(r.mean('rasa_token_f1')):>7} {pct(r.mean('rasa_token_micro_f1')):>7} "
            f"{pct(r.mean('response_accuracy')):>6} {pct(r.mean('fallback_rate')):>6} {r.mean('ece') or 0:>5.3f} "
            f"{r.mean('train_wall_s') or 0:>8.1f} {r.mean('train_cpu_s') or 0:>7.1f} {r.mean('parse_ms') or 0:>8.2f}"
            f"  {TARGETS.get((r.dataset, r.pipeline), '')}"
        )
    lines += ["", "intent = accuracy (= micro F1); ent.ovl = entity F1, overlap matching (DIET paper / HERMIT);",
              "hermit = the same as HERMIT's evaluation script counts it (token strings; see engine.nlu.scoring);",
              "rasa.w / rasa.mi = Rasa's token-level entity report, weighted / micro F1; times are means per fold.",
              "", "Published anchors:"] + [f"  {a}" for a in ANCHORS]
    return "\n".join(lines)


def log(text: str) -> None:
    """Progress output (stderr, so the table on stdout stays clean)."""
    print(text, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"HWU64 folds {QUICK_FOLDS} only")
    parser.add_argument("--encoder", action="store_true", help="also the pipeline with the sentence encoder")
    parser.add_argument("--no-default", action="store_true", help="skip the default pipeline (with --encoder)")
    parser.add_argument("--only", default=",".join(DATASETS), help="comma-separated data sets")
    parser.add_argument("--data", type=Path, default=SHARED, help="the shared data folder (default ../shared/data)")
    parser.add_argument("--json", type=Path, help="also write all fold scores to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    wanted = [d.strip() for d in args.only.split(",") if d.strip()]
    unknown = sorted(set(wanted) - set(DATASETS))
    if unknown:
        parser.error(f"unknown data sets {unknown}; choose from {list(DATASETS)}")
    if not (args.data / "nlu").is_dir():
        print(f"The benchmark data is not at {args.data} (expected nlu/ and bots/ there); pass --data.", file=sys.stderr)
        return 2
    pipelines = [] if args.no_default and args.encoder else ["default"]
    if args.encoder:
        from engine.nlu.featurizers.encoder import INSTALL_HINT, missing_modules

        if missing_modules():
            print(f"--encoder needs the 'encoder' extra: {INSTALL_HINT}", file=sys.stderr)
            return 2
        pipelines.append("encoder")
    results = []
    for dataset in wanted:
        root = args.data if dataset == "sara" else args.data / "nlu"
        cache: dict = {}
        for pipeline in pipelines:
            result = RUNNERS[dataset](root, pipeline, args.quick, cache if pipeline == "encoder" else None)
            log(f"{dataset} {pipeline}: {row_values(result)}")
            results.append(result)
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
