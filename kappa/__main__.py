"""`python -m kappa ...`, and the script spark-submit runs on a cluster:
`spark-submit [--master URL] --packages io.delta:delta-spark_4.2_2.13:4.4.0 kappa/__main__.py
stream ...` (any `kappa` command line after the script)."""

import sys
from pathlib import Path

# Run as a script (spark-submit), Python puts this file's folder first on sys.path, which would
# make kappa's own modules importable as top-level ones; only the installed package may be.
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

from kappa.cli.app import main  # noqa: E402 - after the sys.path repair above

main()
