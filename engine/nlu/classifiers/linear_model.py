"""A softmax linear model over stacked sparse feature blocks.

Training uses scikit-learn's ``LogisticRegression`` (or ``LinearSVC``, whose
margins are turned into probabilities with a fixed temperature); prediction
is a numpy dot product over the message's few non-zero features, which keeps
one parse in the microseconds instead of paying sklearn's per-call
validation. Weights are kept at float32 precision (half the file size), so a
loaded model predicts exactly what the trained one did.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from engine.nlu.component import Message, NotFittedError

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse


Layout = list[tuple[str, int]]


def feature_layout(message: Message) -> Layout:
    """Return the (block name, width) sequence of a featurized message."""
    return [(block.name, block.size) for block in message.features]


def check_layout(message: Message, layout: Layout, owner: str) -> None:
    """Raise if ``message`` carries other feature blocks than the model was trained on."""
    if len(message.features) != len(layout) or any(
        block.size != size for block, (_, size) in zip(message.features, layout)
    ):
        got = feature_layout(message)
        raise NotFittedError(
            f"{owner} was trained on feature blocks {layout} but the message has {got}; "
            "the featurizers before it changed since training."
        )


def stack_rows(messages: Sequence[Message], layout: Layout) -> sparse.csr_matrix:
    """Stack the sentence features of ``messages`` into one CSR matrix."""
    import numpy as np
    from scipy import sparse

    offsets = np.cumsum([0] + [size for _, size in layout])
    indptr = [0]
    indices: list[np.ndarray] = []
    values: list[np.ndarray] = []
    for message in messages:
        count = 0
        for block, offset in zip(message.features, offsets):
            indices.append(block.indices.astype(np.int64) + offset)
            values.append(block.values)
            count += len(block.indices)
        indptr.append(indptr[-1] + count)
    width = int(offsets[-1])
    if not indices:
        return sparse.csr_matrix((len(messages), width))
    return sparse.csr_matrix(
        (np.concatenate(values), np.concatenate(indices), np.asarray(indptr)),
        shape=(len(messages), width),
    )


def row_of(message: Message, layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Return (indices, values) of one message's stacked features."""
    import numpy as np

    if len(message.features) == 1:
        block = message.features[0]
        return block.indices, block.values
    offset = 0
    idx: list[np.ndarray] = []
    val: list[np.ndarray] = []
    for block, (_, size) in zip(message.features, layout):
        idx.append(block.indices + offset)
        val.append(block.values)
        offset += size
    if not idx:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(idx), np.concatenate(val)


