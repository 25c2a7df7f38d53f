CREATE TABLE `consents` (
	`account_id` text NOT NULL,
	`client_id` text NOT NULL,
	`resource` text NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`client_name` text NOT NULL,
	`redirect_host` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`account_id`, `client_id`, `resource`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `resources` (
	`uri` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`scopes` text DEFAULT '[]' NOT NULL,
	`scope_descriptions` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `clients` ADD `dynamic_registration` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `clients` ADD `last_used_at` integer;