// An outbox row the relay set aside (relay.ts setAside: the broker refused its message for itself, its size):
// how its Outbox.claimedBy says so, and how `npm start` (main.ts) finds the jobs behind such rows to say why
// they are still pending.
import type { Database } from "./db.js";

/** The start of Outbox.claimedBy on a row set aside: `unpublishable: <the broker's reason>: <what to change>`. */
export const SET_ASIDE_CLAIM = "unpublishable: ";

/**
 * Why each of the jobs `jobIds` is still pending when its outbox row (the `PreprocessRequested` event, its
 * payload's `jobId`) is set aside: `its message was set aside by the relay until <ISO time>: <the broker's
 * reason>: <what to change>`, by job id. Jobs whose row is not set aside are not in the map. A row is set aside
 * while its claim holds (claimedUntil after now, by this process's clock, as the relays judge claims):
 * Outbox.claimedBy is not cleared when a claim runs out, so a set-aside whose hour is over (the row waits
 * for the next relay pass) or a row released with its text left (a relay from before claimedBy, which
 * claims and releases by claimedUntil alone) still reads `unpublishable: ` and is not set aside. One read of
 * the unpublished rows set aside (few: each is a message the broker refused). Throws the database's error.
 */
export async function setAsideReasons(db: Database, jobIds: readonly string[]): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  if (jobIds.length === 0) return reasons;
  const wanted = new Set(jobIds);
  const rows = await db.outbox.findMany({
    where: {
      publishedAt: null,
      claimedBy: { startsWith: SET_ASIDE_CLAIM },
      claimedUntil: { gt: new Date() },
    },
    select: { payload: true, claimedBy: true, claimedUntil: true },
  });
  for (const row of rows) {
    const jobId = (row.payload as { jobId?: unknown } | null)?.jobId;
    if (typeof jobId !== "string" || !wanted.has(jobId)) continue;
    reasons.set(
      jobId,
      `its message was set aside by the relay until ${row.claimedUntil!.toISOString()}: ${row.claimedBy!.slice(SET_ASIDE_CLAIM.length)}`,
    );
  }
  return reasons;
}
