"""Build step that ships the dbt project inside the wheel: `pip install .` (not editable) then
runs from any directory. The project's files are copied to kappa/dbt_project/ (see
kappa/project.py); an editable install reads them from the checkout instead."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SHIPPED = ("dbt_project.yml", "profiles.yml", "models", "macros", "data_tests", "sample_data")


class BuildPyWithDbtProject(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "kappa" / "dbt_project"
        shutil.rmtree(target, ignore_errors=True)  # nothing stale from an earlier build
        for name in SHIPPED:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True)
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildPyWithDbtProject})
