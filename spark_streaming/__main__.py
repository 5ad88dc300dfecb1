"""Entry point for spark-submit: `spark-submit [--master URL] --packages
io.delta:delta-spark_4.2_2.13:4.4.0 spark_streaming/__main__.py stream --available-now`
(any `kappa` command line after the script)."""

from kappa.cli import app

if __name__ == "__main__":
    app()
