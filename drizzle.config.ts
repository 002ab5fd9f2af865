import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes SQL migrations from the schema; it needs no database. They are applied at startup by
// createDatabase (src/db/client.ts).
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema/index.ts',
  out: './src/db/migrations',
});
