#!/usr/bin/env python3
"""Queue baseline: Celery 5 on the Redis broker, prefork pool, a no-op task.

  celery_bench.py --redis URL [--jobs 20000] [--backlog 50000] [--json]

Phases, in one run (on the run's own queue and key prefix; every key removed at the end),
the same shape as uploadd's `cargo bench --bench queue`, which reports the same keys:
  for N in 1, 16:
    a. enqueue: no worker running, `noop.delay(time.time())` in a loop for --jobs jobs;
       enqueue_per_sec = jobs / elapsed (the N=1 pass; both are in enqueue_samples_per_sec);
    b. a worker (`celery -A celery_noop worker -P prefork -c N --without-gossip
       --without-mingle --without-heartbeat -Q <queue>`) starts and works through them;
       process_per_sec_cN = jobs / (last handler end - first handler start), so the
       worker's start-up is not counted;
    c. latency at idle on that worker: --latency-jobs jobs sent one at a time,
       --latency-gap-ms apart; latency = handler start - time.time() just before .delay();
       latency_ms_p50/p99_cN. latency_ms_p50/p99 are the N=16 figures (uploadd's bench
       measures on its 16-slot worker).
  d. backlog: --backlog jobs enqueued with no worker running, then a worker with
     --backlog-concurrency (16) starts; backlog_process_per_sec = jobs / (last end - first
     start); backlog_wall_s also counts the start-up.
On 2 cores the worker, its children and Redis share the machine (the producer is idle while
jobs are processed, except in c).
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))


def log(*a):
    print("[celery-bench]", *a, file=sys.stderr, flush=True)


def pct(values, p):
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


class Bench:
    def __init__(self, args):
        self.args = args
        run = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.queue = f"uploadd-bench-{run}"
        self.prefix = f"uploadd-bench:{run}:"
        os.environ["UPLOADD_BENCH_REDIS"] = args.redis
        os.environ["UPLOADD_BENCH_QUEUE"] = self.queue
        os.environ["UPLOADD_BENCH_PREFIX"] = self.prefix
        sys.path.insert(0, HERE)
        import celery_noop  # noqa: E402  (reads the environment above)
        import redis

        self.mod = celery_noop
        self.noop = celery_noop.noop
        self.r = redis.Redis.from_url(args.redis)
        self.r.ping()
        self.tmp = tempfile.mkdtemp(prefix="uploadd-celery-bench.")
        self.worker = None
        self.celery_bin = os.path.join(os.path.dirname(sys.executable), "celery")

    # -- helpers ---------------------------------------------------------------------------
    def records(self):
        out = []
        for raw in self.r.lrange(self.mod.RECORDS, 0, -1):
            sent, start, end = (float(x) for x in raw.split())
            out.append((sent, start, end))
        return out

    def clear_records(self):
        self.r.delete(self.mod.RECORDS)

    def drop_queue(self):
        for k in self.r.scan_iter(match=self.prefix + self.queue + "*", count=1000):
            self.r.delete(k)

    def wait_records(self, n, timeout):
        end = time.monotonic() + timeout
        while True:
            got = self.r.llen(self.mod.RECORDS)
            if got >= n:
                return got
            if time.monotonic() > end:
                raise TimeoutError(f"only {got}/{n} jobs recorded after {timeout:.0f}s")
            if self.worker is not None and self.worker.poll() is not None:
                raise RuntimeError(f"celery worker exited with {self.worker.returncode}; see {self.worker_log}")
            time.sleep(0.05)

    def enqueue(self, n):
        delay = self.noop.delay
        t0 = time.perf_counter()
        for _ in range(n):
            delay(time.time())
        return n / (time.perf_counter() - t0)

    def start_worker(self, concurrency):
        self.worker_log = os.path.join(self.tmp, f"worker-c{concurrency}-{int(time.time())}.log")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        cmd = [self.celery_bin, "-A", "celery_noop", "worker", "-P", "prefork", "-c", str(concurrency),
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-Q", self.queue,
               "--loglevel", "WARNING"]
        self.worker = subprocess.Popen(cmd, cwd=HERE, env=env, stdin=subprocess.DEVNULL,
                                       stdout=open(self.worker_log, "ab"), stderr=subprocess.STDOUT,
                                       start_new_session=True)
        return time.time()

    def stop_worker(self):
        w, self.worker = self.worker, None
        if w is None:
            return
        if w.poll() is None:
            w.send_signal(signal.SIGTERM)  # warm shutdown
            try:
                w.wait(30)
            except subprocess.TimeoutExpired:
                log("worker did not stop in 30s; killing its process group")
        try:
            os.killpg(w.pid, signal.SIGKILL)  # its own session: only the worker and its children
        except ProcessLookupError:
            pass
        w.wait()

    def process_rate(self, n, recs):
        first_start = min(s for _, s, _ in recs)
        last_end = max(e for _, _, e in recs)
        return n / (last_end - first_start), last_end - first_start

    def latency(self, n, gap):
        self.clear_records()
        for _ in range(n):
            self.noop.delay(time.time())
            time.sleep(gap)
        self.wait_records(n, 60)
        lat = [(s - sent) * 1000 for sent, s, _ in self.records()]
        self.clear_records()
        return pct(lat, 50), pct(lat, 99)

    # -- phases ----------------------------------------------------------------------------
    def run(self):
        a = self.args
        res = {"impl": "celery"}
        import celery
        import kombu

        res["versions"] = {"celery": celery.__version__, "kombu": kombu.__version__,
                           "redis_server": self.r.info("server").get("redis_version")}
        # a + b + c, per concurrency: enqueue with no worker running (a), start the worker and
        # time the queued jobs (b), then idle latency on that worker (c)
        self.enqueue(200)  # connect, declare, warm the producer path outside the clock
        self.drop_queue()
        enq = []
        for c in (1, 16):
            self.clear_records()
            rate = self.enqueue(a.jobs)
            enq.append(rate)
            log(f"enqueue: {a.jobs} x delay(), no worker running: {rate:.0f} jobs/s")
            self.start_worker(c)
            self.wait_records(a.jobs, a.jobs / 20 + 120)
            prate, span = self.process_rate(a.jobs, self.records())
            res[f"process_per_sec_c{c}"] = round(prate, 1)
            log(f"c={c}: {a.jobs} queued jobs processed in {span:.2f}s (first start to last end): {prate:.0f} jobs/s")
            self.clear_records()
            time.sleep(0.5)  # let the worker go idle
            p50, p99 = self.latency(a.latency_jobs, a.latency_gap_ms / 1000)
            res[f"latency_ms_p50_c{c}"] = round(p50, 3)
            res[f"latency_ms_p99_c{c}"] = round(p99, 3)
            log(f"c={c}: idle latency over {a.latency_jobs} jobs {a.latency_gap_ms}ms apart: p50 {p50:.2f} ms, p99 {p99:.2f} ms")
            self.stop_worker()
        res["enqueue_per_sec"] = round(enq[0], 1)
        res["enqueue_samples_per_sec"] = [round(x, 1) for x in enq]
        # The headline latency is the 16-process worker's, as uploadd's queue bench measures it on
        # its 16-slot worker; the concurrency-1 figures are kept alongside.
        res["latency_ms_p50"] = res["latency_ms_p50_c16"]
        res["latency_ms_p99"] = res["latency_ms_p99_c16"]
        res["latency_jobs"] = a.latency_jobs
        res["latency_gap_ms"] = a.latency_gap_ms

        # d. backlog
        if a.backlog > 0:
            self.clear_records()
            brate = self.enqueue(a.backlog)
            log(f"backlog: {a.backlog} jobs queued at {brate:.0f} jobs/s; starting worker c={a.backlog_concurrency}")
            w0 = time.time()
            self.start_worker(a.backlog_concurrency)
            self.wait_records(a.backlog, a.backlog / 20 + 300)
            recs = self.records()
            rate, span = self.process_rate(a.backlog, recs)
            wall = max(e for _, _, e in recs) - w0
            res["backlog_jobs"] = a.backlog
            res["backlog_concurrency"] = a.backlog_concurrency
            res["backlog_process_per_sec"] = round(rate, 1)
            res["backlog_wall_s"] = round(wall, 2)
            res["backlog_enqueue_per_sec"] = round(brate, 1)
            log(f"backlog: {a.backlog} jobs in {span:.2f}s after the first start: {rate:.0f} jobs/s (wall incl. start-up {wall:.1f}s)")
            self.stop_worker()
            self.clear_records()
        else:
            res["backlog_jobs"] = 0
            res["backlog_process_per_sec"] = None
        res["jobs"] = a.jobs
        res["cpus"] = os.cpu_count()
        res["loadavg_at_end"] = os.getloadavg()[0]
        return res

    def cleanup(self):
        try:
            self.stop_worker()
        finally:
            n = 0
            for k in self.r.scan_iter(match=self.prefix + "*", count=1000):
                n += self.r.delete(k)
            # With global_keyprefix, kombu's own keys (queue lists, _kombu.binding.*, unacked*)
            # carry the prefix as well, so this removes everything the run created.
            log(f"cleanup: removed {n} keys under {self.prefix}*")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--redis", required=True, help="redis://host:port[/db]")
    ap.add_argument("--jobs", type=int, default=20000)
    ap.add_argument("--backlog", type=int, default=50000)
    ap.add_argument("--backlog-concurrency", type=int, default=16)
    ap.add_argument("--latency-jobs", type=int, default=500)
    ap.add_argument("--latency-gap-ms", type=float, default=5.0)
    ap.add_argument("--json", action="store_true", help="print only the JSON result on stdout")
    args = ap.parse_args()
    b = Bench(args)
    try:
        res = b.run()
    finally:
        b.cleanup()
    print(json.dumps(res) if args.json else json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
