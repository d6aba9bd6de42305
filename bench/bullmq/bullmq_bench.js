#!/usr/bin/env node
/*
Queue baseline: BullMQ (Node.js) on Redis, its documented Worker, a no-op async processor.

  node bench/bullmq/bullmq_bench.js --redis URL [--jobs 20000] [--backlog 50000]
      [--latency-jobs 500] [--latency-gap-ms 5] [--backlog-concurrency 16] [--bulk-size 1000] [--json]

Dependencies: bullmq and ioredis, pinned in package.json / package-lock.json next to this file;
`npm ci --prefix bench/bullmq` installs them (run.sh does when node_modules is missing).

The same phases and JSON keys as bench/celery_bench.py (and uploadd's `cargo bench --bench
queue`), in one run on the run's own queue and key prefix; every key is removed at the end
(Queue.obliterate, then a SCAN + DEL of the prefix):
  for N in 1, 16:
    a. enqueue: no worker running, `await queue.add("noop", {sent})` one job at a time for
       --jobs jobs (like Celery's `.delay()` in a loop: one round trip per job);
       enqueue_per_sec = jobs / elapsed (the N=1 pass; both are in enqueue_samples_per_sec);
    b. a worker process starts (this script forked with --worker-child: one BullMQ `Worker`
       with `concurrency: N`, default options otherwise) and works through them;
       process_per_sec_cN = jobs / (last handler end - first handler start), so the
       worker's start-up is not counted;
    c. latency at idle on that worker: --latency-jobs jobs added one at a time,
       --latency-gap-ms apart; latency = handler start - clock read just before `queue.add()`;
       latency_ms_p50/p99_cN. latency_ms_p50/p99 are the N=16 figures (uploadd's bench
       measures on its 16-slot worker).
  extra (not in Celery's bench): enqueue_bulk_per_sec, --jobs jobs through `queue.addBulk()`
     in batches of --bulk-size, no worker running; those jobs are then removed with
     `queue.drain()` and never processed.
  d. backlog: --backlog jobs added (one at a time) with no worker running, then a worker with
     --backlog-concurrency (16) starts; backlog_process_per_sec = jobs / (last end - first
     start); backlog_wall_s also counts the start-up (forking node and loading bullmq).

The worker runs in a separate process, as Celery's does: a child started with
child_process.fork, so producer and worker do not share an event loop. Its no-op processor
reads the clock at the start and the end and keeps (sent, start, end) in memory; the bench
collects them over the IPC channel once the expected number of jobs has run (uploadd's bench
also records in memory; Celery's prefork children RPUSH theirs to Redis, one extra round trip
per job that Celery's figures include). Timestamps are process.hrtime (CLOCK_MONOTONIC, the
same clock in both processes), in ms.
Jobs carry removeOnComplete: true and removeOnFail: true (the queue's defaultJobOptions), so
finished jobs are deleted at once and Redis memory stays bounded (BullMQ's default keeps every
completed job); that is also what Celery without a result backend does. BullMQ's events stream
(capped at ~10000 entries) stays on, as by default.
On 2 cores the worker, the producer and Redis share the machine (the producer is idle while
jobs are processed, except in c).
*/
'use strict';

const { fork } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

let bullmq;
let IORedis;
try {
  bullmq = require('bullmq');
  IORedis = require('ioredis');
} catch (e) {
  process.stderr.write(`[bullmq-bench] cannot load bullmq/ioredis (${e.message}); run: npm ci --prefix ${path.relative(process.cwd(), __dirname) || '.'}\n`);
  process.exit(2);
}
const { Queue, Worker } = bullmq;

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function log(...a) {
  process.stderr.write(`[bullmq-bench] ${a.join(' ')}\n`);
}

function pct(values, p) {
  if (!values.length) return null;
  const s = [...values].sort((x, y) => x - y);
  const k = ((s.length - 1) * p) / 100;
  const lo = Math.floor(k);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (k - lo);
}

const round = (v, nd) => (v == null ? null : Math.round(v * 10 ** nd) / 10 ** nd);

function pkgVersion(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return null;
  }
}

