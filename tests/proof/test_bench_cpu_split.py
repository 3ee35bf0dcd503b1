"""The load benchmark's CPU split (bench/load/kit.py): what each part of the machine spent."""

import subprocess
import sys

from bench.load import kit


def snapshot(processes: dict, *, wrk: float = 0.0, machine: float = 0.0, elapsed: float = 0.0):
    return {"processes": processes, "wrk": wrk, "machine": machine, "elapsed": elapsed}


def test_each_part_spent_its_processes_differences_and_a_new_processes_whole_time():
    before = snapshot(
        {1: ("web", 2.0), 2: ("PostgreSQL", 5.0), 3: ("PostgreSQL", 1.0), 4: ("Redis", 0.5)},
        wrk=1.0, machine=100.0, elapsed=400.0,
    )  # fmt: skip
    # 3 ended in between (a connection past its age); 5 is a new connection.
    after = snapshot(
        {1: ("web", 2.5), 2: ("PostgreSQL", 5.25), 4: ("Redis", 0.75), 5: ("PostgreSQL", 0.125)},
        wrk=3.0, machine=110.0, elapsed=420.0,
    )  # fmt: skip
    assert kit.cpu_spent(before, after) == {
        "web": 0.5,
        "PostgreSQL": 0.375,  # the ended process's time is the machine's only
        "Redis": 0.25,
        "wrk": 2.0,
        "machine": 10.0,
        "elapsed": 20.0,
    }


def test_the_snapshot_finds_the_servers_workers_and_what_they_spent():
    """A 'server' whose worker burns CPU: the worker is the web server's, with its time."""
    worker = (
        "import sys, time\n"
        "end = time.process_time() + 0.2\n"
        "while time.process_time() < end: pass\n"
        "print('burnt', flush=True)\n"
        "sys.stdin.read()\n"
    )
    starts_worker = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {worker!r}])"
    server = subprocess.Popen(
        [sys.executable, "-c", starts_worker],
        stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        before = kit.cpu_snapshot(server.pid)
        assert server.stdout.readline() == "burnt\n"
        after = kit.cpu_snapshot(server.pid)
    finally:
        server.communicate("", timeout=30)
    workers = [pid for pid in after["processes"] if pid != server.pid]
    web_workers = [pid for pid in workers if after["processes"][pid][0] == "web"]
    assert len(web_workers) == 1
    assert kit.cpu_spent(before, after)["web"] >= 0.15
    assert after["machine"] > before["machine"] and after["elapsed"] > before["elapsed"]
