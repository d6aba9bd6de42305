#!/usr/bin/env node
// uploadd producer for Node.js: enqueue upload jobs, wait for outcomes, verify webhooks.
//
// Wire format v1 (see jobs/README.md). Needs ioredis (package.json); Node 18.3+.
//
//   const Redis = require('ioredis');
//   const uploadd = require('./uploadd-producer');
//   const redis = new Redis('redis://localhost:6379/0');
//   const uploadId = await uploadd.enqueue(redis, { sourceKey: 'incoming/photo-123', profile: 'default' });
//   const outcome = await uploadd.waitForOutcome(redis, uploadId, { timeoutSeconds: 120 });
//
// From a shell (the upload id is the last line of stdout; errors are one line on stderr):
//
//   node uploadd-producer.js enqueue --redis URL --source-key KEY --profile NAME [--id UUID]
//       [--priority high|normal|low] [--tenant TENANT]
//   node uploadd-producer.js wait --redis URL --id UUID [--timeout SECONDS]
//
// Exit codes: 0 enqueued / ready, 1 error, 2 usage, 3 duplicate upload id,
// 4 finished but not ready (rejected, failed, cancelled), 5 timed out.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const DEFAULT_NAMESPACE = 'uploadd';
const DEFAULT_INCOMING_PREFIX = 'incoming/';
const IDEMPOTENCY_TTL = 86400; // seconds; keep it equal to the daemon's queue.idempotency_ttl
const MAX_PAYLOAD_BYTES = 64 * 1024;
// The one enqueue script, shared by the daemon and every producer: never copy it.
const PUSH_SCRIPT = path.join(__dirname, '..', '..', 'redis', 'push.lua');

const PRIORITIES = ['high', 'normal', 'low']; // absent means 'normal'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROFILE = /^[A-Za-z0-9_-]{1,64}$/;
const TENANT = /^[A-Za-z0-9._:-]{1,64}$/;
const MIME = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The job breaks the contract; the daemon would refuse it. */
class JobError extends Error {}

/** This upload id was already enqueued (within the idempotency window); nothing was added. */
class DuplicateJobError extends Error {
  constructor(uploadId) {
    super(`upload ${uploadId} was already enqueued; nothing was added`);
    this.uploadId = uploadId;
  }
}

/** No completion event arrived in time. */
class WaitTimeoutError extends Error {}

/**
 * Enqueues the job for an object already uploaded to `sourceKey`; resolves to the upload id.
 * `priority` ('high', 'normal' or 'low'; absent means 'normal') and `tenant` (1-64 of
 * A-Z a-z 0-9 . _ - :; absent means the default tenant) only decide the order in which waiting
 * jobs are served; they are sent only when given.
 * Rejects with JobError if the job breaks the contract and DuplicateJobError if this upload id
 * was enqueued before (so a retried enqueue can safely catch and ignore it).
 */
