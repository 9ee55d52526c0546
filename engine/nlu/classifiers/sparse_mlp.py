"""A one-hidden-layer neural network over sparse features, in numpy.

Why not scikit-learn's ``MLPClassifier``: with tens of thousands of sparse
n-gram columns it updates the whole first-layer matrix (and two Adam moment
matrices) on every mini-batch, which took minutes. Here each mini-batch
touches only the rows of the columns it uses ("lazy" Adam), so an epoch over
10,000 utterances costs about a second on one core.

Architecture: ``softmax(relu(x W1 + b1) W2 + b2)`` with dropout on the
hidden layer while training; float32 throughout. The first layer is stored
as float16 (halves the model file); training ends by rounding it the same
way, so a loaded model predicts exactly what the trained one did.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8


@dataclass
class TrainingOptions:
    """Hyper-parameters of :meth:`SparseMLP.fit`.

    Attributes:
        hidden: Hidden layer width.
        epochs: Passes over the data (raised for tiny data sets, see
            ``min_updates``).
        batch_size: Examples per update.
        learning_rate: Adam's step size, decayed linearly to zero.
        dropout: Fraction of hidden units dropped while training.
        min_updates: At least this many updates in total, so a bot with a
            few dozen examples still trains properly.
        label_smoothing: Share of each target spread over all classes;
            keeps confidences on unfamiliar texts from saturating.
        seed: Random seed (initialisation, shuffling, dropout).
    """

    hidden: int = 256
    epochs: int = 8
    batch_size: int = 128
    learning_rate: float = 0.005
    dropout: float = 0.5
    min_updates: int = 300
    label_smoothing: float = 0.0
    seed: int = 42


@dataclass
class SparseMLP:
    """Learned arrays of the network.

    Attributes:
        classes: Class labels, in output column order.
        w1: First layer, shape (n_features, hidden), float16.
        b1: Hidden bias, float32.
        w2: Output layer, shape (hidden, n_classes), float32.
        b2: Output bias, float32.
    """

    classes: list[str]
    w1: np.ndarray
    b1: np.ndarray
    w2: np.ndarray
    b2: np.ndarray

    @classmethod
    def fit(cls, x: sparse.csr_matrix, labels: Sequence[str], options: TrainingOptions | None = None) -> SparseMLP:
        """Train on the rows of ``x`` (one per example) with string ``labels``."""
        from threadpoolctl import threadpool_limits

        # The matrix products are small; BLAS threads only fight each other
        # (and other processes) over them, which made training 3-5x slower.
        with threadpool_limits(limits=1, user_api="blas"):
            return cls._fit(x, labels, options or TrainingOptions())

    @classmethod
    def _fit(cls, x: sparse.csr_matrix, labels: Sequence[str], opt: TrainingOptions) -> SparseMLP:
        import numpy as np
        from scipy import sparse

        classes, targets = np.unique(np.asarray(labels), return_inverse=True)
        rng = np.random.default_rng(opt.seed)
        n, width = x.shape
        hidden, n_classes = opt.hidden, len(classes)
        x = sparse.csr_matrix(x, dtype=np.float32)
        x.sort_indices()
        w1 = (rng.standard_normal((width, hidden)) / math.sqrt(hidden)).astype(np.float32)
        b1 = np.zeros(hidden, np.float32)
        w2 = (rng.standard_normal((hidden, n_classes)) * math.sqrt(2.0 / hidden)).astype(np.float32)
        b2 = np.zeros(n_classes, np.float32)
        m1, v1 = np.zeros_like(w1), np.zeros_like(w1)
        dense = [b1, w2, b2]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in dense]
        batch = max(1, min(opt.batch_size, n))
        per_epoch = math.ceil(n / batch)
        epochs = max(opt.epochs, math.ceil(opt.min_updates / per_epoch))
        total = epochs * per_epoch
        step = 0
        keep = 1.0 - opt.dropout
        for _ in range(epochs):
            order = rng.permutation(n)
            for start in range(0, n, batch):
                rows = order[start : start + batch]
                xb = x[rows]
                # Work on the columns this batch uses only.
                columns, inverse = np.unique(xb.indices, return_inverse=True)
                xc = sparse.csr_matrix((xb.data, inverse.ravel(), xb.indptr), shape=(len(rows), len(columns)))
                w1c = w1[columns]
                h = xc @ w1c
                h += b1
                np.maximum(h, 0.0, out=h)
                mask = None
                if opt.dropout > 0.0:
                    mask = (rng.random(h.shape, dtype=np.float32) < keep).astype(np.float32) / keep
                    h *= mask
                grad_out = _softmax(h @ w2 + b2)
                if opt.label_smoothing:
                    grad_out -= opt.label_smoothing / n_classes
                grad_out[np.arange(len(rows)), targets[rows]] -= 1.0 - opt.label_smoothing
                grad_out /= len(rows)
                grad_w2 = h.T @ grad_out
                grad_b2 = grad_out.sum(axis=0)
                grad_h = grad_out @ w2.T
                grad_h *= h > 0
                if mask is not None:
                    grad_h *= mask
                grad_b1 = grad_h.sum(axis=0)
                grad_w1 = np.asarray(xc.T @ grad_h)
                step += 1
                rate = opt.learning_rate * (1.0 - (step - 1) / total)
                rate *= math.sqrt(1.0 - ADAM_BETA2**step) / (1.0 - ADAM_BETA1**step)
                m1c, v1c = m1[columns], v1[columns]
                _adam(w1c, m1c, v1c, grad_w1, rate)
                w1[columns], m1[columns], v1[columns] = w1c, m1c, v1c
                for param, (m, v), grad in zip(dense, moments, (grad_b1, grad_w2, grad_b2)):
                    _adam(param, m, v, grad, rate)
        return cls([str(c) for c in classes], w1.astype(np.float16), b1, w2, b2)

    def predict_row(self, indices: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Return class probabilities (float64) for one sparse row."""
        import numpy as np

        hidden = self.b1.copy()
        if len(indices):
            hidden += values.astype(np.float32) @ self.w1[indices].astype(np.float32)
        np.maximum(hidden, 0.0, out=hidden)
        return _softmax((hidden @ self.w2 + self.b2)[None, :].astype(np.float64))[0]

    def predict_rows(self, x: sparse.csr_matrix) -> np.ndarray:
        """Return class probabilities for many rows (batch evaluation)."""
        import numpy as np

        hidden = np.asarray(x.astype(np.float32) @ self.w1.astype(np.float32)) + self.b1
        np.maximum(hidden, 0.0, out=hidden)
        return _softmax((hidden @ self.w2 + self.b2).astype(np.float64))

    def save(self, path: Path) -> None:
        """Write the arrays to an ``.npz`` file (labels go to JSON elsewhere)."""
        import numpy as np

        np.savez(path, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)

    @classmethod
    def load(cls, path: Path, classes: list[str]) -> SparseMLP:
        """Read arrays written by :meth:`save`; shapes are checked."""
        import numpy as np

        with np.load(path, allow_pickle=False) as arrays:
            w1 = np.ascontiguousarray(arrays["w1"], dtype=np.float16)
            b1 = np.asarray(arrays["b1"], dtype=np.float32)
            w2 = np.ascontiguousarray(arrays["w2"], dtype=np.float32)
            b2 = np.asarray(arrays["b2"], dtype=np.float32)
        if w1.shape[1] != b1.shape[0] or w2.shape != (b1.shape[0], len(classes)) or b2.shape != (len(classes),):
            raise ValueError(f"network arrays of shapes {w1.shape}/{w2.shape} do not fit {len(classes)} classes")
        return cls(list(classes), w1, b1, w2, b2)


def _softmax(scores: np.ndarray) -> np.ndarray:
    import numpy as np

    scores = scores - scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _adam(param: np.ndarray, m: np.ndarray, v: np.ndarray, grad: np.ndarray, rate: float) -> None:
    """One Adam step in place (``rate`` already carries the bias correction)."""
    import numpy as np

    m *= ADAM_BETA1
    m += (1.0 - ADAM_BETA1) * grad
    v *= ADAM_BETA2
    v += (1.0 - ADAM_BETA2) * np.square(grad)
    param -= rate * m / (np.sqrt(v) + ADAM_EPS)
