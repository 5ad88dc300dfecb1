"""`pip install .` (not editable) into a fresh virtualenv, then the main commands from a
directory that is not the checkout: the dbt project and the sample captures ship inside the
wheel, state goes to ./.kappa and ./lake of the working directory."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from kappa.embedded_pg import PG_VARIABLES
from spark_streaming.session import FAST_JVM

from support.data import PROJECT_DIR, SAMPLE_FEEDS


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 600):
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def test_installed_wheel_runs_load_build_and_demo_from_any_directory(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in PG_VARIABLES}
    env.pop("DBT_TARGET_PATH", None)
    env.pop("DBT_LOG_PATH", None)
    env["KAPPA_SPARK_JVM_OPTIONS"] = FAST_JVM  # a short run: the quick-start JIT
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    run(
        [*pip, "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(PROJECT_DIR)],
        tmp_path,
        env,
    )
    (wheel,) = (tmp_path / "dist").glob("kappa_mlb-*.whl")

    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], tmp_path, env)
    # the dependencies come from this test's environment (installing pyspark again would take
    # minutes); the package itself only from the wheel
    python = str(venv / "bin" / "python")
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(run([python, "-c", purelib], tmp_path, env).stdout.strip())
    (site / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], tmp_path, env
    )

    work = tmp_path / "anywhere"
    work.mkdir()
    where = run(
        [python, "-c", "import kappa.project as p; print(p.bundled_project_dir())"], work, env
    )
    assert where.stdout.strip().startswith(str(site)), where.stdout
    kappa = [str(venv / "bin" / "kappa")]
    run([*kappa, "db", "up"], work, env)
    try:
        loaded = run([*kappa, "load", str(SAMPLE_FEEDS)], work, env)
        assert "loaded 8" in loaded.stdout
        run([*kappa, "build"], work, env)
        demo = run([*kappa, "demo"], work, env, timeout=900)
        assert "17/17 tables identical" in demo.stdout, demo.stdout[-3000:]
        bench = subprocess.run(
            [*kappa, "bench", "backfill"], cwd=work, env=env, capture_output=True, text=True
        )
        assert bench.returncode == 1 and "source checkout" in bench.stderr
    finally:
        run([*kappa, "db", "down"], work, env)
    assert (work / ".kappa" / "pg").is_dir() and (work / "lake" / "game").is_dir()
