/** The generic 500 path (`onError` from @log-service/http) never writes input-derived text to a log line. */
import { onError } from "@log-service/http";
import { Hono } from "hono";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => vi.restoreAllMocks());

function appThrowing(fail: (body: string) => unknown): Hono {
  const app = new Hono();
  app.post("/x", async (c) => c.json({ value: fail(await c.req.text()) }));
  app.onError(onError);
  return app;
}

describe("unhandled errors", () => {
  it("an unguarded JSON.parse of a body holding a password logs no character of it", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await appThrowing((body) => JSON.parse(body)).request("/x", {
      method: "POST",
      body: '{"email":"a@b.co","password":hunter2SECRET}',
    });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ error: { code: "internal_error" } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("SyntaxError");
    expect(lines[0]).not.toMatch(/hunter|SECRET|password|a@b\.co/);
  });

  it("other errors keep their message and stack for the operator", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: unknown) => void lines.push(String(line)));
    const res = await appThrowing(() => {
      throw new TypeError("cannot read the config");
    }).request("/x", { method: "POST", body: "{}" });
    expect(res.status).toBe(500);
    expect(lines[0]).toContain("cannot read the config");
  });
});
