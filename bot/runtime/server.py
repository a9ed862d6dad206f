"""Run the WSGI app under gunicorn (threaded workers), with the sweeps in each worker."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings

log = logging.getLogger(__name__)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any], scheduler: bool) -> None:
        self._settings = settings
        self._options = options
        self._scheduler = scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_exit", self._drain)

    def _drain(self, _server: Any, _worker: Any) -> None:
        """Stop the sweeps, then finish the work listeners handed over after their ack before
        the worker goes (sweeps left running would keep handing work to a pool that is gone:
        what they leave is the next sweep's, in any worker or replica)."""
        from bot.runtime.pacing import stop_waiting

        stop_waiting()
        scheduler = getattr(self, "_sweeps", None)
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=True)
        deps = getattr(self, "_deps", None)
        if deps is not None:
            deps.executor.shutdown(wait=True)

    def load(self) -> Any:
        from bot.app import build_app
        from bot.deps import build_deps
        from bot.runtime.web import make_wsgi_app
        from bot.scheduler import start_scheduler

        deps = build_deps(self._settings)
        self._deps = deps
        app = build_app(deps)
        self._sweeps = start_scheduler(deps) if self._scheduler else None
        return make_wsgi_app(app, deps.engine)


def run_gunicorn(
    settings: Settings, *, host: str, port: int, workers: int, threads: int, scheduler: bool = True
) -> None:
    """Serve until stopped (SIGTERM/SIGINT shut down gracefully).

    The workers share the token's rate limits: each paces itself at its share of them.
    """
    settings = settings.model_copy(
        update={"slack_rate_share": settings.slack_rate_share * max(1, workers)}
    )
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 30,  # time to finish work handed over after acks
        "keepalive": 5,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "control_socket_disable": True,
    }
    _Gunicorn(settings, options, scheduler).run()
