import { defineConfig } from "drizzle-kit";

/** drizzle-kit generates SQL migrations from the schema into `migrations/` (committed). */
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations",
});
