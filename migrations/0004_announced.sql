-- The terminal status last announced (events stream, webhook), so a re-delivered job announces
-- an outcome that a crash kept from being announced, and never announces one twice.
ALTER TABLE uploads ADD COLUMN announced_status TEXT;
