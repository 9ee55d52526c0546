"""SparseMLP: the numpy network behind the ensemble intent classifier."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from engine.nlu.classifiers.sparse_mlp import SparseMLP, TrainingOptions


def xor_data(repeat: int = 30) -> tuple[sparse.csr_matrix, list[str]]:
    """Two binary features; the class is their XOR, which no linear model can learn."""
    rows = [([0], "one"), ([1], "one"), ([0, 1], "none_or_both"), ([2], "none_or_both")] * repeat
    indptr, indices = [0], []
    for columns, _ in rows:
        indices.extend(columns)
        indptr.append(len(indices))
    x = sparse.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(rows), 3))
    return x, [label for _, label in rows]


def test_learns_a_problem_no_linear_model_can() -> None:
    x, labels = xor_data()
    model = SparseMLP.fit(x, labels, TrainingOptions(hidden=16, dropout=0.0, learning_rate=0.05))
    predicted = [model.classes[i] for i in model.predict_rows(x).argmax(axis=1)]
    assert predicted == labels


def test_single_rows_and_batches_agree_and_sum_to_one() -> None:
    x, labels = xor_data(5)
    model = SparseMLP.fit(x, labels, TrainingOptions(hidden=8))
    batch = model.predict_rows(x)
    for i in range(x.shape[0]):
        row = x.getrow(i)
        single = model.predict_row(row.indices, row.data)
        assert single == pytest.approx(batch[i], abs=1e-5)
        assert single.sum() == pytest.approx(1.0)
    empty = model.predict_row(np.zeros(0, dtype=np.int32), np.zeros(0))
    assert empty.sum() == pytest.approx(1.0)


def test_training_is_reproducible_with_a_seed() -> None:
    x, labels = xor_data(5)
    a = SparseMLP.fit(x, labels, TrainingOptions(hidden=8, seed=3))
    b = SparseMLP.fit(x, labels, TrainingOptions(hidden=8, seed=3))
    assert np.array_equal(a.w1, b.w1) and np.array_equal(a.w2, b.w2)


def test_save_load_round_trip_predicts_identically(tmp_path) -> None:
    x, labels = xor_data(5)
    model = SparseMLP.fit(x, labels, TrainingOptions(hidden=8))
    model.save(tmp_path / "net.npz")
    loaded = SparseMLP.load(tmp_path / "net.npz", model.classes)
    assert np.array_equal(loaded.predict_rows(x), model.predict_rows(x))
    with pytest.raises(ValueError, match="do not fit"):
        SparseMLP.load(tmp_path / "net.npz", ["a", "b", "c"])
