"""Whole-process figures: wall time, CPU time and peak memory of commands the bench starts.

A finished child's CPU and peak RSS come from os.wait4() (what /usr/bin/time -v reports);
a running one's from /proc/<pid>/stat and /proc/<pid>/status.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from scheduling.tests.processes import wait_until

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Finished:
    returncode: int
    wall_seconds: float
    cpu_seconds: float
    peak_rss_mb: float
    output: str


def run_measured(args, env, log_path, timeout=3600):
    """Run a command to completion; its wall time, CPU (user + system) and peak RSS."""
    with open(log_path, "w+") as log:
        started = time.monotonic()
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                child.kill()
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.01)
        wall = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        log.seek(0)
        output = log.read()
    return Finished(
        returncode=child.returncode,
        wall_seconds=wall,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=usage.ru_maxrss / 1024,
        output=output,
    )


def manage_args(*args):
    return [PYTHON, str(ROOT / "manage.py"), *args]


def cpu_seconds(pid):
    """User + system CPU of a running process (all its threads) from /proc/<pid>/stat."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid):
    """(current RSS, peak RSS) in MB from /proc/<pid>/status (VmRSS, VmHWM)."""
    values = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values.get("VmRSS", 0.0), values.get("VmHWM", 0.0)


class Background:
    """A command running in the background, its output in a file."""

    def __init__(self, args, env, log_path):
        self.log_path = Path(log_path)
        self._log = open(self.log_path, "w")
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, text=True
        )

    @property
    def pid(self):
        return self.popen.pid

    def output(self):
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def wait_for_output(self, text, timeout=60):
        wait_until(
            lambda: text in self.output() or self.popen.poll() is not None, timeout, repr(text)
        )
        if text not in self.output():
            raise RuntimeError(f"{text!r} never came; the command said:\n{self.output()[-3000:]}")

    def stop(self, timeout=30):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        self._log.close()
        return self.popen.returncode
