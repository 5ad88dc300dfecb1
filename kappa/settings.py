"""Every `KAPPA_*` environment variable, in one frozen spec, read once per command.

`VARIABLES` documents them (the CLI's `--help` epilog and docs/operations.md list it);
`Settings.from_env()` parses them, and a value that cannot be used names the variable, the
value and what is expected. The standard libpq variables (PGHOST, ...) are not ours: psycopg,
dbt and the Spark workers read them directly.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kappa.errors import ConfigError
from kappa.project import bundled_project_dir


@dataclass(frozen=True)
class Variable:
    name: str
    default: str  # as shown to users; "" = none
    help: str


VARIABLES: tuple[Variable, ...] = (
    Variable("KAPPA_HOME", "./.kappa", "embedded Postgres (pg/), stream checkpoints, dbt target"),
    Variable("KAPPA_LAKE", "./lake", "root of the Delta Lake tables (<lake>/game/<table>)"),
    Variable("KAPPA_PROJECT_DIR", "the bundled project", "the dbt project to run"),
    Variable("KAPPA_DBT_THREADS", "the CPU cores", "dbt threads (kappa build, both targets)"),
    Variable("KAPPA_DBT_TARGET", "postgres", "profiles.yml's default target (dbt's own CLI)"),
    Variable("KAPPA_API_URL", "https://statsapi.mlb.com", "MLB Stats API base URL"),
    Variable("KAPPA_API_RATE", "10", "max API requests per second"),
    Variable("KAPPA_API_ATTEMPTS", "5", "attempts per API request"),
    Variable("KAPPA_API_TIMEOUT", "30", "API read timeout, seconds"),
    Variable("KAPPA_API_BACKOFF", "0.5", "base of the exponential retry backoff, seconds"),
    Variable("KAPPA_SPARK_MASTER", "local[*]", "Spark master URL"),
    Variable("KAPPA_SPARK_SCRATCH", "a new temp dir", "Spark warehouse and Derby metastore"),
    Variable("KAPPA_SPARK_DRIVER_MEMORY", "Spark's default", "spark.driver.memory"),
    Variable("KAPPA_SPARK_JVM_OPTIONS", "GC/JIT flags", "JVM options of driver and executors"),
    Variable("KAPPA_DELTA_VERSION", "4.4.0", "Delta jar version (io.delta:delta-spark_4.2_2.13)"),
    Variable("KAPPA_CORRECTION_HOURS", "24", "kappa live polls a Final game again this long"),
    Variable("KAPPA_METRICS_PORT", "9464", "kappa live serves /metrics on 127.0.0.1:<port>"),
)
NAMES = frozenset(variable.name for variable in VARIABLES)


def usable_cores() -> int:
    """The CPUs this process may run on (its affinity, e.g. under taskset), else all."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def variables_help() -> str:
    """The variables as help text lines."""
    return "\n".join(f"{v.name} ({v.default}): {v.help}" for v in VARIABLES)


@dataclass(frozen=True)
class Settings:
    home: Path
    lake: Path
    project_dir: Path
    # one model per core: on 2 cores, 4 threads made a season's `kappa build --full-refresh`
    # 12% slower than 2 (four concurrent 1 MB-document scans thrash two cores;
    # docs/performance.md), and `--target spark` took the same time with 2 or 4
    dbt_threads: int = field(default_factory=usable_cores)
    api_url: str = "https://statsapi.mlb.com"
    api_rate: float = 10.0
    api_attempts: int = 5
    api_timeout: float = 30.0
    api_backoff: float = 0.5
    spark_master: str = "local[*]"
    spark_scratch: Path | None = None
    spark_driver_memory: str | None = None
    spark_jvm_options: str | None = None  # None: the session's defaults
    delta_version: str = "4.4.0"
    correction_hours: float = 24.0
    metrics_port: int = 9464

    @property
    def pg_dir(self) -> Path:
        """Data directory of the embedded Postgres."""
        return self.home / "pg"

    @property
    def checkpoints(self) -> Path:
        return self.home / "checkpoints"

    @property
    def spool_dir(self) -> Path:
        """Captures waiting for the database (kappa.spool)."""
        return self.home / "spool"

    def dbt_target_dir(self, *parts: str) -> Path:
        """Where our dbt runs write artifacts: $DBT_TARGET_PATH (dbt's own variable, relative to
        the project) else $KAPPA_HOME/dbt/target, never inside an installed package."""
        configured = os.environ.get("DBT_TARGET_PATH")
        base = self.project_dir / configured if configured else self.home / "dbt" / "target"
        return base.joinpath(*parts)

    @property
    def dbt_log_dir(self) -> Path:
        configured = os.environ.get("DBT_LOG_PATH")
        return Path(configured) if configured else self.home / "dbt" / "logs"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = _Reader(os.environ if environ is None else environ)
        scratch = env.text("KAPPA_SPARK_SCRATCH")
        return cls(
            home=env.path("KAPPA_HOME", ".kappa"),
            lake=env.path("KAPPA_LAKE", "lake"),
            project_dir=env.project_dir(),
            dbt_threads=env.number("KAPPA_DBT_THREADS", int, usable_cores(), minimum=1),
            api_url=(env.text("KAPPA_API_URL") or cls.api_url).rstrip("/"),
            api_rate=env.number("KAPPA_API_RATE", float, cls.api_rate, minimum=0.001),
            api_attempts=env.number("KAPPA_API_ATTEMPTS", int, cls.api_attempts, minimum=1),
            api_timeout=env.number("KAPPA_API_TIMEOUT", float, cls.api_timeout, minimum=0.001),
            api_backoff=env.number("KAPPA_API_BACKOFF", float, cls.api_backoff, minimum=0),
            spark_master=env.text("KAPPA_SPARK_MASTER") or cls.spark_master,
            spark_scratch=Path(scratch).resolve() if scratch else None,
            spark_driver_memory=env.text("KAPPA_SPARK_DRIVER_MEMORY"),
            spark_jvm_options=env.text("KAPPA_SPARK_JVM_OPTIONS"),
            delta_version=env.text("KAPPA_DELTA_VERSION") or cls.delta_version,
            correction_hours=env.number(
                "KAPPA_CORRECTION_HOURS", float, cls.correction_hours, minimum=0
            ),
            metrics_port=env.number("KAPPA_METRICS_PORT", int, cls.metrics_port, minimum=0),
        )


@dataclass(frozen=True)
class _Reader:
    environ: Mapping[str, str]

    def text(self, name: str) -> str | None:
        assert name in NAMES, f"{name} is not in settings.VARIABLES"
        return self.environ.get(name) or None

    def path(self, name: str, default: str) -> Path:
        return Path(self.text(name) or default).resolve()

    def number(self, name: str, kind: type, default, minimum: float):
        value = self.text(name)
        if value is None:
            return default
        try:
            number = kind(value)
        except ValueError:
            number = None
        if number is None or number < minimum:
            expected = "a whole number" if kind is int else "a number"
            raise ConfigError(f"{name}={value!r}: expected {expected} >= {minimum}")
        return number

    def project_dir(self) -> Path:
        value = self.text("KAPPA_PROJECT_DIR")
        if value is None:
            return bundled_project_dir()
        path = Path(value).resolve()
        if not (path / "dbt_project.yml").is_file():
            raise ConfigError(f"KAPPA_PROJECT_DIR={value!r}: no dbt_project.yml in {path}")
        return path
