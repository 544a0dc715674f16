/**
 * Reading JSON request bodies: a size cap, then JSON, then the zod schema,
 * each failure a 4xx that names what to fix. The code names the first bad
 * field (`invalid_email`, `invalid_password`), so clients can branch on it.
 */
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";
import { ApiError } from "./errors";

/** Largest body accepted: credentials are small; PBKDF2 on a huge password would only burn CPU. */
export const MAX_BODY_BYTES = 16 * 1024;

/** Refuses bodies over {@link MAX_BODY_BYTES} with 413, before anything reads them. */
export const limitBody = () =>
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError(413, "payload_too_large", `The body is larger than ${MAX_BODY_BYTES} bytes.`);
    },
  });

export async function parseJsonBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    // No cause: V8's SyntaxError message quotes the body around the bad token
    // (a password typed without quotes), and causes travel into logs.
    throw new ApiError(
      400,
      "invalid_json",
      'The body is not valid JSON; send an object like {"email", "password"}.',
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new ApiError(400, "invalid_body", "The body must be a JSON object.");
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      field: issue.path.join(".") || "body",
      message: issue.message,
    }));
    const first = issues[0] ?? { field: "body", message: "is invalid" };
    const code = /^[a-z]+$/.test(first.field) ? `invalid_${first.field}` : "invalid_body";
    throw new ApiError(400, code, `${first.field}: ${first.message}`, { details: { issues } });
  }
  return parsed.data;
}
