#!/usr/bin/env python3
"""Holds K adversarial connections to a server until SIGTERM (or --duration):

  idle  each connection sends one complete keep-alive handshake, reads the answer and then sits
        idle (a keep-alive client that never sends again);
  half  each connection sends a request line and part of a header, never the end of the headers.

When the server closes a connection it is opened again at once, so the pressure stays at K for
the whole measurement. Prints "READY" once K connections are open and have sent their bytes,
and a JSON line with the reconnect count when it stops.
"""
import argparse
import json
import selectors
import signal
import socket
import sys
import time

stop = False


def on_term(*_):
    global stop
    stop = True


def payload(mode, host, port):
    if mode == "idle":
        return (f"POST /webhooks/bench/idle HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Validation-Token: idle\r\nContent-Length: 0\r\n\r\n").encode()
    return (f"POST /webhooks/bench/half HTTP/1.1\r\nHost: {host}:{port}\r\n"
            f"Validation-Token: half\r\nX-Never-Finished: ").encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["idle", "half"], required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--duration", type=float, default=600.0)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    sel = selectors.DefaultSelector()
    data = payload(a.mode, a.host, a.port)
    reconnects = 0
    failed_connects = 0

    def open_one():
        nonlocal failed_connects
        try:
            s = socket.create_connection((a.host, a.port), timeout=5)
            s.sendall(data)
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            return True
        except OSError:
            failed_connects += 1
            return False

    for _ in range(a.count):
        open_one()
    print("READY", flush=True)
    deadline = time.monotonic() + a.duration
    missing = a.count - len(sel.get_map())
    while not stop and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.1):
            s = key.fileobj
            try:
                chunk = s.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if chunk:
                continue  # answers are read and dropped; the connection stays open and idle
            sel.unregister(s)
            s.close()
            reconnects += 1
            missing += 1
        while missing > 0 and not stop:
            if not open_one():
                break
            missing -= 1
    print(json.dumps({"mode": a.mode, "count": a.count, "reconnects": reconnects,
                      "failed_connects": failed_connects}), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
