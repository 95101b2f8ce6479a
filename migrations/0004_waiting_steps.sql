CREATE TABLE `approvals` (
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`workflow_id` text NOT NULL,
	`approvers` text NOT NULL,
	`status` text NOT NULL,
	`outcome` text,
	`requested_at` integer NOT NULL,
	`expires_at` integer,
	`resolved_at` integer,
	PRIMARY KEY(`run_id`, `step_id`)
);
--> statement-breakpoint
CREATE INDEX `approvals_status_requested` ON `approvals` (`status`,`requested_at`);--> statement-breakpoint
CREATE TABLE `waiters` (
	`run_id` text NOT NULL,
	`step_id` text NOT NULL,
	`attempt` integer NOT NULL,
	`event_name` text NOT NULL,
	`since` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`run_id`, `step_id`)
);
--> statement-breakpoint
CREATE INDEX `waiters_event_name` ON `waiters` (`event_name`);