// Turns one run's results into the printed tables and the README snippet.

import { INDEX_BYTES_PER_KEY } from "./phases/cost.mjs";
import { TARGET_LABELS } from "./phases/ingest.mjs";
import { OTLP_TARGET_LABELS } from "./phases/otlp.mjs";
import { PRICE_PER_MILLION } from "./pricing.mjs";
import { mib, ms, num, pairedRatio, ratio, renderTable, usd } from "./table.mjs";

/**
 * @typedef {object} BenchResults
 * @property {string} startedAt
 * @property {number} durationS
 * @property {ReturnType<typeof import("./machine.mjs").describeMachine>} machine
 * @property {import("./context.mjs").BenchSettings} settings
 * @property {string} stateDir
 * @property {string} loadGenerator
 * @property {{ ingest?: { rows: import("./phases/ingest.mjs").IngestRow[] },
 *   caller?: { rows: import("./phases/caller.mjs").CallerRow[], logged: { requests: number, batches: number } } | { skipped: string },
 *   archive?: { budget: number, rows: import("./phases/archive.mjs").ArchiveRow[] },
 *   cost?: { rows: import("./phases/cost.mjs").CostRow[], opsBudget: number, singleIndexAtMillion: { entriesPerRequest: number, keys: number, finalBytes: number, rewrittenBytes: number, fitsInOneValue: boolean, keysAtValueLimit: number }[] },
 *   wranglerDev?: { rows: import("./phases/wrangler-dev.mjs").WranglerDevRow[] },
 *   otlp?: { rows: import("./phases/otlp.mjs").OtlpRow[] },
 *   search?: { rows: import("./phases/search.mjs").SearchRow[], bare: { entries: number, bytes: number, seconds: number, entriesPerS: number }, settings: { days: number, perDay: number, bigDay: number, entriesPerObject: number } },
 *   alerts?: { rows: import("./phases/alerts.mjs").AlertsRow[] },
 *   tail?: { rows: import("./phases/tail.mjs").TailRow[] } }} phases
 * @property {Record<string, string>} errors
 */

/**
 * Bytes in the largest fitting unit.
 * @param {number} b
 */
