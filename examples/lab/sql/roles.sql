-- Roles and databases of the seed systems. Run by `up` as postgres on the `postgres`
-- database, with psql variables postgres_pw, chatbot_pw, pedidos_pw.
ALTER ROLE postgres PASSWORD :'postgres_pw';
CREATE ROLE chatbot LOGIN CREATEDB PASSWORD :'chatbot_pw';
CREATE ROLE pedidos LOGIN PASSWORD :'pedidos_pw';
GRANT pg_read_all_stats TO pedidos, chatbot;
CREATE DATABASE remember_me OWNER postgres;
CREATE DATABASE chatbot OWNER chatbot;
CREATE DATABASE pedidos OWNER pedidos;
