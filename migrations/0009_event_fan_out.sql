-- An event's fan-out (a run per subscriber, the event offered to each waiter) is finished
-- once fanned_out_at is set; until then a retry with the same key, or the minute tick,
-- carries it out again (src/triggers/event-fan-out.ts). Events stored before this column
-- were fanned out (or abandoned) by the code of their day: they count as finished, so
-- nothing redoes them under the new derived run ids.
ALTER TABLE `events` ADD `fanned_out_at` integer;--> statement-breakpoint
UPDATE `events` SET `fanned_out_at` = `received_at`;--> statement-breakpoint
CREATE INDEX `events_unfinished` ON `events` (`received_at`) WHERE fanned_out_at IS NULL;
