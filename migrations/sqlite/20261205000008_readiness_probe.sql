-- One row that `/readyz` writes, so that readiness means "can take a write", not only
-- "answers a SELECT" (a full disk, a read-only standby, a held write lock).
CREATE TABLE readiness_probe (
    id INTEGER PRIMARY KEY,
    written_at BIGINT NOT NULL
);
