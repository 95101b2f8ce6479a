-- Idempotency keys and webhook delivery ids moved to the intake shards, Durable Objects
-- sharded by key hash (src/intake): a claim no longer waits on D1's one writer. Claims
-- made before this migration are dropped with their tables: within 24 h of the upgrade, a
-- repeat of a request made before it starts a new run (docs/operations.md, Upgrading).
DROP TABLE `idempotency_keys`;--> statement-breakpoint
DROP TABLE `webhook_deliveries`;