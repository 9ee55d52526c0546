"""NLU: tokenizers, featurizers, classifiers, extractors and the pipeline.

Entry points: :class:`engine.nlu.pipeline.NluPipeline` (train and parse) and
:func:`engine.nlu.shortcut.parse_shortcut` (``/intent{...}`` messages).
Kept import-free so ``import engine`` stays light.
"""
