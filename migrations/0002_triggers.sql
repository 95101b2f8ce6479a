CREATE TABLE `event_subscriptions` (
	`workflow_id` text NOT NULL,
	`trigger_index` integer NOT NULL,
	`event_name` text NOT NULL,
	PRIMARY KEY(`workflow_id`, `trigger_index`)
);
--> statement-breakpoint
CREATE INDEX `event_subscriptions_name` ON `event_subscriptions` (`event_name`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key` text,
	`payload` text NOT NULL,
	`started_runs` text NOT NULL,
	`received_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_name_received` ON `events` (`name`,`received_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `events_name_key` ON `events` (`name`,`key`);--> statement-breakpoint
CREATE INDEX `events_expires` ON `events` (`expires_at`);--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`workflow_id` text NOT NULL,
	`delivery_id` text NOT NULL,
	`run_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `delivery_id`)
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_expires` ON `webhook_deliveries` (`expires_at`);