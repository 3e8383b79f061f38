"""Benchmark of the whole pipeline against raw Rasa: ``python -m bench`` (``make bench``)."""
