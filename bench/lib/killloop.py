#!/usr/bin/env python3
"""B4, the kill loop: SIGKILL the keeper at random moments under notification load, restart it,
resend what was not acknowledged, and check the acknowledgement contract.

Processes: rc-emulator (the platform), sink.py (the app the relay delivers to), the keeper (CPU 0),
and this driver's load threads (CPU 1). Load starts once the first start has created the
subscriptions (the platform sends nothing to a subscription that does not exist); from then on
every valid notification is for a subscription the store holds, so any 404 is a defect. Every uuid that got a 200 is recorded. After each kill:
PRAGMA integrity_check, and every uuid acknowledged so far must be in the events table. Some
requests are invalid on purpose (wrong Verification-Token -> 403, not an envelope -> 400): they
must never be answered 200, stored or delivered. At the end the keeper runs without kills until
every unacknowledged uuid has been resent and acknowledged and the relay has drained; then every
acknowledged uuid must have been delivered, nothing never sent may be delivered, and the events
table holds no duplicate uuid. Prints one JSON object.
"""
import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
from collections import deque

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

EVENT = "/restapi/v1.0/account/~/extension/~/message-store/instant?type=SMS"


def body_for(uuid, event=EVENT):
    return json.dumps({
        "uuid": uuid, "event": event, "timestamp": "2026-11-22T10:00:00.000Z",
        "subscriptionId": "kill-loop-subscription", "ownerId": "1234567890",
        "body": {"id": "1234567890123", "type": "SMS", "direction": "Inbound",
                 "from": {"phoneNumber": "+16505550199"}, "to": [{"phoneNumber": "+16505550100"}],
                 "subject": "kill loop " + uuid, "messageStatus": "Received"},
    })


class Load:
    """Notification senders. Valid uuids that are not answered 200 go back on the resend queue."""

    def __init__(self, port, routes, threads, run_id, seed):
        self.port = port
        self.routes = routes  # [(path, token)]
        self.threads = threads
        self.run_id = run_id
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.open = threading.Event()      # set while the keeper is meant to be up
        self.stopping = False
        self.new_allowed = True
        self.resend = deque()
        self.sent = set()          # valid uuids ever sent
        self.acked = set()         # valid uuids answered 200
        self.invalid = set()       # invalid uuids answered 4xx (never accepted)
        self.false_200 = []        # invalid uuids answered 200 (a broken contract)
        self.unexpected = {}       # status -> count for valid uuids (besides 200/503)
        self.status_503 = 0
        self.errors = 0
        self.next_id = 0
        self.inflight = 0
        self.first_200 = None      # monotonic time of the first 200 since reset_first()
        self.workers = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def start(self):
        for w in self.workers:
            w.start()

    def reset_first(self):
        with self.lock:
            self.first_200 = None

    def _next(self):
        with self.lock:
            if self.resend:
                self.inflight += 1
                return self.resend.popleft(), True
            if not self.new_allowed:
                return None, None
            self.next_id += 1
            n = self.next_id
            self.inflight += 1
        route = self.routes[n % len(self.routes)]
        if n % 29 == 0:
            return (f"bad-token-{self.run_id}-{n}", route[0], "0" * 32, body_for), False
        if n % 31 == 0:
            return (f"not-envelope-{self.run_id}-{n}", route[0], route[1],
                    lambda u: json.dumps({"uuid": u, "hello": "not a notification"})), False
        uuid = f"kl-{self.run_id}-{n}"
        with self.lock:
            self.sent.add(uuid)
        return (uuid, route[0], route[1], body_for), True

    def _run(self):
        conn = None
        while not self.stopping:
            if not self.open.wait(timeout=0.1):
                continue
            item, valid = self._next()
            if item is None:
                time.sleep(0.01)
                continue
            uuid, path, token, make = item
            status = None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("POST", path, body=make(uuid),
                             headers={"Content-Type": "application/json",
                                      "Verification-Token": token})
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            with self.lock:
                self.inflight -= 1
                if status is None:
                    self.errors += 1
                if valid:
                    if status == 200:
                        self.acked.add(uuid)
                        if self.first_200 is None:
                            self.first_200 = time.monotonic()
                    else:
                        if status == 503:
                            self.status_503 += 1
                        elif status is not None:
                            self.unexpected[status] = self.unexpected.get(status, 0) + 1
                        self.resend.append(item)
                else:
                    if status == 200:
                        self.false_200.append(uuid)
                    elif status is not None:
                        self.invalid.add(uuid)
            if status is None or (valid and status != 200):
                time.sleep(0.005)  # the keeper is down, restarting or not yet routing


