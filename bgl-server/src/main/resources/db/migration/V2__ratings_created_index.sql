-- Replicas read the ratings stored since a time (SqlFeedbackStore.refresh) every second or so:
-- without this index that is a scan of every rating ever given.
CREATE INDEX ratings_created ON ratings (created_ms);
