/**
 * One archive run at a time: a lease object in R2.
 *
 * - Acquire: a put that only creates (`etagDoesNotMatch: "*"`); when the lease
 *   exists but has expired (its holder crashed, or released it), a put
 *   conditional on that lease's etag takes it over, so two runs cannot both win.
 * - Renew: a live run extends its lease before it expires, again conditional on
 *   its own etag; if that fails another run has taken over, and this run stops
 *   before committing anything more (no duplicate archive).
 * - Release: not a delete (R2 deletes are unconditional and could remove a
 *   successor's lease) but a conditional put of an already-expired lease.
 */

import type { OpCounter } from "./budget";
import { LEASE_KEY } from "./layout";

export interface LeaseBody {
  runId: string;
  trigger: string;
  acquiredAt: string;
  expiresAt: string;
  released?: boolean;
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

/** This run's lease was taken over by another run; it must stop without committing. */
export class LeaseLost extends Error {
  override readonly name = "LeaseLost";
}

const JSON_TYPE = { httpMetadata: { contentType: "application/json" } };

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

export class Lease {
  private constructor(
    private body: LeaseBody,
    private etag: string,
    private readonly bucket: R2Bucket,
    private readonly leaseMs: number,
    private renewAtMs: number,
  ) {}

  get expiresAt(): string {
    return this.body.expiresAt;
  }

  static async acquire(
    bucket: R2Bucket,
    budget: OpCounter,
    request: { runId: string; trigger: string; nowMs: number; leaseMs: number },
  ): Promise<Lease> {
    const body: LeaseBody = {
      runId: request.runId,
      trigger: request.trigger,
      acquiredAt: new Date(request.nowMs).toISOString(),
      expiresAt: new Date(request.nowMs + request.leaseMs).toISOString(),
    };
    const make = (etag: string) =>
      new Lease(body, etag, bucket, request.leaseMs, request.nowMs + request.leaseMs / 3);
    const text = JSON.stringify(body);

    budget.spend();
    const created = await bucket.put(LEASE_KEY, text, { ...JSON_TYPE, onlyIf: { etagDoesNotMatch: "*" } });
    if (created) return make(created.etag);

    budget.spend();
    const current = await bucket.get(LEASE_KEY);
    if (!current) throw new ArchiveBusy(null); // removed between our two calls: let the other caller win
    const holder = parseLease(await current.text());
    if (holder && Date.parse(holder.expiresAt) > request.nowMs) throw new ArchiveBusy(holder);

    budget.spend();
    const taken = await bucket.put(LEASE_KEY, text, { ...JSON_TYPE, onlyIf: { etagMatches: current.etag } });
    if (!taken) throw new ArchiveBusy(null);
    if (holder && !holder.released) {
      console.warn(
        JSON.stringify({ level: "warn", message: "archive: took over an expired lease", expired: holder }),
      );
    }
    return make(taken.etag);
  }

  /** True when the lease should be renewed before more work (a third of its life is left or less). */
  renewalDue(nowMs: number): boolean {
    return nowMs >= this.renewAtMs;
  }

  /**
   * Extends the lease if due. Throws LeaseLost when another run has taken it over.
   * Callers running in parallel (the delete loop's workers) share one renewal:
   * two puts conditional on the same etag would make the second look like a lost lease.
   */
  renewIfDue(budget: OpCounter, nowMs: number): Promise<void> {
    if (this.#renewing) return this.#renewing;
    if (!this.renewalDue(nowMs)) return Promise.resolve();
    this.#renewing = this.#renew(budget, nowMs).finally(() => {
      this.#renewing = null;
    });
    return this.#renewing;
  }

  #renewing: Promise<void> | null = null;

  async #renew(budget: OpCounter, nowMs: number): Promise<void> {
    const body = { ...this.body, expiresAt: new Date(nowMs + this.leaseMs).toISOString() };
    budget.spend();
    const renewed = await this.bucket.put(LEASE_KEY, JSON.stringify(body), {
      ...JSON_TYPE,
      onlyIf: { etagMatches: this.etag },
    });
    if (!renewed) throw new LeaseLost(`run ${this.body.runId} lost its lease to another run`);
    this.body = body;
    this.etag = renewed.etag;
    this.renewAtMs = nowMs + this.leaseMs / 3;
  }

  /** Marks the lease expired, only if it is still ours. */
  async release(budget: OpCounter, nowMs: number): Promise<void> {
    const body = { ...this.body, expiresAt: new Date(nowMs).toISOString(), released: true };
    budget.spend();
    await this.bucket.put(LEASE_KEY, JSON.stringify(body), {
      ...JSON_TYPE,
      onlyIf: { etagMatches: this.etag },
    });
  }
}

/** The lease in force, for /debug/stats; null when none is held (absent, expired or released). */
export async function readLease(bucket: R2Bucket, nowMs = Date.now()): Promise<LeaseBody | null> {
  const object = await bucket.get(LEASE_KEY);
  const lease = object ? parseLease(await object.text()) : null;
  return lease && !lease.released && Date.parse(lease.expiresAt) > nowMs ? lease : null;
}
