"""Celery app for celery_bench.py: one no-op task that records when it ran.

Configured from the environment (celery_bench.py sets these for itself and for the worker):
  UPLOADD_BENCH_REDIS   broker URL (redis://...)
  UPLOADD_BENCH_QUEUE   the run's queue (default queue of the app, and the worker's -Q)
  UPLOADD_BENCH_PREFIX  key prefix of the run: every key Celery/kombu creates gets it
                        (global_keyprefix), and the task appends to PREFIX + "records"

The task appends "sent_at start end" (time.time() floats) to a Redis list: one RPUSH per job,
the cheapest durable record available from a prefork child. No result backend.
"""
import os
import time

import redis
from celery import Celery
from kombu import Exchange, Queue

URL = os.environ.get("UPLOADD_BENCH_REDIS", "redis://127.0.0.1:6379/0")
QUEUE = os.environ.get("UPLOADD_BENCH_QUEUE", "uploadd-bench")
PREFIX = os.environ.get("UPLOADD_BENCH_PREFIX", "uploadd-bench:")
RECORDS = PREFIX + "records"

app = Celery("uploadd_bench", broker=URL)
app.conf.update(
    task_ignore_result=True,
    result_backend=None,
    task_default_queue=QUEUE,
    task_default_exchange=QUEUE,
    task_default_routing_key=QUEUE,
    task_queues=[Queue(QUEUE, Exchange(QUEUE, type="direct"), routing_key=QUEUE)],
    task_serializer="json",
    accept_content=["json"],
    broker_transport_options={"global_keyprefix": PREFIX},
    broker_connection_retry_on_startup=True,
    worker_enable_remote_control=False,
    worker_send_task_events=False,
    task_send_sent_event=False,
    worker_redirect_stdouts=False,
)

_client = None
_client_pid = None


def _redis():
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():  # one connection per prefork child
        _client = redis.Redis.from_url(URL)
        _client_pid = os.getpid()
    return _client


@app.task(name="uploadd_bench.noop")
def noop(sent_at):
    start = time.time()
    end = time.time()
    _redis().rpush(RECORDS, f"{sent_at!r} {start!r} {end!r}")
