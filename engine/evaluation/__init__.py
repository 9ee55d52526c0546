"""Model evaluation: NLU and story tests, cross-validation, report files.

Modules are imported by what needs them (``engine.evaluation.nlu``,
``engine.evaluation.stories``, ``engine.evaluation.report_files``...);
plotting imports matplotlib only when a picture is drawn.
"""
