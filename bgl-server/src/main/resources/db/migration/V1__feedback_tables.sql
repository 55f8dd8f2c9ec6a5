-- Feedback store of the server: requests as served and the ratings users gave them.
-- Written for both SQLite and PostgreSQL: only types and syntax both accept.
-- Booleans are SMALLINT 0/1 (SQLite has no boolean type); times are epoch milliseconds (BIGINT).
-- Ids are made by the store (request ids by the server, rating ids random UUIDs): no
-- auto-increment, whose syntax differs between the two.
-- The budget policy keeps no table of its own: it is recomputed from these rows at start.
CREATE TABLE requests (
    request_id       VARCHAR(128) NOT NULL PRIMARY KEY,
    user_id          VARCHAR(256) NOT NULL,
    question_hash    VARCHAR(64)  NOT NULL,
    task_type        VARCHAR(32)  NOT NULL,
    mode             VARCHAR(32)  NOT NULL,
    budget_tokens    INTEGER,
    budget_spec      VARCHAR(256),
    thinking_tokens  INTEGER      NOT NULL,
    answer_tokens    INTEGER      NOT NULL,
    seconds          DOUBLE PRECISION NOT NULL,
    within_budget    SMALLINT     NOT NULL,
    correct          SMALLINT,
    created_ms       BIGINT       NOT NULL
);

CREATE INDEX requests_created ON requests (created_ms);
CREATE INDEX requests_user_task ON requests (user_id, task_type);

CREATE TABLE ratings (
    rating_id   VARCHAR(64)  NOT NULL PRIMARY KEY,
    request_id  VARCHAR(128) NOT NULL REFERENCES requests (request_id),
    user_id     VARCHAR(256) NOT NULL,
    stars       SMALLINT     NOT NULL,
    tags        VARCHAR(256) NOT NULL,
    comment     TEXT         NOT NULL,
    created_ms  BIGINT       NOT NULL
);

CREATE INDEX ratings_request ON ratings (request_id);
