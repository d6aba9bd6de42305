-- One source key is claimed by at most one unfinished upload: a second job naming the same
-- original is rejected (`source_in_use`) instead of processing (and deleting) another
-- upload's file. Rows left over from before this rule keep their oldest claim; later
-- unfinished claimants of the same key are failed so the index can be built.
UPDATE uploads SET status = 'failed', reason_code = 'source_in_use',
       error = 'another upload already claimed this source key (found when upgrading)'
 WHERE status NOT IN ('ready', 'rejected', 'failed', 'cancelled') AND source_key <> ''
   AND EXISTS (SELECT 1 FROM uploads AS other
                WHERE other.source_key = uploads.source_key
                  AND other.status NOT IN ('ready', 'rejected', 'failed', 'cancelled')
                  AND (other.created_at < uploads.created_at
                       OR (other.created_at = uploads.created_at AND other.id < uploads.id)));

CREATE UNIQUE INDEX uploads_live_source ON uploads (source_key)
 WHERE status NOT IN ('ready', 'rejected', 'failed', 'cancelled') AND source_key <> '';
