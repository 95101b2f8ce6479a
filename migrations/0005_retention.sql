CREATE TABLE `maintenance` (
	`task` text PRIMARY KEY NOT NULL,
	`last_run_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `workflows` ADD `retention_ms` integer;