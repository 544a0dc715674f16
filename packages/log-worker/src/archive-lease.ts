/**
 * One archive run at a time: a lease object in R2, created only if absent
 * (a conditional put), with an expiry so that a run that crashed does not
 * block the archive forever. An expired lease is taken over with a put
 * conditional on the expired lease's etag, so two runs cannot both take it.
 */
import { LEASE_KEY } from "./archive-layout";
import type { OpBudget } from "./budget";

export interface LeaseBody {
  runId: string;
  trigger: string;
  acquiredAt: string;
  expiresAt: string;
}

export interface Lease extends LeaseBody {
  etag: string;
}

/** Another run holds the lease. */
export class ArchiveBusy extends Error {
  override readonly name = "ArchiveBusy";
  constructor(readonly holder: LeaseBody | null) {
    super(
      holder
        ? `archive run ${holder.runId} (${holder.trigger}) holds the lease until ${holder.expiresAt}`
        : "another archive run holds the lease",
    );
  }
}

function parseLease(text: string): LeaseBody | null {
  try {
    const value = JSON.parse(text) as Partial<LeaseBody>;
    return typeof value.runId === "string" && typeof value.expiresAt === "string"
      ? (value as LeaseBody)
      : null;
  } catch {
    return null;
  }
}

export async function acquireLease(
  bucket: R2Bucket,
  budget: OpBudget,
  request: { runId: string; trigger: string; nowMs: number; leaseMs: number },
): Promise<Lease> {
  const body: LeaseBody = {
    runId: request.runId,
    trigger: request.trigger,
    acquiredAt: new Date(request.nowMs).toISOString(),
    expiresAt: new Date(request.nowMs + request.leaseMs).toISOString(),
  };
  const text = JSON.stringify(body);
  const options = { httpMetadata: { contentType: "application/json" } };

  budget.spend();
  const created = await bucket.put(LEASE_KEY, text, { ...options, onlyIf: { etagDoesNotMatch: "*" } });
  if (created) return { ...body, etag: created.etag };

  budget.spend();
  const current = await bucket.get(LEASE_KEY);
  if (!current) {
    // Released between our two calls: try the create once more.
    budget.spend();
    const retried = await bucket.put(LEASE_KEY, text, { ...options, onlyIf: { etagDoesNotMatch: "*" } });
    if (retried) return { ...body, etag: retried.etag };
    throw new ArchiveBusy(null);
  }
  const holder = parseLease(await current.text());
  const expired = !holder || Date.parse(holder.expiresAt) <= request.nowMs;
  if (!expired) throw new ArchiveBusy(holder);

  budget.spend();
  const taken = await bucket.put(LEASE_KEY, text, { ...options, onlyIf: { etagMatches: current.etag } });
  if (!taken) throw new ArchiveBusy(null);
  console.warn(
    JSON.stringify({
      level: "warn",
      message: "archive: took over an expired lease",
      expired: holder,
      runId: request.runId,
    }),
  );
  return { ...body, etag: taken.etag };
}

/** Deletes the lease if it is still ours (a run that overran may have been taken over). */
export async function releaseLease(bucket: R2Bucket, budget: OpBudget, lease: Lease): Promise<void> {
  budget.spend();
  const current = await bucket.head(LEASE_KEY);
  if (current?.etag !== lease.etag) return;
  budget.spend();
  await bucket.delete(LEASE_KEY);
}

/** The lease as stored, for /debug/stats. */
export async function readLease(bucket: R2Bucket): Promise<LeaseBody | null> {
  const object = await bucket.get(LEASE_KEY);
  return object ? parseLease(await object.text()) : null;
}
