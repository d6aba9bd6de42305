-- What an app paints before an image loads (BlurHash, ThumbHash, dominant colour), as JSON,
-- computed from the smallest image output of a ready upload.
ALTER TABLE uploads ADD COLUMN placeholders TEXT;