class Store:
    """Reads the keeper's SQLite file while the keeper is dead (or, read-only, while it runs)."""

    def __init__(self, path):
        self.path = path
        self.last_seq = 0
        self.stored = set()

    def check(self):
        db = sqlite3.connect(self.path, timeout=10)
        try:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            for seq, uuid in db.execute("SELECT seq, uuid FROM events WHERE seq > ?",
                                        (self.last_seq,)):
                self.last_seq = max(self.last_seq, seq)
                self.stored.add(uuid)
            return integrity
        finally:
            db.close()

    def totals(self):
        db = sqlite3.connect(self.path, timeout=10)
        try:
            total, distinct = db.execute(
                "SELECT count(*), count(DISTINCT uuid) FROM events").fetchone()
            states = dict(db.execute(
                "SELECT kind || ':' || relay_state, count(*) FROM events GROUP BY 1").fetchall())
            return total, distinct, states
        finally:
            db.close()


def wait_created(admin_port, names, proc, timeout=30.0):
    """Until the keeper's first start has created every subscription: the platform delivers only
    to subscriptions that exist, so load before that would measure 404s for webhooks nobody made."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"keeper exited {proc.p.returncode} before creating its subscriptions")
        try:
            status, body = common.http_get(admin_port, "/v1/subscriptions")
            if status == 200:
                views = json.loads(body).get("subscriptions", [])
                made = {v["name"] for v in views if v.get("remote_id")}
                if set(names) <= made:
                    return
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"subscriptions not created {timeout} s after the first start")


def read_sink(path, offset):
    ids = []
    with open(path, "r", encoding="utf-8") as f:
        f.seek(offset)
        while True:
            line = f.readline()
            if not line or not line.endswith("\n"):
                break
            offset += len(line.encode())
            wid, _, kind = line.rstrip("\n").partition("\t")
            ids.append((wid, kind))
    return ids, offset


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keeper", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--token-bin", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--max-load-s", type=float, default=1.0)
    ap.add_argument("--drain-timeout", type=float, default=300.0)
    ap.add_argument("--seed", type=int, default=20261122)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    rng = random.Random(a.seed)
    secret = "bench-kill-loop-webhook-secret"
    ports = {k: common.free_port() for k in ("emu", "hook", "admin", "sink")}
    db_path = os.path.join(a.workdir, "keeper.db")
    sink_log = os.path.join(a.workdir, "sink.log")
    for p in (db_path, db_path + "-wal", db_path + "-shm", sink_log):
        if os.path.exists(p):
            os.remove(p)
    open(sink_log, "w").close()
    names = ["orders", "presence"]
    cfg = os.path.join(a.workdir, "keeper.yaml")
    with open(cfg, "w") as f:
        f.write(f"""# Written by bench/lib/killloop.py. Throwaway credentials for the emulator.
listen: {{webhooks: "127.0.0.1:{ports['hook']}", admin: "127.0.0.1:{ports['admin']}"}}
store: {{sqlite: "{db_path}"}}
platform: {{server: "http://127.0.0.1:{ports['emu']}", client_id: demo-client,
            client_secret: demo-secret, reminder_job_interval: 5}}
webhook_secret: {secret}
accounts: [{{name: bench, jwt: bench-jwt}}]
subscriptions:
""")
        for n in names:
            f.write(f"""  - name: {n}
    account: bench
    event_filters: ["{EVENT}"]
    expires_in: 3600
    deliver_to: "http://127.0.0.1:{ports['sink']}/app/{n}"
