"""gunicorn settings, read from the working directory by `gunicorn careerpath.wsgi`.

Command-line flags win over this file (e.g. --bind, --workers).
"""

import gc
import os

# Processes, not threads: each one serves a request at a time. WEB_CONCURRENCY sets the count
# (the usual 2 per core + 1 by default); more hosts behind the proxy scale further.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
# A request that takes longer than this is stuck; the worker is replaced.
timeout = 30
graceful_timeout = 30
# Recycle workers now and then, so a slow leak never grows; jitter keeps them from all
# restarting at once.
max_requests = 1000
max_requests_jitter = 100
# Access log to stdout, where the process manager collects it.
accesslog = "-"

# Python's garbage collector, once the worker is warm: every object alive then (the app, its
# URLs, compiled templates, the content snapshot: some hundreds of thousands) is frozen, so
# the collector's full passes no longer walk them; a full pass otherwise comes about once per
# thousand requests and took 50 ms of CPU on the step page's worker. Objects frozen are still
# freed when nothing refers to them; only a cycle among them would stay until the worker is
# recycled (max_requests above). Frozen twice: when the app is loaded, and after the worker's
# first requests, which fill the per-process caches.
FREEZE_AFTER_REQUESTS = 100


def freeze_what_lives() -> None:
    gc.collect()
    gc.freeze()


def post_worker_init(worker) -> None:
    freeze_what_lives()


def post_request(worker, req, environ, resp) -> None:
    if worker.nr == FREEZE_AFTER_REQUESTS:
        freeze_what_lives()
