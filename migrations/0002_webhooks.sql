-- One webhook delivery per terminal state of an upload (re-opened uploads replace it).
CREATE TABLE webhook_deliveries (
    upload_id       TEXT PRIMARY KEY REFERENCES uploads (id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    -- pending | delivered | failed (attempts exhausted) | refused (host not allowed, no secret)
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    -- The exact body sent on every attempt.
    payload         TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