function humanBytes(b) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${b.toFixed(1)} ${units[i]}`;
}

/** @param {BenchResults} r */
function machineLine(r) {
  const m = r.machine;
  return (
    `${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, ${m.os}; Node ${m.node}, wrangler ${m.wrangler}, ` +
    `miniflare ${m.miniflare}, workerd ${m.workerd}, undici ${m.undici}; load average at start ` +
    `${m.loadAverageAtStart.join(" ")}; commit ${m.commit}${m.uncommittedChanges ? " + uncommitted changes" : ""}`
  );
}

/** @param {BenchResults} r @returns {string[]} sections */
function sections(r) {
  const out = [];
  const ingest = r.phases.ingest?.rows ?? [];
  /** @param {number} e @param {number} c @param {string} t */
  const cell = (e, c, t) =>
    ingest.find((x) => x.entriesPerRequest === e && x.concurrency === c && x.target === t);

  if (ingest.length) {
    const rows = ingest.map((x) => {
      const floor = cell(x.entriesPerRequest, x.concurrency, "kv-put");
      const ceiling = cell(x.entriesPerRequest, x.concurrency, "bare");
      return [
        x.entriesPerRequest,
        x.concurrency,
        TARGET_LABELS[x.target],
        x.path,
        num(x.load.rps),
        num(x.entriesPerS),
        ms(x.load.p50Ms),
        ms(x.load.p99Ms),
        floor ? ratio(pairedRatio(x, floor)) : "–",
        ceiling ? ratio(pairedRatio(x, ceiling)) : "–",
        x.lost === null ? "" : `${num(x.lost)} of ${num(x.acked)}`,
      ];
    });
    out.push(
      `### 1. Ingest: POST /log\n\n` +
        renderTable(
          [
            "entries/req",
            "conc",
            "target",
            "path",
            "req/s",
            "entries/s",
            "p50 ms",
            "p99 ms",
            "÷ KV put",
            "÷ bare",
            "lost",
          ],
          rows,
          ["r", "r", "l", "l", "r", "r", "r", "r", "r", "r", "r"],
        ) +
        `\n\n${r.settings.ingest.durationMs / 1000} s per cell after ${r.settings.ingest.warmupMs} ms warm-up; ` +
        `"÷ KV put" and "÷ bare": the median over the cell's ${r.settings.ingest.rounds} rounds of entries/s over the ` +
        `reference's in the same round (the targets alternate round by round). "lost": 201s (warm-up included) ` +
        `minus log: keys written in the cell's time window; for the single-index design, 2xx minus entries in its index.`,
    );

    const pairs = [];
    for (const e of r.settings.ingest.entriesPerRequest) {
      for (const c of r.settings.ingest.concurrency) {
        const ours = cell(e, c, "log-worker");
        const old = cell(e, c, "single-index");
        if (!ours || !old) continue;
        pairs.push([
          e,
          c,
          num(ours.entriesPerS),
          num(ours.lost ?? Number.NaN),
          num(old.entriesPerS),
          ratio(pairedRatio(old, ours)),
          num(old.acked),
          num(old.stored ?? Number.NaN),
          `${num(old.lost ?? Number.NaN)} (${(((old.lost ?? 0) / old.acked) * 100).toFixed(1)}%)`,
        ]);
      }
    }
    out.push(
      `### 2. The rejected single-index design under the same load\n\n` +
        renderTable(
          [
            "entries/req",
            "conc",
            "ours entries/s",
            "ours lost",
            "single-index entries/s",
            "÷ ours",
            "its 2xx",
            "in its index",
            "index entries lost",
          ],
          pairs,
        ) +
        `\n\nPath: miniflare. The index starts empty in each cell. Local KV has no per-key write limit (production ` +
        `allows ~1 write/s to one key), so production would refuse or lose more, not fewer.`,
    );
  }

  const caller = r.phases.caller;
  if (caller && "skipped" in caller) {
    out.push(`### 3. Caller overhead\n\nSkipped: ${caller.skipped}.`);
  } else if (caller) {
    out.push(
      `### 3. Caller overhead: auth-worker with logging on, on a KV-put sink, and off\n\n` +
        renderTable(
          [
            "route",
            "conc",
            "pause",
            "path",
            "on p50",
            "on p99",
            "kv-put p50",
            "off p50",
            "off p99",
            "p50 on÷kv-put",
            "p50 on÷off",
            "p99 on÷off",
            "req/s on÷kv-put",
            "req/s on÷off",
            "requests on/kv-put/off",
          ],
          caller.rows.map((x) => [
            x.route,
            x.concurrency,
            x.pauseMs ? `${x.pauseMs} ms` : "none",
            x.path,
            ms(x.on.p50Ms),
            ms(x.on.p99Ms),
            x.kvput ? ms(x.kvput.p50Ms) : "-",
            ms(x.off.p50Ms),
            ms(x.off.p99Ms),
            x.p50RatioKvPut ? ratio(x.p50RatioKvPut) : "-",
            ratio(x.p50Ratio),
            ratio(x.p99Ratio),
            x.rpsRatioKvPut ? ratio(x.rpsRatioKvPut) : "-",
            ratio(x.rpsRatio),
            `${num(x.on.requests)}/${x.kvput ? num(x.kvput.requests) : "-"}/${num(x.off.requests)}`,
          ]),
          ["l", "r", "r", "l"],
        ) +
        `\n\nLatencies in ms. "pause": think time after each response; with a pause the previous request's ` +
        `logging (ctx.waitUntil) is done before the next starts, so the latency is the caller's own path; ` +
        `without, requests compete with logging for workerd's one thread. On: auth-worker's log_worker binding is log-worker's LogIngest; kv-put: a sink whose ingest only does ` +
        `one KV put of the batch (the reference: any store must do at least that, on the same thread); off: a sink that ` +
        `accepts and does nothing (the client still builds and sends the batch). Caller and callee share ` +
        `workerd's thread, as a service binding usually runs, so log-worker's CPU for a batch can delay the ` +
        `caller's next response (or this one's write). ${r.settings.caller.rounds} rotating rounds each; the ` +
        `ratios are medians of the per-round ratios, the latencies pooled over the rounds. ` +
        `Batches that reached log-worker's KV: ${num(caller.logged.batches)} for ${num(caller.logged.requests)} requests.`,
    );
  }

  const archive = r.phases.archive;
  if (archive) {
    out.push(
      `### 4. Archive: one POST /flush\n\n` +
        renderTable(
          [
            "entries",
            "KV batches",
            "path",
            "R2 objects",
            "seconds",
            "entries/s",
            "reference entries/s",
            "÷ reference",
            "KV+R2 ops",
            "RSS before",
            "RSS peak",
            "RSS growth",
          ],
          archive.rows.map((x) => [
            num(x.entries),
            num(x.keys),
            x.path,
            x.objects,
            x.seconds.toFixed(2),
            num(x.entriesPerS),
            x.referenceEntriesPerS === undefined ? "–" : num(x.referenceEntriesPerS),
            x.vsReference === undefined ? "–" : ratio(x.vsReference),
            num(x.ops),
            mib(x.rssBefore),
            mib(x.rssPeak),
            mib(x.rssGrowth),
          ]),
          ["r", "r", "l"],
        ) +
        `\n\n~300-byte entries, ${r.settings.archive.entriesPerRequest} per POST /log. ARCHIVE_OPS_BUDGET=` +
        `${archive.budget} (a binding value) so one run archives everything. Reference: the same batches ` +
        `moved by a worker that only lists, bulk-gets (100 keys per get), writes them into one R2 object ` +
        `and deletes them, 16 at a time (bench/workers/archive-reference.js). RSS: VmRSS of the workerd process ` +
        `(which also hosts local KV and R2), sampled every ${r.settings.archive.rssIntervalMs} ms; before = ` +
        `highest of 5 samples after seeding. The simulators' share cannot be told apart from the isolate's, so ` +
        `RSS growth is an upper bound on what the archive job itself holds.`,
    );
  }

  const cost = r.phases.cost;
  if (cost) {
    /** @param {number} e */
    const oursAt = (e) => cost.rows.find((x) => x.design === "log-worker" && x.entriesPerRequest === e);
    out.push(
      `### 5. Cost per 1,000,000 entries (ingest → archive → delete)\n\n` +
        renderTable(
          [
            "design",
            "entries/req",
            "measured on",
            "KV reads",
            "KV writes",
            "KV deletes",
            "KV lists",
            "R2 class A",
            "R2 class B",
            "R2 deletes",
            "$ ingest",
            "$ archive",
            "$ total",
            "÷ ours",
          ],
          cost.rows.map((x) => {
            const t = x.perMillion.total;
            const ours = oursAt(x.entriesPerRequest);
            return [
              x.design === "log-worker" ? "log-worker" : "single-index (rejected)",
              x.entriesPerRequest,
              `${num(x.measuredEntries)} ×${num(1_000_000 / x.measuredEntries)}`,
              num(t.kvRead ?? 0),
              num(t.kvWrite ?? 0),
              num(t.kvDelete ?? 0),
              num(t.kvList ?? 0),
              num(t.r2ClassA ?? 0),
              num(t.r2ClassB ?? 0),
              num(t.r2Delete ?? 0),
              usd(x.dollarsPerMillion.ingest),
              usd(x.dollarsPerMillion.archive),
              usd(x.dollarsPerMillion.total),
              ours ? ratio(x.dollarsPerMillion.total / ours.dollarsPerMillion.total) : "–",
            ];
          }),
          ["l", "r", "l"],
        ) +
        `\n\nPath: miniflare, bindings wrapped by a counting proxy; operations counted on "measured on" entries ` +
        `and scaled linearly ("×"). Prices (DESIGN.md, $/M): KV read ${PRICE_PER_MILLION.kvRead}, write/delete/list ` +
        `${PRICE_PER_MILLION.kvWrite}; R2 class A ${PRICE_PER_MILLION.r2ClassA}, class B ${PRICE_PER_MILLION.r2ClassB}. ` +
        `A bulk KV get of n keys counts n reads. R2 deletes are priced $0 (free in R2's pricing; DESIGN.md does ` +
        `not list them). Not included: Workers requests and CPU, KV and R2 storage, the drain cron's idle ticks ` +
        `(one R2 class B read per 5 minutes: 288 a day, $0.0001). log-worker ran at its shipped ` +
        `ARCHIVE_OPS_BUDGET=${cost.opsBudget} ` +
        `(archive invocations: ${cost.rows
          .filter((x) => x.design === "log-worker")
          .map((x) => `${x.entriesPerRequest}/req ${x.archiveInvocations}`)
          .join(
            ", ",
          )}; fixed costs of each run, ~10 operations, are scaled with the rest, a slight overstatement); ` +
        `the single-index design was seeded one request at a time so that it lost nothing.\n\n` +
        `The single index over 1,000,000 entries (${INDEX_BYTES_PER_KEY} bytes of JSON per key): ` +
        cost.singleIndexAtMillion
          .map(
            (x) =>
              `${x.entriesPerRequest}/req: ${num(x.keys)} keys, final index ${mib(x.finalBytes)}` +
              `${x.fitsInOneValue ? "" : ` (over KV's 25 MiB value limit: puts fail past ~${num(x.keysAtValueLimit)} keys, so the design stops working before 1,000,000)`}` +
              `, ${humanBytes(x.rewrittenBytes)} rewritten in total`,
          )
          .join("; ") +
        `. KV bills writes by count, so these bytes are not in the dollars; they are why the design was rejected ` +
        `even where it costs only ~1.5× ours.`,
    );
  }

  const dev = r.phases.wranglerDev;
  if (dev) {
    out.push(
      `### 6. For context: the same load through wrangler dev\n\n` +
        renderTable(
          ["target", "entries/req", "conc", "path", "req/s", "entries/s", "p50 ms", "p99 ms", "÷ miniflare"],
          dev.rows.map((x) => {
            const mfCell = cell(
              x.entriesPerRequest,
              x.concurrency,
              x.target === "bare" ? "bare" : "log-worker",
            );
            return [
              x.target,
              x.entriesPerRequest,
              x.concurrency,
              x.path,
              num(x.load.rps),
              num(x.entriesPerS),
              ms(x.load.p50Ms),
              ms(x.load.p99Ms),
              mfCell ? ratio(x.entriesPerS / mfCell.entriesPerS) : "–",
            ];
          }),
          ["l", "r", "r", "l"],
        ) +
        `\n\nwrangler dev puts a local proxy in front of workerd; the figures above are taken under Miniflare ` +
        `(workerd directly) for that reason.`,
    );
  }

  const search = r.phases.search;
  if (search) {
    const [lookup, hour, scan] = search.rows;
    const share = (/** @type {import("./phases/search.mjs").SearchRow} */ x) =>
      `${((100 * x.bytesRead) / x.bytesInRange).toFixed(2)}%`;
    out.push(
      `### 7. Search: what GET /debug/logs reads from the archive\n\n` +
        renderTable(
          [
            "figure",
            "pages",
            "found",
            "bytes read",
            "bytes in range",
            "read ÷ range",
            "goal",
            "objects skipped / page",
            "blocks read / skipped",
            "entries scanned/s",
          ],
          search.rows.map((x) => [
            x.figure,
            num(x.pages),
            num(x.found),
            humanBytes(x.bytesRead),
            humanBytes(x.bytesInRange),
            share(x),
            x === lookup ? "≤ 5%" : x === hour ? "≤ 10%" : "–",
            `${num(x.objectsSkipped / x.pages, 1)} of ${num(x.objectsInRange)}`,
            `${num(x.blocksRead)} / ${num(x.blocksSkipped)}`,
            num(x.entriesPerS),
          ]),
          ["l"],
        ) +
        (scan
          ? `\n\nFull-text scan: ${num(scan.entriesPerS)} entries/s through GET /debug/logs (q=, every page, cursor to null) ` +
            `÷ ${num(search.bare.entriesPerS)} entries/s for a bare gunzip + line split of the same ${num(scan.objectsInRange)} objects ` +
            `in the same workerd = **${ratio(scan.entriesPerS / search.bare.entriesPerS)}** (goal ≥ 0.7).`
          : "") +
        `\n\nArchive written by the product's writer (bench/workers/search-seed.ts): ${search.settings.days} days × ` +
        `${num(search.settings.perDay)} entries (one object a day), and one day of ${num(search.settings.bigDay)} entries ` +
        `in objects of ${num(search.settings.entriesPerObject)} consecutive entries; ~300-byte entries, five per request id. ` +
        `Bytes read: every byte the pages read from KV and R2 (index block tables, Bloom filters, block ranges); ` +
        `bytes in range: the archive objects of the range (their indexes add ` +
        `${lookup ? humanBytes(lookup.indexBytesInRange) : "–"} for the 30 days${hour ? `, ${humanBytes(hour.indexBytesInRange)} for the big day` : ""}).`,
    );
  }
  const alerts = r.phases.alerts;
  if (alerts) {
    out.push(
      `### 8. Alerts: the cost of one tick

` +
        renderTable(
          [
            "setting",
            "waiting batches",
            "path",
            "KV lists",
            "KV gets (keys)",
            "R2 ops",
            "KV ops / 1,000 batches",
            "webhooks",
          ],
          alerts.rows.map((x) => [
            x.setting,
            num(x.batches),
            x.path,
            x.kvLists,
            `${x.kvGets} (${num(x.kvKeysRead)})`,
            x.r2Ops,
            x.kvOpsPer1000.toFixed(1),
            x.deliveries,
          ]),
          ["l", "r", "l"],
        ) +
        `

One drain-cron tick (nothing to archive) with ALERT_WEBHOOK_URL set, every batch received within the ` +
        `rules' window: the worst case for rules, which list only the key prefixes of their window, decide from ` +
        `KV list metadata where they can, and read bodies (bulk gets of ≤ 100, at most 20 a tick) only for text.`,
    );
  }
  const tail = r.phases.tail;
  if (tail) {
    out.push(
      `### 9. Tail capture: a console.log-only producer, TAIL_CAPTURE=all\n\n` +
        renderTable(
          [
            "lines/invocation",
            "invocations",
            "path",
            "entries",
            "seconds",
            "entries/s",
            "invocations/s",
            "deliveries",
            "KV writes",
            "writes/invocation",
            "writes/delivery",
          ],
          tail.rows.map((x) => [
            x.linesPerInvocation,
            num(x.invocations),
            x.path,
            num(x.entries),
            x.seconds.toFixed(2),
            num(x.entriesPerS),
            num(x.invocationsPerS),
            num(x.deliveries),
            num(x.kvWrites),
            ratio(x.writesPerInvocation),
            ratio(x.writesPerDelivery),
          ]),
          ["r", "r", "l"],
        ) +
        `\n\nProducer and log-worker in one workerd process under Miniflare (\`tails\`), 4 requests in flight; ` +
        `~100-character lines plus one invocation entry per invocation. Seconds: first request until every entry is ` +
        `stored (list metadata polled every 25 ms). Deliveries and KV writes counted in workerd by the op-counting wrapper.`,
    );
  }
  const otlp = r.phases.otlp?.rows ?? [];
  if (otlp.length) {
    out.push(
      `### 10. OTLP ingest (POST /v1/logs) against POST /log with the same entries\n\n` +
        renderTable(
          [
            "entries/req",
            "conc",
            "target",
            "path",
            "body bytes",
            "req/s",
            "entries/s",
            "p50 ms",
            "p99 ms",
            "÷ POST /log",
          ],
          otlp.map((x) => {
            const log = otlp.find(
              (y) =>
                y.target === "log-json" &&
                y.entriesPerRequest === x.entriesPerRequest &&
                y.concurrency === x.concurrency,
            );
            return [
              x.entriesPerRequest,
              x.concurrency,
              OTLP_TARGET_LABELS[x.target],
              x.path,
              num(x.bodyBytes),
              num(x.load.rps),
              num(x.entriesPerS),
              ms(x.load.p50Ms),
              ms(x.load.p99Ms),
              log ? ratio(pairedRatio(x, log)) : "–",
            ];
          }),
          ["r", "r", "l", "l", "r", "r", "r", "r", "r", "r"],
        ) +
        `\n\nOne log-worker; the same ~300-byte entries (bench/entries.mjs) as a JSON array, as OTLP JSON and as ` +
        `OTLP protobuf (level → severityNumber, message → body, service → resource service.name, the other ` +
        `fields → attributes). Targets alternate in rounds per cell, as in section 1; "÷ POST /log" is the median ` +
        `of the per-round ratios. Goal: ≥ 0.8× POST /log.`,
    );
  }
  return out;
}

