"""Where the dbt project is: the source checkout this package sits in, or the copy that the
wheel ships inside the package (setup.py copies it at build time)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# where a wheel carries the project and the sample captures (setup.py's build step)
SHIPPED_DIR = PACKAGE_DIR / "dbt_project"


def bundled_project_dir() -> Path:
    checkout = PACKAGE_DIR.parent
    if (checkout / "dbt_project.yml").is_file():
        return checkout
    if (SHIPPED_DIR / "dbt_project.yml").is_file():
        return SHIPPED_DIR
    raise FileNotFoundError(
        f"no dbt project next to {PACKAGE_DIR}: neither a source checkout nor an installed wheel"
    )


def sample_feeds_dir() -> Path:
    """The bundled real sample captures (demo, tests without ../shared)."""
    checkout = PACKAGE_DIR.parent / "sample_data" / "feed_live"
    return checkout if checkout.is_dir() else SHIPPED_DIR / "sample_data" / "feed_live"
