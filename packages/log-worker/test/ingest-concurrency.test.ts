import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";
import { json, logKeys, postLog, storedEntries } from "./helpers";

it("200 concurrent POSTs give 200 stored batches, none lost, each under the key it was answered with", async () => {
  const N = 200;
  const responses = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      i % 2 === 0
        ? postLog([{ message: `req ${i} a` }, { message: `req ${i} b` }])
        : // Half through the service-binding entrypoint, as application workers send.
          exports.LogIngest.fetch("https://log-worker/log", {
            method: "POST",
            headers: { "Content-Type": "application/json" },
            body: JSON.stringify([{ message: `req ${i} a` }, { message: `req ${i} b` }]),
          }),
    ),
  );
  const answered = await Promise.all(
    responses.map(async (res) => {
      expect(res.status).toBe(201);
      return json<{ accepted: number; key: string }>(res);
    }),
  );
  const keys = await logKeys();
  expect(keys).toHaveLength(N);
  expect(new Set(keys)).toEqual(new Set(answered.map((a) => a.key)));

  const messages = (await storedEntries()).map((e) => e.message).sort();
  const expected = Array.from({ length: N }, (_, i) => [`req ${i} a`, `req ${i} b`])
    .flat()
    .sort();
  expect(messages).toEqual(expected);
});
