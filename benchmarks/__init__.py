"""Benchmarks of coreclaw-pandas: ``python -m benchmarks [--quick | --full | --smoke]``."""