@dataclass
class SoftmaxModel:
    """Learned arrays of a multinomial linear classifier.

    Attributes:
        classes: Class labels, in column order.
        coef: Weights, shape (n_features, n_classes); rows are gathered per
            non-zero feature at prediction time.
        intercept: Biases, shape (n_classes,).
    """

    classes: list[str]
    coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def fit(
        cls,
        x: sparse.csr_matrix,
        labels: Sequence[str],
        *,
        c: float = 30.0,
        class_weight: Any = None,
        max_iter: int = 1000,
        tol: float = 1e-4,
        random_state: int | None = 42,
    ) -> SoftmaxModel:
        """Fit on rows ``x`` with string ``labels`` (one class needs no solver)."""
        import numpy as np

        classes = sorted(set(labels))
        width = x.shape[1]
        if len(classes) < 2:
            # A single intent: always that intent, confidence 1.0.
            return cls(classes, np.zeros((width, len(classes))), np.zeros(len(classes)))
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(
            C=c, class_weight=class_weight, max_iter=max_iter, tol=tol, random_state=random_state
        )
        with warnings.catch_warnings():
            # Small bots converge loosely; the probabilities are still fine.
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, np.asarray(labels))
        return cls._from_linear(model.classes_, model.coef_, model.intercept_, 1.0)

    @classmethod
    def fit_svm(
        cls,
        x: sparse.csr_matrix,
        labels: Sequence[str],
        *,
        c: float = 0.5,
        temperature: float = 5.0,
        class_weight: Any = None,
        random_state: int | None = 42,
    ) -> SoftmaxModel:
        """Fit a linear SVM (one-vs-rest); probabilities are ``softmax(temperature * margins)``.

        The SVM is a few times faster to train than logistic regression on
        n-gram features and slightly more accurate; the temperature gives
        its margins a probability scale.
        """
        import numpy as np

        classes = sorted(set(labels))
        if len(classes) < 2:
            return cls(classes, np.zeros((x.shape[1], len(classes))), np.zeros(len(classes)))
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.svm import LinearSVC

        model = LinearSVC(C=c, class_weight=class_weight, random_state=random_state)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, np.asarray(labels))
        return cls._from_linear(model.classes_, model.coef_, model.intercept_, temperature)

    @classmethod
    def _from_linear(cls, classes: Any, coef: Any, intercept: Any, scale: float) -> SoftmaxModel:
        """Build the model from sklearn's (n_classes, n_features) weights, times ``scale``."""
        import numpy as np

        coef = np.asarray(coef, dtype=np.float64) * scale
        intercept = np.asarray(intercept, dtype=np.float64) * scale
        if len(classes) == 2:
            # Binary models have one weight row; split it so softmax == sigmoid.
            coef = np.vstack([-coef[0] / 2.0, coef[0] / 2.0])
            intercept = np.asarray([-intercept[0] / 2.0, intercept[0] / 2.0])
        coef = np.ascontiguousarray(coef.T).astype(np.float32).astype(np.float64)
        return cls([str(c) for c in classes], coef, intercept.astype(np.float32).astype(np.float64))

    def predict_row(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Return class probabilities for one sparse row."""
        import numpy as np

        scores = self.intercept.copy()
        if len(indices):
            scores += values @ self.coef[indices]
        scores -= scores.max()
        np.exp(scores, out=scores)
        scores /= scores.sum()
        return scores

    def predict_rows(self, x: sparse.csr_matrix) -> np.ndarray:
        """Return class probabilities for many rows (batch evaluation)."""
        import numpy as np

        scores = np.asarray(x @ self.coef) + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores

    def save(self, path: Path) -> None:
        """Write the arrays to an ``.npz`` file (labels go to JSON elsewhere)."""
        import numpy as np

        np.savez(path, coef=self.coef.astype(np.float32), intercept=self.intercept.astype(np.float32))

    @classmethod
    def load(cls, path: Path, classes: list[str]) -> SoftmaxModel:
        """Read arrays written by :meth:`save`."""
        import numpy as np

        with np.load(path, allow_pickle=False) as arrays:
            coef = np.ascontiguousarray(arrays["coef"], dtype=np.float64)
            intercept = np.asarray(arrays["intercept"], dtype=np.float64)
        if coef.shape[1] != len(classes) or intercept.shape != (len(classes),):
            raise ValueError(f"weights of shape {coef.shape} do not fit {len(classes)} classes")
        return cls(list(classes), coef, intercept)


def ranking(classes: list[str], probabilities: np.ndarray, length: int) -> list[dict[str, Any]]:
    """Return the top ``length`` classes as Rasa ranking entries (0 = all)."""
    import numpy as np

    order = np.argsort(-probabilities, kind="stable")
    if length and length > 0:
        order = order[:length]
    return [{"name": classes[i], "confidence": float(probabilities[i])} for i in order]


def predict_intent(
    message: Message,
    classes: list[str],
    layout: Layout,
    owner: str,
    probabilities: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ranking_length: int,
) -> None:
    """Set ``message.intent`` and ``intent_ranking`` from a classifier's probabilities.

    Args:
        message: The featurized message.
        classes: The classifier's intents (none: nothing is set; one: it is certain).
        layout: The feature layout the classifier was trained on.
        owner: The classifier's name, for the layout error.
        probabilities: Maps a stacked feature row (indices, values) to class probabilities.
        ranking_length: Entries in the ranking (0 = all).
    """
    if not classes:
        return
    if len(classes) == 1:
        message.intent = {"name": classes[0], "confidence": 1.0}
        message.intent_ranking = [{"name": classes[0], "confidence": 1.0}]
        return
    check_layout(message, layout, owner)
    message.intent_ranking = ranking(classes, probabilities(*row_of(message, layout)), ranking_length)
    message.intent = dict(message.intent_ranking[0])
