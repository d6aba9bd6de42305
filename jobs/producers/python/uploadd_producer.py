#!/usr/bin/env python3
"""uploadd producer for Python: enqueue upload jobs, wait for outcomes, verify webhooks.

Wire format v1 (see jobs/README.md). Needs redis-py (requirements.txt); Python 3.10+.

    import redis
    import uploadd_producer as uploadd

    r = redis.Redis.from_url("redis://localhost:6379/0")
    upload_id = uploadd.enqueue(r, "incoming/photo-123", "default", declared_type="image/jpeg")
    outcome = uploadd.wait_for_outcome(r, upload_id, timeout=120)
    print(outcome["status"], [o["key"] for o in outcome["outputs"]])

From a shell (the upload id is the last line of stdout; errors are one line on stderr):

    python3 uploadd_producer.py enqueue --redis URL --source-key KEY --profile NAME [--id UUID]
        [--priority high|normal|low] [--tenant TENANT]
    python3 uploadd_producer.py wait --redis URL --id UUID [--timeout SECONDS]

Exit codes: 0 enqueued / ready, 1 error, 2 usage, 3 duplicate upload id,
4 finished but not ready (rejected, failed, cancelled), 5 timed out.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import re
import sys
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NoReturn

try:
    import redis
except ModuleNotFoundError:  # the command line says how to install it, in one line
    redis = None  # type: ignore[assignment]

DEFAULT_NAMESPACE = "uploadd"
DEFAULT_INCOMING_PREFIX = "incoming/"
IDEMPOTENCY_TTL = 86400  # seconds; keep it equal to the daemon's queue.idempotency_ttl
MAX_PAYLOAD_BYTES = 64 * 1024
# The one enqueue script, shared by the daemon and every producer: never copy it.
PUSH_SCRIPT = Path(__file__).resolve().parent.parent.parent / "redis" / "push.lua"

PRIORITIES = ("high", "normal", "low")  # absent means "normal"

_PROFILE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TENANT = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_MIME = re.compile(r"[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class JobError(ValueError):
    """The job breaks the contract; the daemon would refuse it."""


class DuplicateJob(Exception):
    """This upload id was already enqueued (within the idempotency window); nothing was added."""

    def __init__(self, upload_id: str) -> None:
        super().__init__(f"upload {upload_id} was already enqueued; nothing was added")
        self.upload_id = upload_id


def enqueue(
    r: redis.Redis,
    source_key: str,
    profile: str,
    *,
    upload_id: str | None = None,
    declared_type: str | None = None,
    original_filename: str | None = None,
    metadata: Mapping[str, str] | None = None,
    callback_url: str | None = None,
    priority: str | None = None,
    tenant: str | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    incoming_prefix: str = DEFAULT_INCOMING_PREFIX,
) -> str:
    """Enqueues the job for an object already uploaded to `source_key`; returns the upload id.

    `priority` ("high", "normal" or "low"; None means "normal") and `tenant` (1-64 of
    A-Z a-z 0-9 . _ - :; None means the default tenant) only decide the order in which waiting
    jobs are served; they are sent only when given.

    Raises JobError (a ValueError) if the job breaks the contract and DuplicateJob if this
    upload id was enqueued before (so a retried enqueue can safely catch and ignore it).
    """
    try:
        upload_id = str(uuid.UUID(upload_id)) if upload_id else str(uuid.uuid4())
    except ValueError:
        raise JobError("job field `upload_id` must be a UUID") from None
    job: dict[str, Any] = {
        "version": 1,
        "upload_id": upload_id,
        "source_key": source_key,
        "profile": profile,
    }
    optional = {
        "declared_type": declared_type,
        "original_filename": original_filename,
        "metadata": dict(metadata) if metadata else None,
        "callback_url": callback_url,
        "priority": priority,
        "tenant": tenant,
    }
    job.update({k: v for k, v in optional.items() if v is not None})
    check_job(job, incoming_prefix)
    payload = json.dumps(job, ensure_ascii=False, separators=(",", ":"))
    if len(payload.encode()) > MAX_PAYLOAD_BYTES:
        raise JobError(f"the job is larger than {MAX_PAYLOAD_BYTES} bytes")
    # register_script runs EVALSHA and falls back to EVAL (loading the script) on NOSCRIPT.
    push = r.register_script(PUSH_SCRIPT.read_text(encoding="utf-8"))
    # ARGV: namespace, task id, payload, idempotency key, TTL seconds, now (Unix seconds).
    added = push(
        args=[namespace, upload_id, payload, upload_id, IDEMPOTENCY_TTL, f"{time.time():.6f}"]
    )
    if int(added) != 1:
        raise DuplicateJob(upload_id)
    return upload_id


def check_job(job: Mapping[str, Any], incoming_prefix: str = DEFAULT_INCOMING_PREFIX) -> None:
    """Raises JobError for the mistakes the daemon would refuse (src/job.rs is the authority)."""

    def fail(field: str, why: str) -> NoReturn:
        raise JobError(f"job field `{field}` {why}")

    key = job.get("source_key")
    if not isinstance(key, str) or not key:
        fail("source_key", "is required")
    if len(key.encode()) > 1024:
        fail("source_key", "is longer than 1024 bytes")
    if "://" in key or key.startswith("/") or "\\" in key or _CONTROL.search(key):
        fail(
            "source_key",
            "must be a plain object key (no URL, leading /, backslash or control character)",
        )
    if key.endswith("/") or any(seg in ("", ".", "..") for seg in key.split("/")):
        fail("source_key", "must not end with / or contain empty, `.` or `..` segments")
    if not key.startswith(incoming_prefix) or len(key) == len(incoming_prefix):
        fail("source_key", f"must lie under the incoming prefix `{incoming_prefix}`")
    if not isinstance(job.get("profile"), str) or not _PROFILE.fullmatch(job["profile"]):
        fail("profile", "must be 1-64 letters, digits, - or _")
    declared = job.get("declared_type")
    if declared is not None:
        base = str(declared).split(";")[0].strip()
        if len(base) > 255 or not _MIME.fullmatch(base):
            fail("declared_type", "must be a MIME type like image/jpeg")
    name = job.get("original_filename")
    if name is not None and (not isinstance(name, str) or len(name.encode()) > 4096):
        fail("original_filename", "must be a string of at most 4096 bytes")
    meta = job.get("metadata") or {}
    if len(meta) > 32:
        fail("metadata", "has more than 32 entries")
    for k, v in meta.items():
        if not isinstance(k, str) or not 1 <= len(k.encode()) <= 64 or _CONTROL.search(k):
            fail("metadata", "keys must be 1-64 bytes without control characters")
        if not isinstance(v, str) or len(v.encode()) > 1024:
            fail("metadata", "values must be strings of at most 1024 bytes")
    url = job.get("callback_url")
    if url is not None and (
        not isinstance(url, str)
        or not url.startswith(("https://", "http://"))
        or len(url.encode()) > 2048
    ):
        fail("callback_url", "must be an http(s) URL of at most 2048 bytes")
    priority = job.get("priority")
    if priority is not None and priority not in PRIORITIES:
        fail("priority", 'must be "high", "normal" or "low"')
    tenant = job.get("tenant")
    if tenant is not None and (not isinstance(tenant, str) or not _TENANT.fullmatch(tenant)):
        fail("tenant", "must be 1-64 characters of A-Z a-z 0-9 . _ - :")


def wait_for_outcome(
    r: redis.Redis,
    upload_id: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    group: str | None = None,
    consumer: str = "waiter",
    timeout: float = 300.0,
    since: float | None = None,
) -> dict[str, Any]:
    """Blocks until the completion event of `upload_id` is on `{namespace}:events`; returns it.

    Reads through a consumer group of its own (default `uploadd-wait-<upload id>`), created at
    `since` (Unix seconds, default one hour ago) so that an event published before the call is
    still found, and destroyed on return. Every entry it reads is acknowledged, so never pass the
    group of a real consumer. Raises TimeoutError. A service handling every upload should use
    consume_events() with one long-lived group instead.
    """
    upload_id = str(uuid.UUID(upload_id))
    stream = f"{namespace}:events"
    group = group or f"uploadd-wait-{upload_id}"
    start = f"{int(((time.time() - 3600) if since is None else since) * 1000)}-0"
    created = _create_group(r, stream, group, start)
    deadline = time.monotonic() + timeout
    try:
        while (left := deadline - time.monotonic()) > 0:
            for entry_id, event in _read_group(r, stream, group, consumer, ">", min(left, 2.0)):
                r.xack(stream, group, entry_id)
                if event is not None and event.get("id") == upload_id:
                    return event
        raise TimeoutError(f"no outcome for upload {upload_id} within {timeout:g}s")
    finally:
        if created:
            r.xgroup_destroy(stream, group)


def consume_events(
    r: redis.Redis,
    group: str,
    consumer: str,
    *,
    namespace: str = DEFAULT_NAMESPACE,
    block: float = 5.0,
) -> Iterator[dict[str, Any]]:
    """Yields every completion event once per group, forever (at-least-once).

    Creates the group at the end of the stream if it does not exist: create it before your first
    enqueue (for example at deploy time) so no event is missed. An event is acknowledged when the
    loop body that received it completes; if the body raises, the event stays pending and is
    yielded again the next time this consumer name starts.

        for event in consume_events(r, "my-app", "web-1"):
            handle(event)  # must be idempotent: an event may arrive twice
    """
    stream = f"{namespace}:events"
    _create_group(r, stream, group, "$")
    backlog = True  # first, this consumer's delivered but unacknowledged entries
    while True:
        entries = _read_group(r, stream, group, consumer, "0" if backlog else ">", block)
        if backlog and not entries:
            backlog = False
        for entry_id, event in entries:
            if event is not None:  # None: the entry was trimmed from the stream meanwhile
                yield event
            r.xack(stream, group, entry_id)


def queue_state(
    r: redis.Redis, upload_id: str, *, namespace: str = DEFAULT_NAMESPACE
) -> dict[str, str] | None:
    """The queue's record of a job still in Redis (`{namespace}:meta:<id>`: status, attempts, ...).

    None once the job has been acknowledged. This is queue state, not the upload's outcome:
    that is the completion event, the webhook, or `uploadd status ID --json`.
    """
    meta = r.hgetall(f"{namespace}:meta:{uuid.UUID(upload_id)}")
    return {_text(k): _text(v) for k, v in meta.items()} or None


def verify_webhook(
    secret: bytes | str,
    timestamp: str,
    signature_header: str,
    body: bytes,
    *,
    tolerance: int = 300,
    now: float | None = None,
) -> bool:
    """True if `body` was signed by uploadd with `secret` less than `tolerance` seconds ago.

    Pass the raw request body bytes and the X-Uploadd-Timestamp and X-Uploadd-Signature headers.
    """
    if not re.fullmatch(r"[0-9]{1,12}", timestamp or ""):
        return False
    if abs((time.time() if now is None else now) - int(timestamp)) > tolerance:
        return False  # too old (a replay) or too far in the future
    if isinstance(secret, str):
        secret = secret.encode()
    mac = hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v1={mac}".encode(), (signature_header or "").strip().encode())


def _text(v: Any) -> Any:
    return v.decode() if isinstance(v, bytes) else v


def _create_group(r: redis.Redis, stream: str, group: str, start: str) -> bool:
    """XGROUP CREATE ... MKSTREAM; False if the group already exists."""
    try:
        r.xgroup_create(stream, group, id=start, mkstream=True)
        return True
    except redis.ResponseError as e:
        if "BUSYGROUP" in str(e):
            return False
        raise


def _read_group(
    r: redis.Redis, stream: str, group: str, consumer: str, start: str, block: float
) -> list[tuple[str, dict[str, Any] | None]]:
    """One XREADGROUP; returns [(entry id, event dict or None)] with `outputs` and `placeholders` parsed."""
    reply = r.xreadgroup(
        group, consumer, {stream: start}, count=500, block=max(1, int(block * 1000))
    )
    # RESP2 replies [[stream, entries]]; RESP3 replies {stream: [entries]}.
    if isinstance(reply, dict):
        batches = [e for entries in reply.values() for e in entries]
    else:
        batches = [entries for _, entries in reply or []]
    out = []
    for entries in batches:
        for entry_id, fields in entries:
            event = None
            if fields:
                event = {_text(k): _text(v) for k, v in fields.items()}
                event["outputs"] = json.loads(event.get("outputs") or "[]")
                event["placeholders"] = json.loads(event["placeholders"]) if event.get("placeholders") else None
            out.append((_text(entry_id), event))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="uploadd_producer.py",
        description="Enqueue uploadd jobs and wait for their outcome.",
        epilog="exit codes: 0 enqueued/ready, 1 error, 2 usage, 3 duplicate upload id, "
        "4 finished but not ready, 5 timed out",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    enq = sub.add_parser(
        "enqueue", help="enqueue an object already under the incoming prefix; prints its upload id"
    )
    wait = sub.add_parser("wait", help="wait for an upload's completion event; prints it as JSON")
    for p in (enq, wait):
        p.add_argument(
            "--redis", required=True, metavar="URL", help="e.g. redis://localhost:6379/0"
        )
        p.add_argument("--namespace", default=DEFAULT_NAMESPACE)
    enq.add_argument("--source-key", required=True, metavar="KEY")
    enq.add_argument("--profile", required=True, metavar="NAME")
    enq.add_argument("--id", metavar="UUID", help="the upload id (default: a new random UUID)")
    enq.add_argument("--declared-type", metavar="MIME")
    enq.add_argument("--original-filename", metavar="NAME")
    enq.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE")
    enq.add_argument("--callback-url", metavar="URL")
    enq.add_argument(
        "--priority", choices=PRIORITIES, help="high is served first (default: normal)"
    )
    enq.add_argument(
        "--tenant",
        metavar="TENANT",
        help="whose job it is; tenants are served round-robin (default: the default tenant)",
    )
    enq.add_argument("--incoming-prefix", default=DEFAULT_INCOMING_PREFIX)
    wait.add_argument("--id", required=True, metavar="UUID")
    wait.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    if args.command == "enqueue" and any("=" not in m for m in args.meta):
        parser.error("--meta takes KEY=VALUE")

    def error(e: BaseException, code: int) -> int:
        print(f"uploadd_producer: {' '.join(str(e).split()) or type(e).__name__}", file=sys.stderr)
        return code

    if redis is None:
        return error(
            ModuleNotFoundError(
                "the redis package is missing; install it with: "
                "pip install -r jobs/producers/python/requirements.txt"
            ),
            1,
        )
    try:
        r = redis.Redis.from_url(args.redis, decode_responses=True)
        if args.command == "enqueue":
            print(
                enqueue(
                    r,
                    args.source_key,
                    args.profile,
                    upload_id=args.id,
                    declared_type=args.declared_type,
                    original_filename=args.original_filename,
                    metadata=dict(m.split("=", 1) for m in args.meta) or None,
                    callback_url=args.callback_url,
                    priority=args.priority,
                    tenant=args.tenant,
                    namespace=args.namespace,
                    incoming_prefix=args.incoming_prefix,
                )
            )
            return 0
        outcome = wait_for_outcome(r, args.id, namespace=args.namespace, timeout=args.timeout)
        print(json.dumps(outcome))
        return 0 if outcome["status"] == "ready" else 4
    except DuplicateJob as e:
        return error(e, 3)
    except TimeoutError as e:
        return error(e, 5)
    except Exception as e:  # one line on stderr, never a traceback
        return error(e, 1)


if __name__ == "__main__":
    sys.exit(main())
