ALTER TABLE `client_oidc` ADD `userinfo_signed_response_alg` text;--> statement-breakpoint
CREATE INDEX `audit_events_subject` ON `audit_events` (`subject`,`id`);--> statement-breakpoint
CREATE INDEX `audit_events_actor` ON `audit_events` (`actor`,`id`);