CREATE TABLE `schedules` (
	`workflow_id` text NOT NULL,
	`trigger_index` integer NOT NULL,
	`schedule` text NOT NULL,
	`timezone` text NOT NULL,
	`input` text NOT NULL,
	`next_fire_at` integer,
	`last_fired_at` integer,
	`enabled` integer DEFAULT true NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`workflow_id`, `trigger_index`)
);
--> statement-breakpoint
CREATE INDEX `schedules_due` ON `schedules` (`enabled`,`next_fire_at`);