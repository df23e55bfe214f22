"""The scale benchmarks B5-B8 for bench/run (standard library only).

  B5  the deterministic simulation (sim/subkeeper-sim): its JSON report, exit code, wall time.
  B6  time from exec to /readyz 200 and peak RSS with 0 / 10k / 100k stored subscriptions,
      against `sqlite3 FILE "select * from subscriptions"` on the same file.
  B7  the keeper idle with 10k stored subscriptions (none due) after start-up work settled:
      CPU seconds and wake-ups per thread over 60 s, nginx idle beside it.
  B8  bench_sched_cost: per idle scheduler pass and per due renewal, N = 1k / 10k / 100k.

Stores are seeded once per size by bench_seed_store (in /dev/shm, for speed: one fsync per
record otherwise) and copied to build-bench/seed/ on the benchmark filesystem; every run works
on a fresh copy of that file. Every process is pinned and stopped by its own PID.
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time

import common
from common import LOAD_CPU, SERVER_CPU, Proc

SEED_MAX_AGE_S = 12 * 3600  # seeded records expire in 2-7 days: reuse a seed for half a day


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def fs_type(path):
    out = subprocess.run(["findmnt", "-n", "-o", "FSTYPE,SOURCE,OPTIONS", "-T", path],
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


class Ctx:
    """Paths and binaries shared by the scale benchmarks."""

    def __init__(self, build, work, binpath):
        self.build = build
        self.work = work
        self.bin = binpath
        self.seed_dir = os.path.join(build, "seed")
        os.makedirs(self.seed_dir, exist_ok=True)

    def seed(self, n):
        """build-bench/seed/store-N.db, seeded when missing or older than SEED_MAX_AGE_S."""
        path = os.path.join(self.seed_dir, f"store-{n}.db")
        if os.path.exists(path) and time.time() - os.path.getmtime(path) < SEED_MAX_AGE_S:
            return path
        tmp = f"/dev/shm/bench-seed-{os.getpid()}-{n}.db"
        for p in (tmp, path):
            remove_db(p)
        log(f"seeding {n} subscriptions (bench_seed_store)")
        t0 = time.monotonic()
        subprocess.run([self.bin("bench_seed_store"), "--subscriptions", str(n), "--db", tmp],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.copyfile(tmp, path + ".part")
        os.replace(path + ".part", path)
        remove_db(tmp)
        log(f"seeded {n} in {time.monotonic() - t0:.1f} s")
        return path

    def fresh_copy(self, n, dest):
        remove_db(dest)
        shutil.copyfile(self.seed(n), dest)
        os.chmod(dest, 0o600)
        return dest


def remove_db(path):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def start_emulator(ctx, tag):
    port = common.free_port()
    emu = Proc("rc-emulator", [ctx.bin("rc-emulator"), "--listen", f"127.0.0.1:{port}",
                               "--reminder-job-interval", "5", "--log-level", "warn"], LOAD_CPU,
               log=f"{ctx.work}/{tag}-emulator.log")
    common.wait_port(port, proc=emu)
    return emu, port


def write_config(ctx, n, path, db, emu_port, admin_port, webhooks_port=0, compact=False):
    """The keeper config for the N fleet: flat (one subscriptions[] entry each, YAML or JSON by
    extension) or compact (one template, accounts in PATH.accounts.jsonl), same subscriptions."""
    form = "--fleet-config" if compact else "--config"
    subprocess.run([ctx.bin("bench_seed_store"), "--subscriptions", str(n), form, path,
                    "--store-path", db, "--platform", f"http://127.0.0.1:{emu_port}",
                    "--admin", f"127.0.0.1:{admin_port}",
                    "--webhooks", f"127.0.0.1:{webhooks_port}"], check=True)


def populated_store(ctx, n, db, emu_port, hook_port):
    """Creates the fleet in the emulator (bench/lib/populate.py) and seeds `db` with the ids it
    returned, so the keeper's start-up reconcile finds nothing to change."""
    d = os.path.dirname(db)
    t0 = time.monotonic()
    subprocess.run(["taskset", "-c", LOAD_CPU, sys.executable,
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "populate.py"),
                    "--emulator", str(emu_port), "--webhooks", str(hook_port),
                    "--subscriptions", str(n), "--out", f"{d}/remote.jsonl"], check=True)
    tmp = f"/dev/shm/bench-b7-{os.getpid()}.db"
    remove_db(tmp)
    subprocess.run([ctx.bin("bench_seed_store"), "--subscriptions", str(n), "--db", tmp,
                    "--remote", f"{d}/remote.jsonl", "--public-url",
                    f"http://127.0.0.1:{hook_port}", "--platform", f"http://127.0.0.1:{emu_port}"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    remove_db(db)
    shutil.copyfile(tmp, db)
    os.chmod(db, 0o600)
    remove_db(tmp)
    return time.monotonic() - t0


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def kib(value):
    return int(value.split()[0])


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick  # utime, stime


def threads(pid):
    """{tid: (comm, voluntary, nonvoluntary)} for every thread of pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = proc_status(f"{pid}/task/{tid}")
            out[tid] = (st["Name"], int(st["voluntary_ctxt_switches"]),
                        int(st["nonvoluntary_ctxt_switches"]))
        except (OSError, KeyError):
            pass
    return out


def wchan(pid, tid):
    """Where the thread sleeps in the kernel (e.g. do_sigtimedwait, futex_wait_queue, ep_poll):
    the keeper's threads all share one comm, this tells them apart."""
    try:
        with open(f"/proc/{pid}/task/{tid}/wchan") as f:
            return f.read().strip() or "?"
    except OSError:
        return "?"


# ------------------------------------------------------------------------------------------ B6


def sqlite_scan_ms(db, reps=3):
    best = None
    for _ in range(reps):
        t0 = time.monotonic()
        subprocess.run(["taskset", "-c", SERVER_CPU, "sqlite3", db, "select * from subscriptions"],
                       check=True, stdout=subprocess.DEVNULL)
        ms = (time.monotonic() - t0) * 1000
        best = ms if best is None else min(best, ms)
    return best


def wait_ready_timed(admin_port, proc, t0, timeout):
    """Polls /readyz every 10 ms; the time from t0 to the first 200, in ms."""
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"keeper exited with {proc.p.returncode} before ready")
        try:
            status, _ = common.http_get(admin_port, "/readyz", timeout=1.0)
            if status == 200:
                return (time.monotonic() - t0) * 1000
        except OSError:
            pass
        time.sleep(0.01)
    return None


def b6_one(ctx, n, rep, timeout):
    d = f"{ctx.work}/b6-{n}"
    os.makedirs(d, exist_ok=True)
    db = ctx.fresh_copy(n, f"{d}/keeper.db") if n else f"{d}/keeper.db"
    if not n:
        remove_db(db)
    emu, emu_port = start_emulator(ctx, f"b6-{n}-{rep}")
    keeper = None
    try:
        admin = common.free_port()
        write_config(ctx, n, f"{d}/keeper.yaml", db, emu_port, admin, compact=True)
        t0 = time.monotonic()
        keeper = Proc("subkeeper", [ctx.bin("subkeeper"), "run", "-c", f"{d}/keeper.yaml"],
                      SERVER_CPU, log=f"{d}/keeper-{rep}.log")
        ready_ms = wait_ready_timed(admin, keeper, t0, timeout)
        r = {"ready_ms": ready_ms}
        if ready_ms is not None:
            time.sleep(3.0)
            st = proc_status(keeper.pid)
            r.update(hwm_kib=kib(st["VmHWM"]), rss_kib=kib(st["VmRSS"]),
                     threads=int(st["Threads"]), cpu_s=cpu_seconds(keeper.pid))
            # After the RSS reading: what one /metrics scrape costs with N subscriptions.
            scrapes, size = [], 0
            for _ in range(3):
                t1 = time.monotonic()
                status, body = common.http_get(admin, "/metrics", timeout=120.0)
                scrapes.append((time.monotonic() - t1) * 1000)
                size = len(body) if status == 200 else 0
            r.update(scrape_ms=min(scrapes), scrape_bytes=size)
        r["exit"] = keeper.stop()
        return r
    finally:
        if keeper is not None:
            keeper.stop()
        emu.stop()


def check_cost(ctx, n, ext, compact=False):
    """Wall ms and peak RSS of `subkeeper check` on the N config written as flat YAML or JSON,
    or compact (templates + accounts file): the share of start-up that is loading the config."""
    path = f"{ctx.work}/b6-{n}/check{'-compact' if compact else ''}.{ext}"
    write_config(ctx, n, path, f"{ctx.work}/b6-{n}/unused.db", 1, 0, compact=compact)
    t0 = time.monotonic()
    p = subprocess.Popen(["taskset", "-c", SERVER_CPU, ctx.bin("subkeeper"), "check", "-c", path],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    size = os.path.getsize(path)
    if compact:
        size += os.path.getsize(path + ".accounts.jsonl")
    return {"ms": (time.monotonic() - t0) * 1000, "maxrss_kib": usage.ru_maxrss,
            "bytes": size, "exit": p.returncode}


def b6(ctx, sizes, reps, timeout):
    res = {}
    for n in sizes:
        db = ctx.seed(n) if n else None
        os.makedirs(f"{ctx.work}/b6-{n}", exist_ok=True)
        row = {"n": n, "db_bytes": os.path.getsize(db) if db else 0,
               "scan_ms": sqlite_scan_ms(db) if db else None, "runs": [],
               "check_yaml": check_cost(ctx, n, "yaml"), "check_json": check_cost(ctx, n, "json"),
               "check_compact": check_cost(ctx, n, "yaml", compact=True)}
        for rep in range(reps):
            log(f"B6 N={n} rep {rep + 1}/{reps} (load {loadavg()})")
            row["runs"].append(b6_one(ctx, n, rep, timeout))
        res[str(n)] = row
    return res


def b6_scrape(ctx, sizes, reps):
    """bench_scrape_cost: one GET /metrics worth of work (store reads, /proc, exposition) with N
    stored subscriptions, per metrics.per_subscription mode (auto, always) and the exposition
    before issue 15 (legacy), in-process on a fresh copy of the seeded store."""
    res = []
    d = f"{ctx.work}/b6-scrape"
    os.makedirs(d, exist_ok=True)
    for n in sizes:
        db = ctx.fresh_copy(n, f"{d}/store-{n}.db")
        log(f"B6 scrape N={n} (load {loadavg()})")
        out = subprocess.run(["taskset", "-c", SERVER_CPU, ctx.bin("bench_scrape_cost"), db,
                              str(n), str(reps)], capture_output=True, text=True)
        if out.returncode != 0:
            raise RuntimeError(f"bench_scrape_cost N={n} failed: {out.stderr[-2000:]}")
        res.append(json.loads(out.stdout.strip().splitlines()[-1]))
        remove_db(db)
    return res


def b6_scrape_table(res):
    rows = ["| stored subscriptions | mode | scrape best / median | store read (median) | render "
            "(median) | exposition | ÷ legacy (time, size) |", "|---|---|---|---|---|---|---|"]
    verdicts = []
    for r in res:
        legacy = r["legacy"]
        for mode in ("auto", "always", "legacy"):
            m = r[mode]
            ratio = (f"{m['median_ms'] / legacy['median_ms']:.2f} ×, "
                     f"{m['bytes'] / legacy['bytes']:.3f} ×") if mode != "legacy" else "–"
            rows.append(f"| {r['subscriptions']:,} | {mode} | {m['best_ms']:,.1f} / "
                        f"{m['median_ms']:,.1f} ms | {m['store_median_ms']:,.1f} ms | "
                        f"{m['render_median_ms']:,.1f} ms | {m['bytes'] / 1048576:.2f} MiB | "
                        f"{ratio} |")
        if r["subscriptions"] == 100000:
            a = r["auto"]
            ok = a["median_ms"] <= 250 and a["bytes"] <= 10 * 1048576
            verdicts.append(f"default (auto) scrape at 100k: {a['median_ms']:,.1f} ms, "
                            f"{a['bytes'] / 1048576:.2f} MiB (target ≤ 250 ms, ≤ 10 MiB: "
                            f"{'met' if ok else 'MISSED'})")
    return rows, verdicts


# ------------------------------------------------------------------------------------------ B7


def nginx_idle(ctx):
    d = f"{ctx.work}/b7-nginx"
    os.makedirs(f"{d}/logs", exist_ok=True)
    port = common.free_port()
    with open(f"{d}/nginx.conf", "w") as f:
        f.write(f"""daemon off;
master_process off;
worker_processes 1;
error_log {d}/logs/error.log warn;
pid {d}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
  server {{ listen 127.0.0.1:{port}; location / {{ return 200; }} }}
}}
""")
    p = Proc("nginx", ["nginx", "-c", f"{d}/nginx.conf", "-p", d], SERVER_CPU,
             log=f"{d}/nginx.out")
    common.wait_port(port, proc=p)
    return p


def settle(pid, quiet_cpu_s, window_s, timeout_s):
    """Waits until pid used < quiet_cpu_s CPU seconds over window_s; the seconds it took."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        before = cpu_seconds(pid)
        time.sleep(window_s)
        if cpu_seconds(pid) - before < quiet_cpu_s:
            return time.monotonic() - t0
    return None


def sample(procs, seconds):
    """CPU seconds and per-thread context switches of each process over `seconds`."""
    first = {name: (cpu_seconds(p.pid), threads(p.pid)) for name, p in procs.items()}
    time.sleep(seconds)
    out = {}
    for name, p in procs.items():
        cpu0, th0 = first[name]
        th1 = threads(p.pid)
        per = []
        for tid, (comm, vol, nonvol) in th1.items():
            v0, n0 = th0.get(tid, (comm, 0, 0))[1:]
            per.append({"tid": int(tid), "comm": comm, "main": int(tid) == p.pid,
                        "wchan": wchan(p.pid, tid), "wakeups": vol - v0,
                        "preempted": nonvol - n0, "new": tid not in th0})
        per.sort(key=lambda t: -t["wakeups"])
        total = sum(t["wakeups"] for t in per)
        out[name] = {"cpu_s": cpu_seconds(p.pid) - cpu0, "threads": len(th1),
                     "wakeups": total, "wakeups_per_s": total / seconds, "per_thread": per}
    return out


def emulator_count(port):
    try:
        status, body = common.http_get(port, "/_emulator/subscriptions", timeout=10.0)
        data = json.loads(body)
        if isinstance(data, dict):
            data = data.get("subscriptions", data.get("records", []))
        return len(data) if status == 200 else None
    except (OSError, ValueError):
        return None


def b7(ctx, n, seconds, settle_timeout):
    d = f"{ctx.work}/b7"
    os.makedirs(d, exist_ok=True)
    emu, emu_port = start_emulator(ctx, "b7")
    keeper = nginx = None
    try:
        admin, hooks = common.free_port(), common.free_port()
        log(f"B7 creating {n} subscriptions in the emulator and seeding the store with them")
        populate_s = populated_store(ctx, n, f"{d}/keeper.db", emu_port, hooks)
        write_config(ctx, n, f"{d}/keeper.yaml", f"{d}/keeper.db", emu_port, admin, hooks,
                     compact=True)
        t0 = time.monotonic()
        keeper = Proc("subkeeper", [ctx.bin("subkeeper"), "run", "-c", f"{d}/keeper.yaml"],
                      SERVER_CPU, log=f"{d}/keeper.log")
        ready_ms = wait_ready_timed(admin, keeper, t0, settle_timeout)
        log(f"B7 keeper ready after {ready_ms} ms; waiting for start-up work to settle")
        settled = settle(keeper.pid, 0.05, 5.0, settle_timeout)
        log(f"B7 settled after {settled} s; sampling {seconds} s (load {loadavg()})")
        nginx = nginx_idle(ctx)
        time.sleep(1.0)
        r = {"n": n, "populate_s": populate_s, "ready_ms": ready_ms, "settle_s": settled,
             "seconds": seconds,
             "load": loadavg(),
             **sample({"subkeeper": keeper, "nginx": nginx}, seconds)}
        r["emulator_subscriptions"] = emulator_count(emu_port)
        r["keeper_log_lines"] = sum(1 for _ in open(f"{d}/keeper.log", errors="replace"))
        return r
    finally:
        for p in (nginx, keeper, emu):
            if p is not None:
                p.stop()


# ------------------------------------------------------------------------------------------ B8


def b8(ctx, sizes, k):
    res = []
    d = f"{ctx.work}/b8"
    os.makedirs(d, exist_ok=True)
    for n in sizes:
        db = ctx.fresh_copy(n, f"{d}/store-{n}.db")
        log(f"B8 N={n} K={min(k, n)} (load {loadavg()})")
        out = subprocess.run(["taskset", "-c", SERVER_CPU, ctx.bin("bench_sched_cost"), db, str(n),
                              str(k)], capture_output=True, text=True)
        if out.returncode != 0 and not out.stdout.strip():
            raise RuntimeError(f"bench_sched_cost N={n} failed: {out.stderr[-2000:]}")
        r = json.loads(out.stdout.strip().splitlines()[-1])
        r["exit"] = out.returncode
        r["db_bytes"] = os.path.getsize(db)
        res.append(r)
        remove_db(db)
    probe = subprocess.run(["taskset", "-c", SERVER_CPU, ctx.bin("bench_fsync"), d, "3"],
                           capture_output=True, text=True)
    fsync = json.loads(probe.stdout) if probe.returncode == 0 else None
    return {"fs": fs_type(d), "fsync": fsync, "runs": res}


# ------------------------------------------------------------------------------------------ B5


def b5(ctx, quick):
    sim = ctx.bin("subkeeper-sim")
    if not os.path.exists(sim):
        return {"error": f"{sim} not built"}
    # The audit list of every account every 15 min (the default reconcile_interval) is 96 list
    # calls per account-day: at 10,000 accounts 28.8M passes in 30 days, hours of simulation.
    # A fleet that size sets reconcile_interval to 6 h (documented in the README); so does B5.
    fleet = ["--reconcile-interval", "21600"]
    argv = ([sim, "--accounts", "1000", "--days", "7", "--seed", "1"] + fleet if quick else
            [sim, "--accounts", "10000", "--days", "30", "--seed", "1"] + fleet)
    d = f"{ctx.work}/b5"
    if os.path.exists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    argv += ["--work-dir", d]
    log(f"B5 {' '.join(argv[1:])} (load {loadavg()})")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    out = subprocess.run(["taskset", "-c", SERVER_CPU] + argv, capture_output=True, text=True)
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(f"{d}/stderr.log", "w") as f:
        f.write(out.stderr)
    report = None
    text = out.stdout.strip()
    start = text.find("{")
    if start >= 0:
        try:
            report = json.loads(text[start:])
        except ValueError:
            report = None
    return {"argv": " ".join(["subkeeper-sim"] + argv[1:]), "exit": out.returncode,
            "wall_s": wall, "cpu_s": (after.ru_utime + after.ru_stime) -
            (before.ru_utime + before.ru_stime), "maxrss_kib": after.ru_maxrss,
            "report": report, "stdout_tail": None if report else text[-2000:],
            "stderr_tail": out.stderr[-1500:] if out.returncode else ""}


# --------------------------------------------------------------------------------------- report


def fmt_ms(v):
    return "–" if v is None else f"{v:,.1f}"


def b6_table(res):
    rows = ["| stored subscriptions | DB file | sqlite3 full scan (best of 3) | keeper exec → /readyz "
            "200: best / median | ready ÷ scan (best) | peak RSS (VmHWM, ready + 3 s): median | "
            "RSS growth over N=0 | growth ÷ DB size | `subkeeper check` of the config: flat YAML / "
            "flat JSON / compact (templates + accounts file; the keeper runs on this one) "
            "(ms, peak RSS, size) |",
            "|---|---|---|---|---|---|---|---|---|"]
    base = res.get("0")
    base_hwm = common.med([r.get("hwm_kib") for r in base["runs"]]) if base else None
    verdicts = []
    for key, row in res.items():
        n = row["n"]
        ready = [r["ready_ms"] for r in row["runs"] if r["ready_ms"] is not None]
        hwm = common.med([r.get("hwm_kib") for r in row["runs"]])
        best = min(ready) if ready else None
        ratio = best / row["scan_ms"] if best is not None and row["scan_ms"] else None
        growth = (hwm - base_hwm) if hwm is not None and base_hwm is not None and n else None
        g_ratio = growth * 1024 / row["db_bytes"] if growth is not None and row["db_bytes"] else None
        not_ready = len(row["runs"]) - len(ready)
        rows.append(
            f"| {n:,} | {row['db_bytes'] / 1048576:.1f} MiB | {fmt_ms(row['scan_ms'])} ms | "
            f"{fmt_ms(best)} / {fmt_ms(common.med(ready))} ms"
            f"{f' ({not_ready} never ready)' if not_ready else ''} | "
            f"{'–' if ratio is None else f'{ratio:.1f}'} | "
            f"{'–' if hwm is None else f'{hwm / 1024:.1f} MiB'} | "
            f"{'–' if growth is None else f'{growth / 1024:.1f} MiB'} | "
            f"{'–' if g_ratio is None else f'{g_ratio:.2f}'} | {check_cell(row)} |")
        if n == 100000:
            verdicts.append(f"ready ÷ scan {'–' if ratio is None else f'{ratio:.1f}'} (target ≤ 3: "
                            f"{'met' if ratio is not None and ratio <= 3 else 'MISSED'})")
            verdicts.append(f"RSS growth ÷ DB size {'–' if g_ratio is None else f'{g_ratio:.2f}'} "
                            f"(target ≤ 2: "
                            f"{'met' if g_ratio is not None and g_ratio <= 2 else 'MISSED'})")
    scrape = []
    for key, row in res.items():
        ms = [r["scrape_ms"] for r in row["runs"] if r.get("scrape_ms") is not None]
        if ms:
            size = max(r.get("scrape_bytes", 0) for r in row["runs"])
            scrape.append(f"{row['n']:,}: {min(ms):,.1f} ms, {size / 1048576:.2f} MiB")
    if scrape:
        verdicts.append("GET /metrics after ready (best of 3 × runs): " + "; ".join(scrape))
    return rows, verdicts


def check_cell(row):
    def one(c):
        return f"{c['ms']:,.0f} ms, {c['maxrss_kib'] / 1024:.0f} MiB ({c['bytes'] / 1048576:.1f} MiB)"
    compact = row.get("check_compact")  # absent in results from before the compact form
    return (f"{one(row['check_yaml'])} / {one(row['check_json'])} / "
            f"{one(compact) if compact else '–'}")


def b7_table(r):
    rows = ["| process | CPU seconds in the window | threads | wake-ups (voluntary switches) | "
            "wake-ups/s | wake-ups/s per thread | threads that woke (comm, where it sleeps: "
            "wake-ups) |",
            "|---|---|---|---|---|---|---|"]
    for name in ("subkeeper", "nginx"):
        x = r[name]
        woke = ", ".join(f"{t['comm']}{' (main)' if t.get('main') else ''} in "
                         f"{t.get('wchan', '?')}: {t['wakeups']}"
                         for t in x["per_thread"] if t["wakeups"])
        rows.append(f"| {name} | {x['cpu_s']:.2f} | {x['threads']} | {x['wakeups']} | "
                    f"{x['wakeups_per_s']:.2f} | {x['wakeups_per_s'] / max(1, x['threads']):.3f} | "
                    f"{woke or 'none'} |")
    return rows


def b8_table(r):
    rows = ["| stored N | due K | idle pass: median (min–max) ms | pass renewing K: total ms | "
            "per due renewal ms | renewed | other platform calls | idle pass after |",
            "|---|---|---|---|---|---|---|---|"]
    for x in r["runs"]:
        t = x["idle_tick_ms"]
        rows.append(f"| {x['n']:,} | {x['k']:,} | {t['median']:.3f} ({t['min']:.3f}–{t['max']:.3f})"
                    f" | {x['due_tick_ms']:,.0f} | {x['per_due_renewal_ms']:.2f} | {x['renewed']} | "
                    f"{x['unexpected_calls']} | {x['idle_tick_after_ms']:.3f} ms |")
    return rows


def fsync_note(f):
    if not f:
        return "fsync probe not run."
    keys = {k: v for k, v in f.items() if isinstance(v, (int, float))}
    return "fsync probe right after: " + ", ".join(f"{k} {v:,.3g}" for k, v in keys.items()) + "."


def b5_lines(r):
    if "error" in r:
        return [f"B5 not run: {r['error']}."]
    out = [f"`{r['argv']}`: exit {r['exit']} "
           f"({'targets met' if r['exit'] == 0 else 'a target MISSED'}), wall {r['wall_s']:.1f} s, "
           f"CPU {r['cpu_s']:.1f} s, peak RSS {r['maxrss_kib'] / 1024:.0f} MiB.", ""]
    if r["report"] is not None:
        out += ["```json", json.dumps(r["report"], indent=1)[:6000], "```"]
    else:
        out += ["No JSON report on stdout. Tail:", "```", (r["stdout_tail"] or "") +
                (r["stderr_tail"] or ""), "```"]
    return out


def render(r):
    out = []
    if "b5" in r:
        out += ["#### B5 — deterministic simulation", "", *b5_lines(r["b5"]), ""]
    if "b6" in r:
        rows, verdicts = b6_table(r["b6"])
        out += ["#### B6 — time to ready and peak RSS with stored subscriptions", "", *rows, ""]
        if verdicts:
            out += ["100k stored subscriptions: " + "; ".join(verdicts) + ".", ""]
    if "b6_scrape" in r:
        rows, verdicts = b6_scrape_table(r["b6_scrape"])
        out += ["#### B6 — one scrape's work per metrics.per_subscription mode (in-process, real "
                "SqliteStore)", "", *rows, ""]
        if verdicts:
            out += ["; ".join(verdicts) + ".", ""]
    if "b7" in r:
        x = r["b7"]
        out += [f"#### B7 — idle: {x['n']:,} stored subscriptions, none due, {x['seconds']} s", "",
                f"Ready after {fmt_ms(x['ready_ms'])} ms; start-up work settled (< 0.05 CPU s in "
                f"5 s) after {x['settle_s'] if x['settle_s'] is None else round(x['settle_s'])} s; "
                f"the emulator then held {x['emulator_subscriptions']} subscriptions; load "
                f"{x['load']} when sampling.", "", *b7_table(x), ""]
    if "b8" in r:
        out += ["#### B8 — scheduler cost per due renewal (in-process, real SqliteStore, fake "
                "instant platform)", "", f"Store on {r['b8']['fs']}, WAL, synchronous=FULL; "
                f"{fsync_note(r['b8'].get('fsync'))}", "",
                *b8_table(r["b8"]), ""]
    return out
