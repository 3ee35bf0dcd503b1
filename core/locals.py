"""What Django keeps in asgiref Locals (the active language, the script prefix, the URLconf), read
in one step.

Django reads each with getattr() on an asgiref `Local`: its `__getattr__` takes a lock, asks its
storage's `__getattr__`, which calls `_storage()`, and an unset name raises and catches an
AttributeError on the way (the URLconf is unset on almost every request): three or four Python
calls a read, and our pages make some 150 such reads a loop turn. `local_value` reads the same
context variable the Local keeps its data in, as the Local itself does, in one call.

The same answer in every case: the storage is used only when it belongs to this thread, as
asgiref's own `_CVar._storage` checks (data inherited by another thread is not visible); a
storage's dict is never changed once set (asgiref copies it on every write), so reading it
without the Local's lock sees a whole one. It is used only for a Local laid out as it reads it
(`is_as_read`, checked when a reader is made); anything else is read with getattr(), as Django
does. tests/core/test_locals.py compares them.
"""

from __future__ import annotations

import contextvars
import threading
from typing import Any

_get_ident = threading.get_ident


def is_as_read(local: object) -> bool:
    """Whether an asgiref Local is laid out as `local_value` reads it: a `_storage` holding a
    ContextVar `_data` whose value (set by the Local itself) is a `_Storage` with `thread_id`
    and `data` (asgiref 3.9 on, non-thread-critical Locals)."""
    data = getattr(getattr(local, "_storage", None), "_data", None)
    if not isinstance(data, contextvars.ContextVar):
        return False
    storage = data.get(None)
    if storage is None:
        return True
    return {"thread_id", "data"} <= set(getattr(type(storage), "__slots__", ()))


def local_value(local: Any, name: str, default: Any) -> Any:
    """getattr(local, name, default) for a Local that `is_as_read`."""
    storage = local._storage._data.get(None)
    if storage is None or storage.thread_id != _get_ident():
        return default
    return storage.data.get(name, default)
