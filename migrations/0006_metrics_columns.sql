ALTER TABLE `runs` ADD `retries` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `runs_created_at` ON `runs` (`created_at`);--> statement-breakpoint
CREATE INDEX `runs_workflow_created_at` ON `runs` (`workflow_id`,`created_at`);