"""Benchmarks that print tables (run one: python -m bench.bench_<name>)."""
