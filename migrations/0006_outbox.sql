-- The outbox: terminal uploads whose outcome was not announced yet (events stream, webhook).
-- A background task re-announces them, so an announcement lost to a failed publish after the
-- commit is sent later instead of never.
CREATE INDEX uploads_unannounced ON uploads (updated_at) WHERE announced_status IS NULL OR announced_status <> status;

-- Uploads finished before this version were announced the old way (or not at all, long ago):
-- the outbox starts from here rather than re-announcing history.
UPDATE uploads SET announced_status = status
 WHERE status IN ('ready', 'rejected', 'failed', 'cancelled') AND announced_status IS NULL;
