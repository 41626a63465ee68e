-- Remember Me (seed 000): NestJS + Prisma, so quoted PascalCase tables and camelCase columns.
CREATE TABLE "IntegrationJob" (
    id               TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    "organizationId" TEXT NOT NULL DEFAULT 'org-123',
    type             TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'PENDING'
                     CHECK (status IN ('PENDING', 'PROCESSING', 'DONE', 'FAILED')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    "maxAttempts"    INTEGER NOT NULL DEFAULT 5,
    payload          JSONB NOT NULL DEFAULT '{}',
    "lastError"      TEXT,
    "lockedBy"       TEXT,
    "runAt"          TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt"     TIMESTAMP(3),
    "createdAt"      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "IntegrationJob_status_runAt_idx" ON "IntegrationJob" (status, "runAt");

CREATE TABLE "MessageLog" (
    id               TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    "organizationId" TEXT NOT NULL DEFAULT 'org-123',
    channel          TEXT NOT NULL DEFAULT 'WHATSAPP',
    direction        TEXT NOT NULL CHECK (direction IN ('INBOUND', 'OUTBOUND')),
    status           TEXT NOT NULL,
    "contactPhone"   TEXT,
    body             TEXT,
    "jobId"          TEXT,
    "metaJson"       JSONB NOT NULL DEFAULT '{}',
    "createdAt"      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt"      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "MessageLog_status_idx" ON "MessageLog" (status);

CREATE TABLE "WebhookEvent" (
    id               TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
    provider         TEXT NOT NULL,
    "eventType"      TEXT NOT NULL DEFAULT 'messages',
    status           TEXT NOT NULL CHECK (status IN ('RECEIVED', 'PROCESSED', 'ERROR')),
    error            TEXT,
    "requestId"      TEXT,
    "processingMs"   INTEGER,
    payload          JSONB NOT NULL DEFAULT '{}',
    "createdAt"      TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- A healthy history: jobs done in the last minutes, messages sent, webhooks processed.
INSERT INTO "IntegrationJob" (type, status, attempts, "finishedAt", "createdAt", "updatedAt")
SELECT (ARRAY['send_message', 'sync_contacts', 'fetch_media'])[1 + g % 3], 'DONE', 1,
       now() - make_interval(secs => g * 7) + interval '900 milliseconds',
       now() - make_interval(secs => g * 7),
       now() - make_interval(secs => g * 7) + interval '900 milliseconds'
FROM generate_series(1, 60) AS g;
INSERT INTO "MessageLog" (direction, status, "contactPhone", body, "createdAt", "updatedAt")
SELECT CASE WHEN g % 2 = 0 THEN 'OUTBOUND' ELSE 'INBOUND' END,
       CASE WHEN g % 2 = 0 THEN 'SENT' ELSE 'RECEIVED' END,
       '+3460000' || lpad(g::text, 4, '0'), 'hola ' || g,
       now() - make_interval(mins => g), now() - make_interval(mins => g)
FROM generate_series(1, 40) AS g;
INSERT INTO "WebhookEvent" (provider, status, "processingMs", "createdAt")
SELECT CASE WHEN g % 4 = 0 THEN 'instagram' ELSE 'whatsapp' END, 'PROCESSED', 20 + g % 30,
       now() - make_interval(mins => g)
FROM generate_series(1, 30) AS g;