/**
 * The printed report.
 * @param {BenchResults} r
 */
export function renderReport(r) {
  const head =
    `## log-service benchmark, ${r.startedAt}${r.settings.quick ? " (QUICK: development figures, not for publishing)" : ""}\n\n` +
    `Machine: ${machineLine(r)}.\n` +
    `Total duration: ${r.durationS.toFixed(0)} s. Load generator: ${r.loadGenerator}. Local state: ${r.stateDir}.`;
  const errors = Object.entries(r.errors).map(([phase, e]) => `!! ${phase} failed: ${e.split("\n")[0]}`);
  return [head, ...sections(r), ...(errors.length ? [errors.join("\n")] : [])].join("\n\n");
}

/**
 * The README's Performance section, from the same run.
 * @param {BenchResults} r
 */
export function renderSnippet(r) {
  return [
    `## Performance`,
    ...(r.settings.quick ? ["> QUICK RUN (`--quick`): development figures, not for publishing."] : []),
    `Measured by \`pnpm bench\` (bench/README.md explains each figure) on ${machineLine(r)}. ` +
      `One run, ${r.durationS.toFixed(0)} s; every reference was measured in the same run. Local figures: ` +
      `workerd under Miniflare with local (SQLite and file backed) KV and R2, which is slower than the real ` +
      `services; read the ratios rather than the absolute numbers.`,
    ...sections(r),
  ].join("\n\n");
}
