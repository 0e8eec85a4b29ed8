"""A job run inside the bench process, with its CPU time, wall time and every query."""

import logging
import re
import time
from collections import Counter, deque
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection
from django.test.utils import CaptureQueriesContext


@dataclass
class JobCost:
    task: object
    wall_seconds: float
    cpu_seconds: float
    queries: list  # the SQL of every query the job's thread made


def run_job(name, log_path):
    """runner.run_task(name) as `runtask` calls it; its queries captured, its log in a file.

    CPU is this process's (all threads: the job and its heartbeat); the fake services run
    in a process of their own, so none of theirs is counted.
    """
    from scheduling import runner
    from scheduling.models import Task

    # CaptureQueriesContext reads connection.queries_log, a deque capped at 9,000 entries:
    # widen it, or a long job's count would stop at 9,000.
    connection.queries_log = deque(maxlen=10_000_000)
    with _console_to(log_path), CaptureQueriesContext(connection) as captured:
        cpu, wall = time.process_time(), time.perf_counter()
        task = runner.run_task(name, Task.CLI)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    task.refresh_from_db()
    if task.status != Task.COMPLETED:
        raise RuntimeError(f"{name} ended {task.status}: {task.error_message[:2000]}")
    return JobCost(task, wall, cpu, [query["sql"] for query in captured.captured_queries])


@contextmanager
def _console_to(path):
    """Send the console log handlers to a file for the run (the job logs every item)."""
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if type(handler) is logging.StreamHandler
    ]
    with open(path, "a") as file:
        previous = [handler.setStream(file) for handler in handlers]
        try:
            yield
        finally:
            for handler, stream in zip(handlers, previous, strict=True):
                handler.setStream(stream)


_STRING = re.compile(r"'(?:[^']|'')*'")
_NUMBER = re.compile(r"\b\d+(?:\.\d+)?\b")
_LIST = re.compile(r"\((?:\s*(?:\?|%s|NULL)\s*,)+\s*(?:\?|%s|NULL)\s*\)")


def query_shapes(queries, top=6):
    """The most frequent statements with their values blanked: [(shape, count)]."""
    counts = Counter()
    for sql in queries:
        shape = _LIST.sub("(…)", _NUMBER.sub("?", _STRING.sub("?", sql)))
        counts[" ".join(shape.split())[:160]] += 1
    return counts.most_common(top)
