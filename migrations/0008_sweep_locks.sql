-- While the orphans sweep deletes objects of an upload, it holds that upload's row here; a job
-- claiming the upload meanwhile waits (it is handed back and retried), so no job can re-store
-- and commit an object between the sweep's last check and its delete. A lock left by a crashed
-- sweep expires at until_ms.
CREATE TABLE sweep_locks (
    upload_id TEXT PRIMARY KEY,
    until_ms  BIGINT NOT NULL
);
