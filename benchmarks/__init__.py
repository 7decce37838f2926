"""Benchmarks: run ``python -m benchmarks`` (or ``make bench``) to print every number."""
