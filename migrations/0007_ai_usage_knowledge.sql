CREATE TABLE `knowledge_chunks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`collection` text NOT NULL,
	`doc_id` text NOT NULL,
	`chunk` integer NOT NULL,
	`text` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `knowledge_chunks_doc` ON `knowledge_chunks` (`collection`,`doc_id`,`chunk`);--> statement-breakpoint
CREATE TABLE `knowledge_documents` (
	`collection` text NOT NULL,
	`doc_id` text NOT NULL,
	`metadata` text,
	`bytes` integer NOT NULL,
	`chunks` integer NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`collection`, `doc_id`)
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `input_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `output_tokens` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `runs` ADD `cost_usd` real;