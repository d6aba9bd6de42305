-- Portable SQL (PostgreSQL and SQLite): TEXT ids, BIGINT millisecond timestamps, JSON as TEXT.
CREATE TABLE uploads (
    id                TEXT PRIMARY KEY,
    profile           TEXT NOT NULL,
    status            TEXT NOT NULL,
    source_key        TEXT NOT NULL,
    declared_type     TEXT,
    original_filename TEXT,
    metadata          TEXT NOT NULL DEFAULT '{}',
    callback_url      TEXT,
    detected_type     TEXT,
    bytes             BIGINT,
    sha256            TEXT,
    -- Checkpoint: the SHA-256 of bytes clamd reported clean (a retry with the same bytes skips the scan).
    scanned_sha256    TEXT,
    -- JSON: image header facts or the ffprobe summary.
    media             TEXT,
    reason_code       TEXT,
    error             TEXT,
    attempts          BIGINT NOT NULL DEFAULT 0,
    deliveries        BIGINT NOT NULL DEFAULT 0,
    progress          BIGINT,
    next_attempt_at   BIGINT,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT
);

CREATE INDEX uploads_status_updated ON uploads (status, updated_at);
CREATE INDEX uploads_source_key ON uploads (source_key);

CREATE TABLE upload_outputs (
    upload_id    TEXT NOT NULL REFERENCES uploads (id) ON DELETE CASCADE,
    variant      TEXT NOT NULL,
    object_key   TEXT NOT NULL,
    content_type TEXT NOT NULL,
    bytes        BIGINT NOT NULL,
    width        BIGINT,
    height       BIGINT,
    sha256       TEXT NOT NULL,
    PRIMARY KEY (upload_id, variant)
);

CREATE UNIQUE INDEX upload_outputs_key ON upload_outputs (object_key);
