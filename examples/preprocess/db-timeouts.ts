// How long the pipeline's database connections wait, in one module that imports nothing: db.ts gives them
// to the drivers, and transient.ts reads them without loading db.ts's Prisma clients.

/**
 * How long a SQLite statement waits for a lock another process holds, in milliseconds, before it fails
 * with SQLITE_BUSY (Prisma P1008). better-sqlite3 waits synchronously, blocking the process's event
 * loop: with the 10 s wait of before, a locked file froze the api (reads waited too, keep-alive sockets
 * were reset, Node's own timeouts answered 408). The wait covers the other processes' short write
 * transactions; longer locks are retried with timers in between (transient.ts), the loop free.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 100;

/**
 * How long a query of a server database may go unanswered, in milliseconds, before it fails (pg's
 * client-side `query_timeout`, "Query read timeout"; the mariadb driver's `queryTimeout`): a server that
 * stops answering on an open connection (frozen, or its packets dropped on the path) would otherwise hang
 * the query until TCP gives up, many minutes later, with nothing said. The failure is
 * transient (transient.ts: the database unavailable), retried and logged as a lost connection is.
 */
export const QUERY_TIMEOUT_MS = 30_000;

/**
 * How long an idle connection of a server database's pool waits before TCP keepalive probes start, in
 * milliseconds: a connection the server or a firewall dropped silently is found broken and closed while
 * idle, instead of at the next query.
 */
export const KEEPALIVE_DELAY_MS = 10_000;
