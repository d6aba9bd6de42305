-- One row per sweep kind while a run holds it; an expired lease may be taken over.
CREATE TABLE sweep_leases (
    kind       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- What each sweep run examined, removed and kept (and why), for operators.
CREATE TABLE sweep_runs (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    dry_run     BIGINT NOT NULL,
    outcome     TEXT NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT,
    examined    BIGINT NOT NULL DEFAULT 0,
    removed     BIGINT NOT NULL DEFAULT 0,
    kept        BIGINT NOT NULL DEFAULT 0,
    errors      BIGINT NOT NULL DEFAULT 0,
    summary     TEXT
);

CREATE INDEX sweep_runs_kind_started ON sweep_runs (kind, started_at);
