"""NLU classifiers (one component per module; imported lazily via engine.nlu.registry)."""
