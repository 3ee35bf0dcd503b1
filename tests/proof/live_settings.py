"""Production settings for the tests that run the app under gunicorn (tests/proof/conftest.py).

Only where files go differs: collected static files (the manifest production needs) and, when
there is no Redis, the file cache, go to the test run's own folders.
"""

import os

from careerpath.settings.production import *  # noqa: F403
from careerpath.settings.production import REDIS_URL

STATIC_ROOT = os.environ["PROOF_STATIC_ROOT"]
if not REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ["PROOF_CACHE_DIR"],
        }
    }
