#!/usr/bin/env python3
"""Validation handshakes one at a time over raw sockets, each on a new connection (as the
platform does), timed from connect to the last byte of the answer.

By default the POST carries NO Content-Length (the form cpp-httplib used to hold for its 5 s read
timeout); --content-length sends "Content-Length: 0". Checks every answer: 200, Validation-Token
echoed byte for byte, at most 1024 bytes (RingCentral's limit). Prints one JSON line.
"""
import argparse
import json
import socket
import time

TOKEN = "bench-validation-token-0123456789"


def pct(sorted_ms, p):
    if not sorted_ms:
        return None
    return sorted_ms[min(len(sorted_ms) - 1, int(p * len(sorted_ms)))]


def one(host, port, path, content_length, timeout):
    req = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: RingCentral-Webhook\r\n"
           f"Validation-Token: {TOKEN}\r\nContent-Type: application/json\r\n")
    if content_length:
        req += "Content-Length: 0\r\n"
    req += "\r\n"
    t0 = time.perf_counter()
    data = b""
    ok = False
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(req.encode())
            while b"\r\n\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                k, _, v = line.partition(":")
                headers[k.strip().lower()] = v.strip()
            length = int(headers.get("content-length", "0") or 0)
            while len(body) < length:
                chunk = s.recv(4096)
                if not chunk:
                    break
                body += chunk
                data += chunk
            ok = (lines[0].split(" ")[1:2] == ["200"] and headers.get("validation-token") == TOKEN
                  and len(data) <= 1024)
    except (OSError, IndexError, ValueError):
        ok = False
    return (time.perf_counter() - t0) * 1000.0, ok, len(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--path", default="/webhooks/bench/ingest")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--content-length", action="store_true")
    ap.add_argument("--timeout", type=float, default=10.0)
    ap.add_argument("--gap-ms", type=float, default=0.0, help="pause between handshakes")
    a = ap.parse_args()
    ms, bad, sizes = [], 0, []
    t_start = time.perf_counter()
    for _ in range(a.count):
        t, ok, size = one(a.host, a.port, a.path, a.content_length, a.timeout)
        ms.append(t)
        sizes.append(size)
        bad += 0 if ok else 1
        if a.gap_ms:
            time.sleep(a.gap_ms / 1000.0)
    ms.sort()
    print(json.dumps({
        "count": len(ms), "failed": bad, "p50_ms": pct(ms, 0.50), "p99_ms": pct(ms, 0.99),
        "max_ms": ms[-1], "over_100ms": sum(1 for x in ms if x > 100),
        "over_3000ms": sum(1 for x in ms if x > 3000), "response_bytes": max(sizes),
        "seconds": time.perf_counter() - t_start,
    }))


if __name__ == "__main__":
    main()
