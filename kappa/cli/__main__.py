"""`python -m kappa.cli ...` (tests run the CLI this way in a subprocess)."""

from kappa.cli.app import main

main()
