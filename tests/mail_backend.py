"""The file mail backend for worker processes started by tests, with collision-free file names.

Django names the file from the current second and id(self); two pool processes forked from one
worker can get the same id and interleave their messages in one file. A uuid cannot collide.
"""

import os
import uuid

from django.core.mail.backends.filebased import EmailBackend


class UniqueFileEmailBackend(EmailBackend):
    def _get_filename(self) -> str:
        if self._fname is None:
            self._fname = os.path.join(self.file_path, f"{os.getpid()}-{uuid.uuid4().hex}.log")
        return self._fname
