"""gunicorn settings, read from the working directory by `gunicorn careerpath.wsgi`.

Command-line flags win over this file (e.g. --bind, --workers).
"""

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
