"""gunicorn settings for Backstride, read from the environment.

``backstride serve`` runs ``gunicorn -c python:backstride.web.gunicorn_conf``; a systemd unit
or a Procfile may do the same. Everything here can be overridden on gunicorn's command line
or in ``GUNICORN_CMD_ARGS``.

- ``WEB_CONCURRENCY`` worker processes (default 2 × CPU cores + 1, at most 9: gunicorn's
  advice; 5 on a 2-core machine), each with ``WEB_THREADS`` threads (default 2), so a slow
  client or an audio download does not hold a whole process.
- ``HOST``/``PORT`` to bind (default 127.0.0.1:8000: a reverse proxy sits in front).
- No access log from gunicorn: the app writes one structured line per request with its
  request id (``backstride.web.middleware.RequestIdMiddleware``); gunicorn's own messages go
  through the same formatter as the app's (``LOG_FORMAT``).
"""

from __future__ import annotations

import os
from typing import Any

from backstride.lib.logs import logging_config


def default_workers(cores: int | None = None) -> int:
    """gunicorn's rule of thumb, 2 × cores + 1, capped at 9 so a big laptop stays sane."""
    return min(2 * (cores or os.cpu_count() or 1) + 1, 9)


bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or default_workers())
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS") or 2)
timeout = 60
graceful_timeout = 30
keepalive = 5
# Recycle a worker now and then, staggered, so a slow leak never grows unbounded.
max_requests = 2000
max_requests_jitter = 200
accesslog = None
_debug = os.environ.get("DEBUG", "").strip().lower() in {"1", "true", "yes", "on"}
logconfig_dict = logging_config(
    os.environ.get("LOG_FORMAT") or ("text" if _debug else "json"),
    os.environ.get("LOG_LEVEL", "WARNING"),
    os.environ.get("LOG_LEVEL", "INFO"),
)
# gunicorn's own messages (start, workers booting and exiting) through the same handler.
logconfig_dict["loggers"]["gunicorn.error"] = {
    "handlers": ["console"],
    "level": os.environ.get("LOG_LEVEL", "INFO"),
    "propagate": False,
}
proc_name = "backstride-web"
# No control socket: it sits at one path per user, so two servers on one machine would clash.
control_socket_disable = True


def child_exit(server: Any, worker: Any) -> None:
    """Drop a dead worker's live metrics (gauges) from the shared Prometheus folder."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
