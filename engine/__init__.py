"""Parley engine: models, trackers, actions, training.

Kept empty on purpose: ``import engine`` must load nothing heavy.
"""
