"""Process and statistics helpers shared by bench/run and bench/lib/killloop.py.

Every process is started pinned with taskset and stopped by its own PID (SIGTERM, then SIGKILL
after a grace period); nothing is ever stopped by name.
"""
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import time

SERVER_CPU = "0"
LOAD_CPU = "1"


class Proc:
    """A child process pinned to one CPU, stopped by PID."""

    def __init__(self, name, argv, cpu, cwd=None, env=None, log=None, stdout=None):
        self.name = name
        self.argv = argv
        self.log_path = log
        out = stdout if stdout is not None else (
            open(log, "ab") if log else subprocess.DEVNULL)
        self.started = time.monotonic()
        self.p = subprocess.Popen(["taskset", "-c", cpu] + argv, cwd=cwd, env=env,
                                  stdout=out, stderr=subprocess.STDOUT if log else None,
                                  stdin=subprocess.DEVNULL)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def kill9(self):
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        self.p.wait()

    def stop(self, grace=10.0):
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.p.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.p.wait()
        return self.p.returncode


def wait_port(port, timeout=15.0, proc=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.p.returncode} before listening")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def http_get(port, path, timeout=2.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_ready(admin_port, timeout=30.0, proc=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited with {proc.p.returncode} before ready")
        try:
            status, body = http_get(admin_port, "/readyz")
            if status == 200:
                return
            last = body
        except OSError as e:
            last = str(e)
        time.sleep(0.05)
    raise RuntimeError(f"keeper not ready after {timeout} s: {last!r}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def benchjson(text):
    """The BENCHJSON line the wrk Lua scripts print from done()."""
    for line in text.splitlines():
        if line.startswith("BENCHJSON "):
            return json.loads(line[len("BENCHJSON "):])
    raise RuntimeError("no BENCHJSON line in wrk output:\n" + text)


def med(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return statistics.median(values)


def spread(values):
    """(median, min, max) of a list, ignoring None."""
    values = [v for v in values if v is not None]
    if not values:
        return (None, None, None)
    return (statistics.median(values), min(values), max(values))


def fmt(v, digits=0):
    if v is None:
        return "–"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def fmt_spread(t, digits=0):
    m, lo, hi = t
    if m is None:
        return "–"
    if lo == hi:
        return fmt(m, digits)
    return f"{fmt(m, digits)} ({fmt(lo, digits)}–{fmt(hi, digits)})"
