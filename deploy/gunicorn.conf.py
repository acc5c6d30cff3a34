"""gunicorn's settings in the image (deploy/entrypoint.sh `web`), every value from the environment (.env.example)."""

import os

# Host networking (compose.yaml): gunicorn listens on the loopback, where only the reverse proxy reaches it.
bind = [f"{os.environ.get('WEB_HOST') or '127.0.0.1'}:{os.environ.get('WEB_PORT') or '8000'}"]
# Sync workers: each serves one request at a time. 2-4 per core; WEB_CONCURRENCY sets the number.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1))
# Several web containers on one host share the port (SO_REUSEPORT; `docker compose up --scale web=2`); the kernel
# spreads connections across them, and one can restart while the others serve.
reuse_port = True
timeout = 30
graceful_timeout = 30
# A worker is replaced after this many requests: memory fragmentation cannot grow for ever.
max_requests = 2000
max_requests_jitter = 200
# The workers' heartbeat files on tmpfs, not on the container's overlay filesystem.
worker_tmp_dir = "/dev/shm"  # noqa: S108 (gunicorn's own heartbeat files, not data)
# One line per request comes from mutua itself (mutua.core.requestid: request id, user id, path without the query
# string, status, time), in the same JSON as every other line: gunicorn's own access log would repeat it without them.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL") or "info"
# gunicorn's own messages (workers started, timeouts) as JSON lines too, unless LOG_FORMAT=text.
if (os.environ.get("LOG_FORMAT") or "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "mutua.core.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},  # mutua.request says it
        },
    }
