"""The one settings spec: defaults, parsed values, and errors that name the variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kappa.errors import ConfigError
from kappa.project import bundled_project_dir
from kappa.settings import Settings


def test_defaults_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.home == tmp_path / ".kappa"
    assert settings.lake == tmp_path / "lake"
    assert settings.pg_dir == tmp_path / ".kappa" / "pg"
    assert settings.project_dir == bundled_project_dir()
    assert (settings.dbt_threads, settings.api_attempts, settings.spark_master) == (
        len(os.sched_getaffinity(0)),
        5,
        "local[*]",
    )


def test_values_are_parsed(tmp_path):
    settings = Settings.from_env(
        {
            "KAPPA_HOME": str(tmp_path / "h"),
            "KAPPA_DBT_THREADS": "2",
            "KAPPA_API_URL": "http://127.0.0.1:8000/",
            "KAPPA_API_RATE": "2.5",
            "KAPPA_SPARK_SCRATCH": str(tmp_path / "s"),
            "KAPPA_DELTA_VERSION": "4.4.1",
        }
    )
    assert settings.home == tmp_path / "h"
    assert settings.dbt_threads == 2 and settings.api_rate == 2.5
    assert settings.api_url == "http://127.0.0.1:8000"
    assert settings.spark_scratch == Path(tmp_path / "s")
    assert settings.delta_version == "4.4.1"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("KAPPA_DBT_THREADS", "0", "KAPPA_DBT_THREADS='0': expected a whole number >= 1"),
        ("KAPPA_API_ATTEMPTS", "3.5", "KAPPA_API_ATTEMPTS='3.5': expected a whole number"),
        ("KAPPA_API_RATE", "fast", "KAPPA_API_RATE='fast': expected a number"),
        ("KAPPA_PROJECT_DIR", "/nonexistent", "no dbt_project.yml"),
    ],
)
def test_a_bad_value_names_the_variable(name, value, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        Settings.from_env({name: value})