// -- worker child -------------------------------------------------------------------------------
// argv: --worker-child '{"redis", "queue", "prefix", "concurrency"}'
// From the parent: {cmd: "expect", n}: send {type: "records", recs} once n handlers have run
// (and forget them); {cmd: "close"}: Worker.close() (waits for active jobs), then exit.
function workerChild(cfg) {
  let recs = [];
  let expect = 0;
  let worker = null;
  const flush = () => {
    if (expect > 0 && recs.length >= expect) {
      const out = recs;
      recs = [];
      expect = 0;
      process.send({ type: 'records', recs: out });
    }
  };
  process.on('message', async (m) => {
    if (m.cmd === 'expect') {
      expect = m.n;
      flush();
    } else if (m.cmd === 'close') {
      try {
        if (worker) await worker.close();
      } catch (e) {
        log(`worker.close: ${e.stack || e}`);
      }
      process.send({ type: 'closed' }, () => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(1)); // the bench went away
  worker = new Worker(
    cfg.queue,
    async (job) => {
      const start = nowMs();
      const end = nowMs();
      recs.push([job.data.sent, start, end]);
      flush();
    },
    {
      connection: { url: cfg.redis, maxRetriesPerRequest: null },
      prefix: cfg.prefix,
      concurrency: cfg.concurrency,
    },
  );
  worker.on('error', (e) => log(`worker error: ${e.stack || e}`));
  worker.on('failed', (job, e) => log(`job ${job && job.id} failed: ${e && (e.stack || e)}`));
  worker.on('ready', () => log(`worker ready (pid ${process.pid}, concurrency ${cfg.concurrency})`));
}

// -- bench --------------------------------------------------------------------------------------
class Bench {
  constructor(args) {
    this.args = args;
    const run = `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
    this.queueName = `uploadd-bench-${run}`;
    this.prefix = `uploadd-bench:${run}`; // BullMQ keys: <prefix>:<queue>:<suffix>
    this.keyPattern = `${this.prefix}:*`;
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'uploadd-bullmq-bench.'));
    this.worker = null;
    this.queue = null;
    // Plain client for INFO and the final sweep; fails fast (no reconnect loop) on a bad URL.
    this.r = new IORedis(args.redis, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: () => null });
    this.r.on('error', (e) => { this.rError = e; }); // surfaced by open() and the awaited commands
  }

  async open() {
    try {
      await this.r.connect();
      await this.r.ping();
    } catch (e) {
      throw new Error(`cannot reach redis at ${this.args.redis}: ${(this.rError || e).message}`);
    }
    this.queue = new Queue(this.queueName, {
      connection: { url: this.args.redis },
      prefix: this.prefix,
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    this.queue.on('error', (e) => log(`queue error: ${e.message || e}`));
    await this.queue.waitUntilReady();
  }

  // -- helpers ----------------------------------------------------------------------------------
  async enqueue(n) {
    const q = this.queue;
    const t0 = nowMs();
    for (let i = 0; i < n; i++) {
      await q.add('noop', { sent: nowMs() });
    }
    return n / ((nowMs() - t0) / 1000);
  }

  async enqueueBulk(n, size) {
    const q = this.queue;
    const t0 = nowMs();
    for (let i = 0; i < n; i += size) {
      const batch = [];
      for (let j = i; j < Math.min(n, i + size); j++) batch.push({ name: 'noop', data: { sent: nowMs() } });
      await q.addBulk(batch);
    }
    return n / ((nowMs() - t0) / 1000);
  }

  startWorker(concurrency) {
    const t0 = nowMs();
    this.workerLog = path.join(this.tmp, `worker-c${concurrency}-${Date.now()}.log`);
    const fd = fs.openSync(this.workerLog, 'a');
    const cfg = { redis: this.args.redis, queue: this.queueName, prefix: this.prefix, concurrency };
    const child = fork(__filename, ['--worker-child', JSON.stringify(cfg)], {
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    fs.closeSync(fd);
    const w = { child, exited: false, code: null, listeners: new Set() };
    child.on('exit', (code, sig) => {
      w.exited = true;
      w.code = code ?? sig;
      for (const f of w.listeners) f();
    });
    child.on('message', (m) => {
      for (const f of w.listeners) f(m);
    });
    this.worker = w;
    return t0;
  }

  // Resolves with the (sent, start, end) records of the next n handlers on the running worker.
  waitRecords(n, timeoutS) {
    const w = this.worker;
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (err, val) => {
        clearTimeout(timer);
        w.listeners.delete(on);
        if (err) reject(err);
        else resolve(val);
      };
      const on = (m) => {
        if (m && m.type === 'records') done(null, m.recs);
        else if (w.exited) done(new Error(`bullmq worker exited with ${w.code}; see ${this.workerLog}`));
      };
      w.listeners.add(on);
      timer = setTimeout(() => done(new Error(`not all of ${n} jobs recorded after ${timeoutS.toFixed(0)}s; see ${this.workerLog}`)), timeoutS * 1000);
      if (w.exited) return on();
      w.child.send({ cmd: 'expect', n });
    });
  }

  async stopWorker() {
    const w = this.worker;
    this.worker = null;
    if (!w || w.exited) return;
    const exited = new Promise((r) => w.listeners.add(() => w.exited && r()));
    try {
      w.child.send({ cmd: 'close' }); // Worker.close(): finishes active jobs, then exits
    } catch {
      /* channel already gone */
    }
    let timer;
    const late = new Promise((r) => { timer = setTimeout(() => r(false), 30000); });
    const t = await Promise.race([exited.then(() => true), late]);
    clearTimeout(timer);
    if (!t) {
      log('worker did not stop in 30s; killing it');
      w.child.kill('SIGKILL');
      await exited;
    }
  }

  processRate(n, recs) {
    let first = Infinity;
    let last = -Infinity;
    for (const [, s, e] of recs) {
      if (s < first) first = s;
      if (e > last) last = e;
    }
    const span = (last - first) / 1000;
    return [n / span, span, last];
  }

  async latency(n, gapMs) {
    const got = this.waitRecords(n, 60 + (n * gapMs) / 1000);
    for (let i = 0; i < n; i++) {
      await this.queue.add('noop', { sent: nowMs() });
      await sleep(gapMs);
    }
    const recs = await got;
    const lat = recs.map(([sent, s]) => s - sent);
    return [pct(lat, 50), pct(lat, 99)];
  }

  // -- phases -----------------------------------------------------------------------------------
  async run() {
    const a = this.args;
    await this.open();
    const res = { impl: 'bullmq' };
    const info = await this.r.info('server');
    const rv = /redis_version:(\S+)/.exec(info);
    res.versions = {
      bullmq: pkgVersion('bullmq'),
      ioredis: pkgVersion('ioredis'),
      node: process.versions.node,
      redis_server: rv ? rv[1] : null,
    };
    // a + b + c, per concurrency: enqueue with no worker running (a), start the worker and
    // time the queued jobs (b), then idle latency on that worker (c)
    await this.enqueue(200); // connect, load the scripts, warm the producer path outside the clock
    await this.queue.drain();
    const enq = [];
    for (const c of [1, 16]) {
      const rate = await this.enqueue(a.jobs);
      enq.push(rate);
      log(`enqueue: ${a.jobs} x add(), no worker running: ${rate.toFixed(0)} jobs/s`);
      this.startWorker(c);
      const recs = await this.waitRecords(a.jobs, a.jobs / 20 + 120);
      const [prate, span] = this.processRate(a.jobs, recs);
      res[`process_per_sec_c${c}`] = round(prate, 1);
      log(`c=${c}: ${a.jobs} queued jobs processed in ${span.toFixed(2)}s (first start to last end): ${prate.toFixed(0)} jobs/s`);
      await sleep(500); // let the worker go idle
      const [p50, p99] = await this.latency(a.latencyJobs, a.latencyGapMs);
      res[`latency_ms_p50_c${c}`] = round(p50, 3);
      res[`latency_ms_p99_c${c}`] = round(p99, 3);
      log(`c=${c}: idle latency over ${a.latencyJobs} jobs ${a.latencyGapMs}ms apart: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`);
      await this.stopWorker();
    }
    res.enqueue_per_sec = round(enq[0], 1);
    res.enqueue_samples_per_sec = enq.map((x) => round(x, 1));
    // The headline latency is the concurrency-16 worker's, as uploadd's queue bench measures it
    // on its 16-slot worker; the concurrency-1 figures are kept alongside.
    res.latency_ms_p50 = res.latency_ms_p50_c16;
    res.latency_ms_p99 = res.latency_ms_p99_c16;
    res.latency_jobs = a.latencyJobs;
    res.latency_gap_ms = a.latencyGapMs;

    // extra: addBulk, no worker; the jobs are dropped, never processed
    if (a.bulkSize > 0) {
      const brate = await this.enqueueBulk(a.jobs, a.bulkSize);
      await this.queue.drain();
      res.enqueue_bulk_per_sec = round(brate, 1);
      res.enqueue_bulk_size = a.bulkSize;
      log(`enqueue: ${a.jobs} jobs through addBulk() in batches of ${a.bulkSize}, no worker running: ${brate.toFixed(0)} jobs/s`);
    }

    // d. backlog
    if (a.backlog > 0) {
      const brate = await this.enqueue(a.backlog);
      log(`backlog: ${a.backlog} jobs queued at ${brate.toFixed(0)} jobs/s; starting worker c=${a.backlogConcurrency}`);
      const w0 = this.startWorker(a.backlogConcurrency);
      const recs = await this.waitRecords(a.backlog, a.backlog / 20 + 300);
      const [rate, span, lastEnd] = this.processRate(a.backlog, recs);
      const wall = (lastEnd - w0) / 1000;
      res.backlog_jobs = a.backlog;
      res.backlog_concurrency = a.backlogConcurrency;
      res.backlog_process_per_sec = round(rate, 1);
      res.backlog_wall_s = round(wall, 2);
      res.backlog_enqueue_per_sec = round(brate, 1);
      log(`backlog: ${a.backlog} jobs in ${span.toFixed(2)}s after the first start: ${rate.toFixed(0)} jobs/s (wall incl. start-up ${wall.toFixed(1)}s)`);
      await this.stopWorker();
    } else {
      res.backlog_jobs = 0;
      res.backlog_process_per_sec = null;
    }
    res.jobs = a.jobs;
    res.worker = 'separate node process (child_process.fork), one BullMQ Worker';
    res.cpus = os.cpus().length;
    res.loadavg_at_end = os.loadavg()[0];
    return res;
  }

  async cleanup() {
    try {
      await this.stopWorker();
    } catch (e) {
      log(`stopping the worker: ${e.message || e}`);
    }
    if (this.queue) {
      try {
        await this.queue.obliterate({ force: true });
      } catch (e) {
        log(`obliterate: ${e.message || e} (the SCAN below still removes the keys)`);
      }
      try {
        await this.queue.close();
      } catch (e) {
        log(`queue.close: ${e.message || e}`);
      }
    }
    // Every key BullMQ creates for this queue is <prefix>:<queue>:..., so this catches whatever
    // obliterate left (e.g. the events stream or meta written after it).
    let n = 0;
    try {
      if (this.r.status !== 'ready') throw new Error(`redis client is ${this.r.status}`);
      let cursor = '0';
      do {
        const [next, keys] = await this.r.scan(cursor, 'MATCH', this.keyPattern, 'COUNT', 1000);
        cursor = next;
        if (keys.length) n += await this.r.del(...keys);
      } while (cursor !== '0');
      log(`cleanup: removed ${n} keys under ${this.keyPattern} after obliterate`);
    } catch (e) {
      log(`cleanup: ${e.message || e}`);
    } finally {
      this.r.disconnect();
    }
    try {
      fs.rmdirSync(this.tmp); // only when empty: worker logs are kept, as celery_bench.py does
    } catch {
      /* not empty */
    }
  }
}

function parseArgs(argv) {
  const a = { redis: null, jobs: 20000, backlog: 50000, backlogConcurrency: 16, latencyJobs: 500, latencyGapMs: 5.0, bulkSize: 1000, json: false };
  const num = (name, v, int) => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < 0 || (int && !Number.isInteger(x))) {
      usage(`${name} needs a ${int ? 'non-negative integer' : 'non-negative number'}`);
    }
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    switch (k) {
      case '--redis': if (!v) usage('--redis needs a URL'); a.redis = v; i++; break;
      case '--jobs': a.jobs = num(k, v, true); i++; break;
      case '--backlog': a.backlog = num(k, v, true); i++; break;
      case '--backlog-concurrency': a.backlogConcurrency = num(k, v, true); i++; break;
      case '--latency-jobs': a.latencyJobs = num(k, v, true); i++; break;
      case '--latency-gap-ms': a.latencyGapMs = num(k, v, false); i++; break;
      case '--bulk-size': a.bulkSize = num(k, v, true); i++; break;
      case '--json': a.json = true; break;
      case '-h': case '--help': usage(null); break;
      default: usage(`unknown option: ${k}`);
    }
  }
  if (!a.redis) usage('--redis URL is required');
  if (a.jobs < 1 || a.latencyJobs < 1 || a.backlogConcurrency < 1) usage('--jobs, --latency-jobs and --backlog-concurrency must be >= 1');
  return a;
}

function usage(err) {
  const doc = fs.readFileSync(__filename, 'utf8').split('/*')[1].split('*/')[0].trim();
  if (err) {
    process.stderr.write(`${err}\n\n${doc.split('\n').slice(0, 5).join('\n')}\n`);
    process.exit(2);
  }
  process.stdout.write(`${doc}\n`);
  process.exit(0);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const b = new Bench(args);
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, async () => {
      if (stopping) return;
      stopping = true;
      log(`${sig}: cleaning up`);
      await b.cleanup();
      process.exit(130);
    });
  }
  let res;
  try {
    res = await b.run();
  } finally {
    if (!stopping) await b.cleanup();
  }
  process.stdout.write(`${args.json ? JSON.stringify(res) : JSON.stringify(res, null, 1)}\n`);
}

if (process.argv[2] === '--worker-child') {
  workerChild(JSON.parse(process.argv[3]));
} else {
  main().catch((e) => {
    log(`failed: ${e.stack || e}`);
    process.exit(1);
  });
}
