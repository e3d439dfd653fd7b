import { defineConfig } from "prisma/config";

// Used by the Prisma CLI (`prisma generate`, `prisma migrate deploy`). The URL is only needed for
// migrate; the embedded default is a SQLite file under .tracehop/.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "file:./.tracehop/tracehop.db" },
});
