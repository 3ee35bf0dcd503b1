"""Run the beat dispatcher's task once, in this process, `minutes` from now (a later beat run):
`python -m tests.proof.dispatch_once 31`. Prints the task's state and result as JSON.

The reminder fault tests run it as a separate process so that its Celery app talks to the
test's own Redis (CELERY_BROKER_URL), as beat's and the workers' do.
"""

import datetime as dt
import json
import sys

import django

django.setup()

import time_machine  # noqa: E402
from django.utils import timezone  # noqa: E402

from reminders.tasks import dispatch_reminders  # noqa: E402

minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 0.0
with time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True):
    result = dispatch_reminders.apply()
print(json.dumps({"state": result.state, "result": repr(result.result)}))
