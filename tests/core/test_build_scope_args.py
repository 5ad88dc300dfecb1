"""The scope options of `kappa build` (--game-pks | --start/--end | --season) and the same dbt
vars: a bad value is one `error:` line naming it and what is valid."""

from __future__ import annotations

import os
import subprocess
from datetime import date

import pytest

from kappa.build_scope import BuildScope, parse_scope
from kappa.errors import ConfigError

from support.data import KAPPA_CLI


def test_kappa_build_with_a_bad_date_is_one_error_line(tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("PG")}
    env["KAPPA_HOME"] = str(tmp_path / "home")  # no server: the options fail before dbt
    run = subprocess.run(
        [KAPPA_CLI, "build", "--end", "2024-02-30"], capture_output=True, text=True, env=env
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, run.stderr
    assert "--end '2024-02-30'" in errors[0] and "YYYY-MM-DD" in errors[0], errors[0]


def test_each_kind_of_scope_becomes_its_dbt_vars():
    assert parse_scope(game_pks="747175, 744914,747175").variables() == {
        "game_pks": [744914, 747175]
    }
    assert parse_scope(start="2024-10-01", end="2024-11-01") == BuildScope(
        start=date(2024, 10, 1), end=date(2024, 11, 1)
    )
    assert parse_scope(start="2024-10-01").variables() == {"start_date": "2024-10-01"}
    assert parse_scope(season=2024).variables() == {"season": 2024}
    assert parse_scope() is None


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"game_pks": "747175,abc"}, ["--game-pks '747175,abc'", "'abc'", "whole numbers"]),
        ({"start": "2024-13-01"}, ["--start '2024-13-01'", "YYYY-MM-DD"]),
        ({"start": "2024-11-01", "end": "2024-10-01"}, ["after --end 2024-10-01"]),
        ({"season": 24}, ["--season 24", "from 1876"]),
        ({"game_pks": "1", "season": 2024}, ["--game-pks and --season", "choose one of"]),
    ],
)
def test_bad_scope_names_the_value_and_the_choices(options, expected):
    with pytest.raises(ConfigError) as error:
        parse_scope(**options)
    for text in expected:
        assert text in str(error.value)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ("{game_pks: [747175, x1]}", ['"x1" is not a game id']),
        ("{start_date: 2024-1-5}", ["var start_date", "YYYY-MM-DD"]),
        ("{season: 2024, game_pks: [1]}", ["choose one of game_pks, start_date/end_date"]),
    ],
)
def test_bad_dbt_scope_vars_fail_naming_the_var(database, dbt, variables, expected):
    result = dbt("compile", "--select", "live_game_metadata", "--vars", variables, expect_fail=True)
    message = str(result.exception) if result.exception else str(result.result)
    for text in expected:
        assert text in message, message
