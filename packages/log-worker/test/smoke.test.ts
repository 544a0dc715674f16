import { env, exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("stores a log", async () => {
  const res = await exports.default.fetch("http://log-worker/log", {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-API-Key": "test-api-key" },
    body: JSON.stringify({ message: "hi" }),
  });
  expect(res.status).toBe(201);
  const list = await env.log_state.list();
  expect(list.keys.length).toBe(1);
  const r2 = await exports.LogIngest.fetch("http://x/log", { method: "POST", headers: { "Content-Type": "application/json" }, body: "[{\"message\":\"a\"}]" });
  expect(r2.status).toBe(201);
});
