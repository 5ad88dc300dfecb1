"""`kappa dashboard`: one page on 127.0.0.1 that shows the day's games (score, inning, state),
charts over time of each sink's lag and batch durations, spool depth and quarantine, the
parts of `kappa live` and the latest errors; it refreshes itself every few seconds.

A Starlette app: the page, its script and the vendored uPlot chart library are served from the
package (static/), never from a CDN. The data comes as JSON from /api/status (kappa.ops.status,
the same as `kappa status`) and /api/series (the history in kappa_ops)."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from kappa import postgres
from kappa.errors import DatabaseUnavailable
from kappa.ops.status import collect
from kappa.settings import Settings

logger = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def _table_exists(conn: psycopg.Connection, name: str) -> bool:
    return conn.execute("select to_regclass(%s)", (name,)).fetchone()[0] is not None


def series(hours: float) -> dict[str, Any]:
    """The history of the last `hours`: per sink (t, lag s, batch s), spool depth and
    quarantine samples, the latest events. Times are Unix seconds."""
    result: dict[str, Any] = {"batches": {}, "spool": [[], []], "quarantine": [[], []]}
    result["events"] = []
    try:
        with postgres.connect(autocommit=True, connect_timeout=5) as conn:
            if not _table_exists(conn, "kappa_ops.batches"):
                return result
            rows = conn.execute(
                "select sink, extract(epoch from recorded_at), lag_ms, millis"
                " from kappa_ops.batches where recorded_at > now() - make_interval(secs => %s)"
                " order by recorded_at",
                (hours * 3600,),
            ).fetchall()
            for sink, at, lag_ms, millis in rows:
                times, lags, durations = result["batches"].setdefault(sink, [[], [], []])
                times.append(float(at))
                lags.append(lag_ms / 1000)
                durations.append(millis / 1000)
            for metric, key in (
                ("kappa_spool_captures", "spool"),
                ("kappa_quarantine_documents", "quarantine"),
            ):
                samples = conn.execute(
                    "select extract(epoch from sampled_at), value from kappa_ops.samples"
                    " where metric = %s and sampled_at > now() - make_interval(secs => %s)"
                    " order by sampled_at",
                    (metric, hours * 3600),
                ).fetchall()
                result[key] = [[float(t) for t, _ in samples], [v for _, v in samples]]
            result["events"] = [
                {"at": at.isoformat(timespec="seconds"), "part": part, "kind": kind, "message": m}
                for at, part, kind, m in conn.execute(
                    "select at, part, kind, message from kappa_ops.events order by at desc limit 20"
                ).fetchall()
            ]
    except (psycopg.Error, DatabaseUnavailable) as error:
        result["error"] = str(error).splitlines()[0]
    return result


def create_app(settings: Settings, day: date | None = None) -> Starlette:
    """The dashboard; `day`: whose games to show (None: today, US Eastern)."""

    def the_day(request: Request) -> date:
        if "date" in request.query_params:
            return date.fromisoformat(request.query_params["date"])
        if day is not None:
            return day
        from datetime import datetime
        from zoneinfo import ZoneInfo

        return datetime.now(ZoneInfo("America/New_York")).date()

    def index(_request: Request) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    def status(request: Request) -> JSONResponse:
        result = collect(settings, the_day(request))
        return JSONResponse({**result.as_dict(), "date": the_day(request).isoformat()})

    def history(request: Request) -> JSONResponse:
        hours = float(request.query_params.get("hours", "6"))
        return JSONResponse(series(hours))

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/status", status),
            Route("/api/series", history),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
    )


def serve(settings: Settings, port: int, day: date | None = None) -> None:
    """Run the dashboard on 127.0.0.1:port until interrupted."""
    import uvicorn

    logger.info("dashboard on http://127.0.0.1:%s/", port)
    uvicorn.run(create_app(settings, day), host="127.0.0.1", port=port, log_level="warning")
