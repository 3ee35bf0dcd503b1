"""What the concurrency tests watch for: another connection's statement waiting on a lock."""

import time


def statement_waits_on_lock(cursor, statement: str, seconds: float = 5.0) -> bool:
    """Whether a session whose query mentions `statement` (a prepared statement's name) comes to
    wait on a lock within `seconds`, seen through `cursor` (another connection's)."""
    waited = 0.0
    while waited < seconds:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # a fresh view each time
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{statement}%"],
        )
        if cursor.fetchone()[0]:
            return True
        time.sleep(0.05)
        waited += 0.05
    return False
