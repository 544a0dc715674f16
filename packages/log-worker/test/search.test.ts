import { beforeEach, describe, expect, it } from "vitest";
import { archivedEntries } from "./archive-helpers";
import { postLog, resetStorage, storedEntries } from "./helpers";
import { archiveNow, ids, ordered, searchAll } from "./search-helpers";

beforeEach(resetStorage);

const T0 = Date.UTC(2026, 10, 20, 12);
const iso = (ms: number) => new Date(ms).toISOString();

describe("GET /debug/logs", () => {
  it("answers KV and R2 together, newest first, and asc on request", async () => {
    await postLog(
      Array.from({ length: 30 }, (_, i) => ({
        message: `old ${i}`,
        timestamp: iso(T0 + i * 60_000),
        service: "a",
      })),
    );
    await archiveNow();
    await postLog(
      Array.from({ length: 30 }, (_, i) => ({
        message: `new ${i}`,
        timestamp: iso(T0 + i * 60_000 + 30_000),
      })),
    );
    const all = [...(await archivedEntries()), ...(await storedEntries())];
    expect(all).toHaveLength(60);
    const range = { since: iso(T0 - 1), until: iso(T0 + 3600_000) };
    const desc = await searchAll({ ...range, limit: 7 });
    expect(ids(desc.logs)).toEqual(ids(ordered(all, "desc")));
    const asc = await searchAll({ ...range, limit: 7, order: "asc" });
    expect(ids(asc.logs)).toEqual(ids(ordered(all, "asc")));
  });
});
