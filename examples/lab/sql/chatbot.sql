-- Chatbot WhatsApp (seeds 002/003): FastAPI + SQLAlchemy + Alembic. Runs as chatbot.
CREATE TABLE users (
    id              SERIAL PRIMARY KEY,
    username        TEXT UNIQUE NOT NULL,
    email           TEXT UNIQUE NOT NULL,
    role            TEXT NOT NULL DEFAULT 'operator',
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE messages (
    id         SERIAL PRIMARY KEY,
    phone      TEXT NOT NULL,
    direction  TEXT NOT NULL,
    status     TEXT NOT NULL,
    body       TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE audit_events (
    id         SERIAL PRIMARY KEY,
    event_type TEXT NOT NULL,
    actor      TEXT,
    detail     TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE alembic_version (
    version_num VARCHAR(32) PRIMARY KEY
);
-- The revision chain the `alembic` stand-in knows (lib/alembic.py); the db is at head.
INSERT INTO alembic_version VALUES ('c41f7a9e2b10');
INSERT INTO users (username, email, role) VALUES
    ('admin', 'admin@example.com', 'admin'),
    ('operador', 'operador@example.com', 'operator');
INSERT INTO messages (phone, direction, status, body, created_at)
SELECT '+3461111' || lpad(g::text, 4, '0'), CASE WHEN g % 2 = 0 THEN 'out' ELSE 'in' END,
       CASE WHEN g % 2 = 0 THEN 'sent' ELSE 'received' END, 'mensaje ' || g,
       now() - make_interval(mins => g)
FROM generate_series(1, 25) AS g;
INSERT INTO audit_events (event_type, actor, detail) VALUES
    ('SECURITY_LOGIN_OK', 'admin', 'login from 127.0.0.1'),
    ('CONFIG_CHANGED', 'admin', 'WHATSAPP_MODE=web');