""")
        f.write("log: {level: warn}\n")
    env = dict(os.environ, BENCH_WEBHOOK_SECRET=secret)
    routes = []
    for n in names:
        tok = subprocess.run([a.token_bin, "bench", n], env=env, check=True, capture_output=True,
                             text=True).stdout.strip()
        routes.append((f"/webhooks/bench/{n}", tok))

    procs = []
    emu = common.Proc("rc-emulator", [a.emulator, "--listen", f"127.0.0.1:{ports['emu']}",
                                      "--reminder-job-interval", "5", "--rate-limits",
                                      "light=100000,medium=100000,heavy=100000,auth=100000",
                                      "--log-level", "warn"],
                      common.LOAD_CPU, log=os.path.join(a.workdir, "emulator.log"))
    procs.append(emu)
    sink = common.Proc("sink", [sys.executable, os.path.join(os.path.dirname(__file__), "sink.py"),
                                "--port", str(ports["sink"]), "--log", sink_log],
                       common.LOAD_CPU, log=os.path.join(a.workdir, "sink.out"))
    procs.append(sink)
    keeper_log = os.path.join(a.workdir, "keeper.log")
    keeper = None
    result = {"kills": 0, "kills_before_first_200": 0, "integrity_failures": 0,
              "lost_after_kill": 0, "restart_to_first_200_ms": []}
    try:
        common.wait_port(ports["emu"], proc=emu)
        common.wait_port(ports["sink"], proc=sink)
        load = Load(ports["hook"], routes, a.threads, f"{int(time.time())}", a.seed)
        load.start()
        store = Store(db_path)
        for i in range(a.kills):
            load.reset_first()
            t_exec = time.monotonic()
            keeper = common.Proc("subkeeper", [a.keeper, "run", "-c", cfg], common.SERVER_CPU,
                                 log=keeper_log)
            if i == 0:
                wait_created(ports["admin"], names, keeper)
            load.open.set()
            early = rng.random() < 0.1
            if early:
                # Some kills land during start-up (migrations, reconcile) rather than under load.
                time.sleep(rng.uniform(0.0, 0.3))
                result["kills_before_first_200"] += 1
            else:
                deadline = time.monotonic() + 30
                while load.first_200 is None and time.monotonic() < deadline:
                    if not keeper.alive():
                        raise RuntimeError(f"keeper exited {keeper.p.returncode}, see {keeper_log}")
                    time.sleep(0.001)
                if load.first_200 is None:
                    raise RuntimeError(f"no 200 within 30 s of restart {i}, see {keeper_log}")
                result["restart_to_first_200_ms"].append((load.first_200 - t_exec) * 1000)
                time.sleep(rng.uniform(0.0, a.max_load_s))
            keeper.kill9()
            load.open.clear()
            result["kills"] += 1
            # In-flight requests fail with the keeper gone; give them a moment to be requeued.
            time.sleep(0.02)
            integrity = store.check()
            if integrity != "ok":
                result["integrity_failures"] += 1
            with load.lock:
                lost = len(load.acked - store.stored)
            result["lost_after_kill"] = max(result["lost_after_kill"], lost)
        # Final run, no kills: resend everything not acknowledged, then let the relay drain.
        with load.lock:
            load.new_allowed = False
        keeper = common.Proc("subkeeper", [a.keeper, "run", "-c", cfg], common.SERVER_CPU,
                             log=keeper_log)
        load.open.set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with load.lock:
                if not load.resend and load.inflight == 0:
                    break
            time.sleep(0.05)
        load.open.clear()
        load.stopping = True
        with load.lock:
            valid_unacked = load.sent - load.acked
        t_drain = time.monotonic()
        delivered = []
        offset = 0
        drained = False
        while time.monotonic() < t_drain + a.drain_timeout:
            ids, offset = read_sink(sink_log, offset)
            delivered.extend(ids)
            if load.acked <= {w for w, _ in delivered}:
                drained = True
                break
            if not keeper.alive():
                break
            time.sleep(0.25)
        drain_s = time.monotonic() - t_drain
        keeper_exit = keeper.stop(grace=15)
        keeper = None
        time.sleep(0.2)
        ids, offset = read_sink(sink_log, offset)
        delivered.extend(ids)
        integrity = store.check()
        if integrity != "ok":
            result["integrity_failures"] += 1
        total, distinct, states = store.totals()
        event_ids = [w for w, k in delivered if k == "event"]
        delivered_set = set(event_ids)
        never_accepted = load.invalid | set(load.false_200)
        rt = sorted(result["restart_to_first_200_ms"])
        result.update({
            "threads": a.threads,
            "sent_valid": len(load.sent),
            "acked": len(load.acked),
            "valid_never_acked": len(valid_unacked),
            "answers_503": load.status_503,
            "connection_errors": load.errors,
            "unexpected_status": load.unexpected,
            "answers_404": load.unexpected.get(404, 0),
            "invalid_sent_4xx": len(load.invalid),
            "false_200": len(load.false_200),
            "stored_rows": total,
            "stored_distinct_uuids": distinct,
            "duplicates_stored": total - distinct,
            "relay_states": states,
            "acked_not_stored": len(load.acked - store.stored),
            "invalid_stored": len(never_accepted & store.stored),
            "relay_drained": drained,
            "drain_s": round(drain_s, 1),
            "deliveries": len(delivered),
            "lifecycle_deliveries": sum(1 for _, k in delivered if k == "lifecycle"),
            "event_deliveries": len(event_ids),
            "redeliveries": len(event_ids) - len(delivered_set),
            "acked_not_delivered": len(load.acked - delivered_set),
            "delivered_never_sent": len(delivered_set - load.sent - never_accepted),
            "invalid_delivered": len(delivered_set & never_accepted),
            "keeper_exit_on_sigterm": keeper_exit,
            "restart_to_first_200_ms": {
                "count": len(rt), "p50": common.med(rt),
                "p99": rt[min(len(rt) - 1, int(0.99 * len(rt)))] if rt else None,
                "max": rt[-1] if rt else None},
        })
        print(json.dumps(result), flush=True)
    finally:
        if keeper is not None:
            keeper.kill9()
        for p in reversed(procs):
            p.stop()


if __name__ == "__main__":
    main()
