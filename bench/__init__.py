"""Benchmarks: throughput and ratios printed as tables (never timed assertions in tests)."""
