-- Pedidos (seed 004): multi-tenant orders API (Prisma, snake_case here). Runs as pedidos,
-- except the extension, created by postgres first.
CREATE TABLE tenants (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    active     BOOLEAN NOT NULL DEFAULT true,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE orders (
    id         SERIAL PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    status     TEXT NOT NULL DEFAULT 'PENDING_PAYMENT',
    total      NUMERIC(12, 2) NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE TABLE payments (
    id          SERIAL PRIMARY KEY,
    order_id    INTEGER NOT NULL REFERENCES orders(id),
    provider    TEXT NOT NULL DEFAULT 'stripe',
    status      TEXT NOT NULL DEFAULT 'PENDING',
    amount      NUMERIC(12, 2) NOT NULL,
    external_id TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO tenants (id, name) VALUES ('abc123', 'Tienda ABC'), ('def456', 'Restaurante DEF'),
    ('ghi789', 'Farmacia GHI');
INSERT INTO orders (tenant_id, status, total, created_at, updated_at)
SELECT (ARRAY['abc123', 'def456', 'ghi789'])[1 + g % 3], 'PAID', 10 + g,
       now() - make_interval(mins => g), now() - make_interval(mins => g)
FROM generate_series(1, 30) AS g;
INSERT INTO payments (order_id, status, amount, external_id)
SELECT id, 'SUCCEEDED', total, 'pi_lab_' || id FROM orders;
