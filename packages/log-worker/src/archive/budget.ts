/**
 * The operation budget of one invocation.
 *
 * Every KV and R2 call is a subrequest, and an invocation may make a limited
 * number (Paid: 10,000 by default, `limits.subrequests`; Free: 1,000). The
 * archive job plans its work against this counter and stops early, leaving
 * the rest for a follow-up invocation, instead of failing half-way.
 */
export class BudgetExhausted extends Error {
  override readonly name = "BudgetExhausted";
}

/** Anything that counts operations as they are made. */
export interface OpCounter {
  spend(n?: number): void;
}

export class OpBudget implements OpCounter {
  #used = 0;
  constructor(readonly limit: number) {}

  get used(): number {
    return this.#used;
  }

  get left(): number {
    return this.limit - this.#used;
  }

  /** True when `n` more operations fit. */
  affords(n: number): boolean {
    return this.#used + n <= this.limit;
  }

  /**
   * Counts `n` operations about to be made. Throws rather than exceed the
   * limit: planning should never get here, this is the safety net.
   */
  spend(n = 1): void {
    if (this.#used + n > this.limit) {
      throw new BudgetExhausted(
        `operation budget of ${this.limit} exceeded (${this.#used} used, ${n} more asked)`,
      );
    }
    this.#used += n;
  }

  /**
   * The same counter without the limit, for the few closing calls that were
   * reserved in advance and must still run if a run failed half-way.
   */
  unbounded(): OpCounter {
    return {
      spend: (n = 1) => {
        this.#used += n;
      },
    };
  }
}
