"""Benchmarks of mcclink (issue 6): ``python -m bench`` runs them all (``make bench``).

Each benchmark prints its figures and the ratios measured side by side in the same run,
and writes them to ``bench/results/<name>.json``.
"""
