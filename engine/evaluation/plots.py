"""PNG pictures of evaluation results: confusion matrices and confidence histograms.

matplotlib is an optional extra (``pip install 'parley[reports]'``) and is
imported only here, inside the functions, with the Agg canvas (no display,
no global pyplot state), so evaluation without pictures never loads it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

MAX_ANNOTATED_LABELS = 30
BINS = 10


class PlottingUnavailable(RuntimeError):
    """matplotlib is not installed."""


def _figure(width: float, height: float):  # type: ignore[no-untyped-def]
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as ex:  # pragma: no cover - depends on the environment
        raise PlottingUnavailable(
            "Pictures need matplotlib: pip install 'parley[reports]' (or pip install matplotlib)."
        ) from ex
    figure = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(figure)
    return figure


def confusion_matrix_png(
    path: Path, labels: Sequence[str], matrix: Sequence[Sequence[int]], title: str
) -> Path:
    """Draw a confusion matrix (rows: true label, columns: predicted) to ``path``."""
    size = min(max(4.0, 0.45 * len(labels) + 2.5), 30.0)
    figure = _figure(size + 1.5, size)
    axes = figure.add_subplot(1, 1, 1)
    image = axes.imshow(matrix or [[0]], interpolation="nearest", cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04)
    axes.set_title(title)
    axes.set_xticks(range(len(labels)))
    axes.set_yticks(range(len(labels)))
    axes.set_xticklabels(labels, rotation=90, fontsize=8)
    axes.set_yticklabels(labels, fontsize=8)
    axes.set_xlabel("Predicted label")
    axes.set_ylabel("True label")
    if len(labels) <= MAX_ANNOTATED_LABELS:
        peak = max((max(row) for row in matrix), default=0)
        for row_index, row in enumerate(matrix):
            for column_index, count in enumerate(row):
                if count:
                    colour = "white" if count > peak / 2 else "black"
                    axes.text(column_index, row_index, str(count), ha="center", va="center", color=colour, fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path


def histogram_png(path: Path, confidences: Sequence[tuple[float, bool]], title: str) -> Path:
    """Draw prediction confidences, correct and wrong side by side, to ``path``."""
    edges = [i / BINS for i in range(BINS + 1)]
    correct = [c for c, ok in confidences if ok]
    wrong = [c for c, ok in confidences if not ok]
    figure = _figure(10, 5)
    for index, (values, name, colour) in enumerate(
        ((correct, "Correct predictions", "#009292"), (wrong, "Wrong predictions", "#ff6db6"))
    ):
        axes = figure.add_subplot(1, 2, index + 1)
        axes.hist(values, bins=edges, color=colour, orientation="horizontal", edgecolor="white")
        axes.xaxis.get_major_locator().set_params(integer=True)
        if not values:
            axes.set_xlim(0, 1)
        axes.set_title(f"{name} ({len(values)})")
        axes.set_ylim(0, 1)
        axes.set_ylabel("Confidence")
        axes.set_xlabel("Number of samples")
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png")
    return path