async function enqueue(
  redis,
  {
    sourceKey,
    profile,
    uploadId,
    declaredType,
    originalFilename,
    metadata,
    callbackUrl,
    priority,
    tenant,
    namespace = DEFAULT_NAMESPACE,
    incomingPrefix = DEFAULT_INCOMING_PREFIX,
  } = {},
) {
  if (uploadId != null && !UUID.test(uploadId)) throw new JobError('job field `upload_id` must be a UUID');
  const id = uploadId ? uploadId.toLowerCase() : crypto.randomUUID();
  const job = { version: 1, upload_id: id, source_key: sourceKey, profile };
  if (declaredType != null) job.declared_type = declaredType;
  if (originalFilename != null) job.original_filename = originalFilename;
  if (metadata != null && Object.keys(metadata).length > 0) job.metadata = metadata;
  if (callbackUrl != null) job.callback_url = callbackUrl;
  if (priority != null) job.priority = priority;
  if (tenant != null) job.tenant = tenant;
  checkJob(job, incomingPrefix);
  const payload = JSON.stringify(job);
  if (Buffer.byteLength(payload) > MAX_PAYLOAD_BYTES) {
    throw new JobError(`the job is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  }
  if (typeof redis.uploaddPush !== 'function') {
    // defineCommand runs EVALSHA and falls back to EVAL (loading the script) on NOSCRIPT.
    redis.defineCommand('uploaddPush', { numberOfKeys: 0, lua: fs.readFileSync(PUSH_SCRIPT, 'utf8') });
  }
  // ARGV: namespace, task id, payload, idempotency key, TTL seconds, now (Unix seconds).
  const now = (Date.now() / 1000).toFixed(3);
  const added = await redis.uploaddPush(namespace, id, payload, id, IDEMPOTENCY_TTL, now);
  if (Number(added) !== 1) throw new DuplicateJobError(id);
  return id;
}

/** Throws JobError for the mistakes the daemon would refuse (src/job.rs is the authority). */
function checkJob(job, incomingPrefix = DEFAULT_INCOMING_PREFIX) {
  const fail = (field, why) => {
    throw new JobError(`job field \`${field}\` ${why}`);
  };
  const bytes = (s) => Buffer.byteLength(s);
  const key = job.source_key;
  if (typeof key !== 'string' || key === '') fail('source_key', 'is required');
  if (bytes(key) > 1024) fail('source_key', 'is longer than 1024 bytes');
  if (key.includes('://') || key.startsWith('/') || key.includes('\\') || CONTROL.test(key)) {
    fail('source_key', 'must be a plain object key (no URL, leading /, backslash or control character)');
  }
  if (key.endsWith('/') || key.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
    fail('source_key', 'must not end with / or contain empty, `.` or `..` segments');
  }
  if (!key.startsWith(incomingPrefix) || key.length === incomingPrefix.length) {
    fail('source_key', `must lie under the incoming prefix \`${incomingPrefix}\``);
  }
  if (typeof job.profile !== 'string' || !PROFILE.test(job.profile)) {
    fail('profile', 'must be 1-64 letters, digits, - or _');
  }
  if (job.declared_type != null) {
    const base = String(job.declared_type).split(';')[0].trim();
    if (base.length > 255 || !MIME.test(base)) fail('declared_type', 'must be a MIME type like image/jpeg');
  }
  const name = job.original_filename;
  if (name != null && (typeof name !== 'string' || bytes(name) > 4096)) {
    fail('original_filename', 'must be a string of at most 4096 bytes');
  }
  const entries = Object.entries(job.metadata ?? {});
  if (entries.length > 32) fail('metadata', 'has more than 32 entries');
  for (const [k, v] of entries) {
    if (bytes(k) < 1 || bytes(k) > 64 || CONTROL.test(k)) {
      fail('metadata', 'keys must be 1-64 bytes without control characters');
    }
    if (typeof v !== 'string' || bytes(v) > 1024) {
      fail('metadata', 'values must be strings of at most 1024 bytes');
    }
  }
  const url = job.callback_url;
  if (url != null && (typeof url !== 'string' || !/^https?:\/\//.test(url) || bytes(url) > 2048)) {
    fail('callback_url', 'must be an http(s) URL of at most 2048 bytes');
  }
  if (job.priority != null && !PRIORITIES.includes(job.priority)) {
    fail('priority', 'must be "high", "normal" or "low"');
  }
  if (job.tenant != null && (typeof job.tenant !== 'string' || !TENANT.test(job.tenant))) {
    fail('tenant', 'must be 1-64 characters of A-Z a-z 0-9 . _ - :');
  }
}

/**
 * Resolves to the completion event of `uploadId` once it is on `{namespace}:events`.
 *
 * Reads through a consumer group of its own (default `uploadd-wait-<upload id>`), created at
 * `sinceMs` (Unix milliseconds, default one hour ago) so that an event published before the call
 * is still found, and destroyed on return. Every entry it reads is acknowledged, so never pass
 * the group of a real consumer. Rejects with WaitTimeoutError. A service handling every upload
 * should use consumeEvents() with one long-lived group instead.
 */
async function waitForOutcome(
  redis,
  uploadId,
  { namespace = DEFAULT_NAMESPACE, group, consumer = 'waiter', timeoutSeconds = 300, sinceMs } = {},
) {
  if (!UUID.test(uploadId)) throw new JobError(`${JSON.stringify(uploadId)} is not an upload id (a UUID)`);
  const id = uploadId.toLowerCase();
  const stream = `${namespace}:events`;
  group = group ?? `uploadd-wait-${id}`;
  const start = `${Math.floor(sinceMs ?? Date.now() - 3600_000)}-0`;
  const created = await createGroup(redis, stream, group, start);
  const conn = blockingConnection(redis);
  const deadline = Date.now() + timeoutSeconds * 1000;
  try {
    for (let left = deadline - Date.now(); left > 0; left = deadline - Date.now()) {
      const entries = await readGroup(conn, stream, group, consumer, '>', Math.min(left, 2000));
      for (const [entryId, event] of entries) {
        await conn.xack(stream, group, entryId);
        if (event && event.id === id) return event;
      }
    }
    throw new WaitTimeoutError(`no outcome for upload ${id} within ${timeoutSeconds}s`);
  } finally {
    conn.disconnect();
    if (created) await redis.xgroup('DESTROY', stream, group);
  }
}

/**
 * Yields every completion event once per group, forever (at-least-once).
 *
 * Creates the group at the end of the stream if it does not exist: create it before your first
 * enqueue (for example at deploy time) so no event is missed. An event is acknowledged when the
 * loop body that received it completes; if the body throws (or breaks out), the event stays
 * pending and is yielded again the next time this consumer name starts.
 *
 *   for await (const event of consumeEvents(redis, { group: 'my-app', consumer: 'web-1' })) {
 *     await handle(event); // must be idempotent: an event may arrive twice
 *   }
 */
async function* consumeEvents(redis, { group, consumer, namespace = DEFAULT_NAMESPACE, blockSeconds = 5 }) {
  const stream = `${namespace}:events`;
  await createGroup(redis, stream, group, '$');
  const conn = blockingConnection(redis);
  try {
    let backlog = true; // first, this consumer's delivered but unacknowledged entries
    for (;;) {
      const start = backlog ? '0' : '>';
      const entries = await readGroup(conn, stream, group, consumer, start, blockSeconds * 1000);
      if (backlog && entries.length === 0) backlog = false;
      for (const [entryId, event] of entries) {
        if (event) yield event; // null: the entry was trimmed from the stream meanwhile
        await conn.xack(stream, group, entryId);
      }
    }
  } finally {
    conn.disconnect();
  }
}

/**
 * The queue's record of a job still in Redis (`{namespace}:meta:<id>`: status, attempts, ...),
 * or null once the job has been acknowledged. This is queue state, not the upload's outcome:
 * that is the completion event, the webhook, or `uploadd status ID --json`.
 */
async function queueState(redis, uploadId, { namespace = DEFAULT_NAMESPACE } = {}) {
  const meta = await redis.hgetall(`${namespace}:meta:${String(uploadId).toLowerCase()}`);
  return Object.keys(meta).length > 0 ? meta : null;
}

/**
 * True if `body` (the raw request body: a Buffer or string, not parsed JSON) was signed by
 * uploadd with `secret` less than `tolerance` seconds ago. Pass the X-Uploadd-Timestamp and
 * X-Uploadd-Signature headers as received. `now` is Unix seconds (for tests).
 */
function verifyWebhook(
  secret,
  timestamp,
  signatureHeader,
  body,
  { tolerance = 300, now = Date.now() / 1000 } = {},
) {
  timestamp = String(timestamp ?? '');
  if (!/^[0-9]{1,12}$/.test(timestamp)) return false;
  // Too old (a replay) or too far in the future.
  if (Math.abs(now - Number(timestamp)) > tolerance) return false;
  const mac = crypto.createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
  const expected = Buffer.from(`v1=${mac}`);
  const given = Buffer.from(String(signatureHeader ?? '').trim());
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

// A separate connection for blocking reads: ioredis sends one client's commands down one
// connection, so a blocked XREADGROUP would hold up every other command on `redis`.
function blockingConnection(redis) {
  const conn = redis.duplicate();
  conn.on('error', () => {}); // failures surface as rejected commands
  return conn;
}

async function createGroup(redis, stream, group, start) {
  try {
    await redis.xgroup('CREATE', stream, group, start, 'MKSTREAM');
    return true;
  } catch (e) {
    if (String(e.message).includes('BUSYGROUP')) return false;
    throw e;
  }
}

// One XREADGROUP; resolves to [[entryId, event or null]] with `outputs` and `placeholders` parsed.
async function readGroup(conn, stream, group, consumer, start, blockMs) {
  const block = Math.max(1, Math.floor(blockMs));
  const args = ['GROUP', group, consumer, 'COUNT', 500, 'BLOCK', block, 'STREAMS', stream, start];
  const reply = await conn.xreadgroup(...args);
  const entries = reply ? reply[0][1] : [];
  return entries.map(([entryId, fields]) => {
    if (!fields) return [entryId, null];
    const event = {};
    for (let i = 0; i < fields.length; i += 2) event[fields[i]] = fields[i + 1];
    event.outputs = JSON.parse(event.outputs || '[]');
    event.placeholders = event.placeholders ? JSON.parse(event.placeholders) : null;
    return [entryId, event];
  });
}

const USAGE = `usage:
  uploadd-producer.js enqueue --redis URL --source-key KEY --profile NAME [--id UUID]
      [--declared-type MIME] [--original-filename NAME] [--meta KEY=VALUE]... [--callback-url URL]
      [--priority high|normal|low] [--tenant TENANT] [--namespace NS] [--incoming-prefix PREFIX]
  uploadd-producer.js wait --redis URL --id UUID [--timeout SECONDS] [--namespace NS]
exit codes: 0 enqueued/ready, 1 error, 2 usage, 3 duplicate upload id, 4 finished but not ready, 5 timed out`;

async function main(argv) {
  // Asking for help is not a usage error: the usage on stdout, exit 0 (as the Python CLI).
  if (argv.some((a) => a === '--help' || a === '-h') || argv[0] === 'help') {
    console.log(USAGE);
    return 0;
  }
  const [command, ...rest] = argv;
  const str = { type: 'string' };
  const options = {
    enqueue: {
      redis: str,
      namespace: str,
      'source-key': str,
      profile: str,
      id: str,
      'declared-type': str,
      'original-filename': str,
      meta: { type: 'string', multiple: true },
      'callback-url': str,
      priority: str,
      tenant: str,
      'incoming-prefix': str,
    },
    wait: { redis: str, namespace: str, id: str, timeout: str },
  }[command];
  let args;
  try {
    if (!options) throw new Error(`unknown command ${JSON.stringify(command ?? '')}`);
    args = parseArgs({ args: rest, options, strict: true }).values;
    const required = command === 'enqueue' ? ['redis', 'source-key', 'profile'] : ['redis', 'id'];
    const missing = required.filter((name) => args[name] === undefined);
    if (missing.length) throw new Error(`missing --${missing.join(', --')}`);
    if ((args.meta ?? []).some((m) => !m.includes('='))) throw new Error('--meta takes KEY=VALUE');
    if (args.priority !== undefined && !PRIORITIES.includes(args.priority)) {
      throw new Error('--priority takes high, normal or low');
    }
    if (args.timeout !== undefined && !(Number(args.timeout) > 0)) {
      throw new Error('--timeout takes a number of seconds');
    }
  } catch (e) {
    console.error(`uploadd-producer: ${e.message}\n${USAGE}`);
    return 2;
  }

  const Redis = require('ioredis');
  let lastError;
  const redis = new Redis(args.redis, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', (e) => {
    lastError = e;
  });
  const fail = (e, code) => {
    const message = e.message === 'Connection is closed.' && lastError ? lastError.message : e.message;
    console.error(`uploadd-producer: ${String(message).replace(/\s+/g, ' ').trim()}`);
    return code;
  };
  try {
    const namespace = args.namespace ?? DEFAULT_NAMESPACE;
    if (command === 'enqueue') {
      const metadata = Object.fromEntries(
        (args.meta ?? []).map((m) => [m.slice(0, m.indexOf('=')), m.slice(m.indexOf('=') + 1)]),
      );
      console.log(
        await enqueue(redis, {
          sourceKey: args['source-key'],
          profile: args.profile,
          uploadId: args.id,
          declaredType: args['declared-type'],
          originalFilename: args['original-filename'],
          metadata,
          callbackUrl: args['callback-url'],
          priority: args.priority,
          tenant: args.tenant,
          namespace,
          incomingPrefix: args['incoming-prefix'] ?? DEFAULT_INCOMING_PREFIX,
        }),
      );
      return 0;
    }
    const outcome = await waitForOutcome(redis, args.id, {
      namespace,
      timeoutSeconds: Number(args.timeout ?? 300),
    });
    console.log(JSON.stringify(outcome));
    return outcome.status === 'ready' ? 0 : 4;
  } catch (e) {
    if (e instanceof DuplicateJobError) return fail(e, 3);
    if (e instanceof WaitTimeoutError) return fail(e, 5);
    return fail(e, 1);
  } finally {
    redis.disconnect();
  }
}

module.exports = {
  enqueue,
  checkJob,
  waitForOutcome,
  consumeEvents,
  queueState,
  verifyWebhook,
  JobError,
  DuplicateJobError,
  WaitTimeoutError,
  DEFAULT_NAMESPACE,
  PRIORITIES,
  PUSH_SCRIPT,
};

if (require.main === module) {
  // Exit once stdout is flushed, without waiting for ioredis's reconnection timers.
  main(process.argv.slice(2)).then((code) => process.stdout.write('', () => process.exit(code)));
}
