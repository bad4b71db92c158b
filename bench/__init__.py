"""Benchmarks: `python -m bench NAME [--json]`. They print figures; tests never assert timings."""
