CREATE TABLE `client_oidc` (
	`client_id` text PRIMARY KEY NOT NULL,
	`id_token_signed_response_alg` text,
	`post_logout_redirect_uris` text DEFAULT '[]' NOT NULL,
	`updated_at` integer NOT NULL
);
