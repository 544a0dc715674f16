import { describe, expect, it } from "vitest";
import { MAX_CAUSE_DEPTH, serializeError } from "../src/serialize-error";

describe("serializeError", () => {
  it("keeps name, message, stack and own properties", () => {
    class HttpError extends Error {
      override name = "HttpError";
      constructor(readonly status: number) {
        super(`status ${status}`);
      }
    }
    expect(serializeError(new HttpError(502))).toEqual({
      name: "HttpError",
      message: "status 502",
      stack: expect.stringContaining("status 502"),
      status: 502,
    });
  });

  it("follows the cause chain, including non-Error causes", () => {
    const root = new Error("db down", { cause: { code: "ECONNRESET" } });
    const top = new Error("login failed", { cause: new Error("query failed", { cause: root }) });
    expect(serializeError(top)).toMatchObject({
      message: "login failed",
      cause: { message: "query failed", cause: { message: "db down", cause: { code: "ECONNRESET" } } },
    });
  });

  it("cuts cause cycles and over-long chains", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(serializeError(a)).toMatchObject({ message: "a", cause: { message: "b", cause: "[Circular]" } });

    let chain = new Error("0");
    for (let i = 1; i <= MAX_CAUSE_DEPTH + 3; i++) chain = new Error(String(i), { cause: chain });
    expect(JSON.stringify(serializeError(chain))).toContain("[Truncated]");
  });

  it("keeps the inner errors of an AggregateError", () => {
    const agg = new AggregateError([new Error("x"), new RangeError("y")], "several");
    expect(serializeError(agg)).toMatchObject({
      name: "AggregateError",
      message: "several",
      errors: [
        { name: "Error", message: "x" },
        { name: "RangeError", message: "y" },
      ],
    });
  });

  it("returns other values unchanged", () => {
    expect(serializeError("plain")).toBe("plain");
    expect(serializeError({ code: 1 })).toEqual({ code: 1 });
  });
});
