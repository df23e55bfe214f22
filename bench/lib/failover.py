#!/usr/bin/env python3
"""B12 (failover part): two keepers on one PostgreSQL database; SIGKILL the one holding the
accounts' claims, measure how long until the other holds every account and until its first
platform call, restart the killed one as the standby, and repeat with the roles swapped.

Processes: a throwaway PostgreSQL cluster (initdb --no-sync, a Unix socket in a private
directory; as root the server runs as the `postgres` user), rc-emulator, and two `subkeeper run`
processes with SUBKEEPER_REPLICA_ID r1/r2 and store.claim_ttl = --ttl. Checked at the end: the
emulator saw exactly one create per configured subscription (no duplicate across failovers); the
first call is the first one carrying the survivor's User-Agent after the kill. Prints one JSON
object: the takeover and first-call times of every round (ms after the kill), the TTL and poll,
and the checks.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

EVENT = "/restapi/v1.0/account/~/extension/~/presence"


def pg_bindir():
    return subprocess.run(["pg_config", "--bindir"], check=True, capture_output=True,
                          text=True).stdout.strip()


class Cluster:
    """A throwaway PostgreSQL cluster on a Unix socket in its own directory."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sk-b12-pg-")
        self.bindir = pg_bindir()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        data = os.path.join(self.dir, "data")
        self._run(["initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync",
                   "-E", "UTF8", "--locale=C.UTF-8"])
        self._run(["pg_ctl", "-D", data, "-l", os.path.join(self.dir, "server.log"), "-w",
                   "-o", f"-p 5432 -k {self.dir} -c listen_addresses=''", "start"])
        self.conninfo = f"host={self.dir} port=5432 dbname=postgres user=postgres"

    def _run(self, argv):
        argv = [os.path.join(self.bindir, argv[0])] + argv[1:]
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        subprocess.run(argv, check=True, capture_output=True)

    def stop(self):
        try:
            self._run(["pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "-w",
                       "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def get_json(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
        return json.loads(r.read())


def calls(emu_port):
    return get_json(emu_port, "/_emulator/calls")["calls"]


def holds_all(admin_port, accounts):
    try:
        view = get_json(admin_port, "/v1/subscriptions")
    except OSError:
        return False
    held = {a["name"] for a in view.get("accounts", []) if a.get("claim", {}).get("this_keeper")}
    return held >= set(accounts)


def wait(cond, timeout, step=0.005):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(step)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keeper", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--ttl", type=int, default=6)
    ap.add_argument("--accounts", type=int, default=4)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    accounts = [f"acct{i}" for i in range(a.accounts)]
    ports = {k: common.free_port() for k in ("emu", "hook1", "hook2", "admin1", "admin2")}
    cluster = Cluster()
    procs = {}
    result = {"ttl_s": a.ttl, "poll_ms": a.ttl * 1000 / 15, "rounds": [], "creates": None,
              "subscriptions": len(accounts)}
    try:
        configs = {}
        for r in ("r1", "r2"):
            n = r[1]
            path = os.path.join(a.workdir, f"keeper-{r}.yaml")
            with open(path, "w") as f:
                f.write(f"""# Written by bench/lib/failover.py. Throwaway credentials for the emulator.
public_url: "http://127.0.0.1:{ports['hook1']}"
listen: {{webhooks: "127.0.0.1:{ports['hook' + n]}", admin: "127.0.0.1:{ports['admin' + n]}"}}
store: {{postgres: "{cluster.conninfo}", claim_ttl: {a.ttl}}}
platform: {{server: "http://127.0.0.1:{ports['emu']}", client_id: demo-client,
            client_secret: demo-secret, reminder_job_interval: 5,
            request_timeout_ms: {a.ttl * 400}}}
webhook_secret: bench-failover-webhook-secret
accounts:
""")
                for acct in accounts:
                    f.write(f"  - {{name: {acct}, jwt: jwt-{acct}}}\n")
                f.write("subscriptions:\n")
                for acct in accounts:
                    f.write(f"""  - name: sms
    account: {acct}
    event_filters: ["{EVENT}"]
    expires_in: 3600
""")
                f.write("log: {level: info}\n")
            configs[r] = path
        emu = common.Proc("rc-emulator", [a.emulator, "--listen", f"127.0.0.1:{ports['emu']}",
                                          "--log-level", "warn"],
                          common.LOAD_CPU, log=os.path.join(a.workdir, "emulator.log"))
        procs["emu"] = emu
        common.wait_port(ports["emu"], proc=emu)

        def start(r):
            env = dict(os.environ, SUBKEEPER_REPLICA_ID=r)
            p = common.Proc(f"subkeeper-{r}", [a.keeper, "run", "-c", configs[r]],
                            common.SERVER_CPU, env=env,
                            log=os.path.join(a.workdir, f"keeper-{r}.log"))
            procs[r] = p
            common.wait_ready(ports["admin" + r[1]], proc=p)
            return p

        start("r1")
        if not wait(lambda: holds_all(ports["admin1"], accounts), 30):
            raise RuntimeError("r1 never held every account")
        # Every subscription created before the standby starts.
        if not wait(lambda: sum(1 for c in calls(ports["emu"])
                                if c["method"] == "POST" and c["path"] ==
                                "/restapi/v1.0/subscription") >= len(accounts), 30):
            raise RuntimeError("the subscriptions were not created")
        start("r2")
        holder, standby = "r1", "r2"
        for _ in range(a.rounds):
            time.sleep(1.0)  # the standby is up and polling
            last_seq = max((c["seq"] for c in calls(ports["emu"])),
                           default=0)
            t0 = time.monotonic()
            procs[holder].kill9()
            admin = ports["admin" + standby[1]]
            took = wait(lambda: holds_all(admin, accounts), 4 * a.ttl)
            t1 = time.monotonic()
            agent = f"replica/{standby}"

            def first_call():
                return any(agent in c.get("agent", "") for c in
                           calls(ports["emu"]) if c["seq"] > last_seq)
            called = wait(first_call, 4 * a.ttl, step=0.01)
            t2 = time.monotonic()
            result["rounds"].append({
                "killed": holder,
                "takeover_ms": round((t1 - t0) * 1000) if took else None,
                "first_call_ms": round((t2 - t0) * 1000) if called else None,
            })
            start(holder)  # back as the standby
            holder, standby = standby, holder
        result["creates"] = sum(1 for c in calls(ports["emu"])
                                if c["method"] == "POST" and
                                c["path"] == "/restapi/v1.0/subscription")
    finally:
        for p in procs.values():
            p.stop()
        cluster.stop()
    takeovers = [r["takeover_ms"] for r in result["rounds"] if r["takeover_ms"] is not None]
    result["takeover_median_ms"] = common.med(takeovers) if takeovers else None
    result["takeover_max_ms"] = max(takeovers) if takeovers else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
