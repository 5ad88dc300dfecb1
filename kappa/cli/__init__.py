"""The `kappa` command line: the one place that wires the packages together (kappa's core,
ingest, spark_streaming and, from a source checkout, benchmarks)."""

from kappa.cli.app import app, main

__all__ = ["app", "main"]
