-- PostgreSQL only: the orphans sweep pages through output keys in byte order
-- (`ORDER BY object_key COLLATE "C"`, to match S3's listing order). The unique index on
-- object_key uses the database's default collation and cannot serve that order, so each page
-- would scan and sort the whole table. SQLite compares bytes already.
CREATE INDEX upload_outputs_key_bytewise ON upload_outputs (object_key COLLATE "C");
