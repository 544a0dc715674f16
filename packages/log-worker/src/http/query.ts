/** Query-string validation shared by the debug routes: one 400 shape for every bad parameter. */
import { z } from "zod";
import { ApiError } from "./errors";

export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`);
    throw new ApiError(400, "invalid_query", issues.join("; "), { details: { issues } });
  }
  return parsed.data;
}

/** `limit`: a whole number from 1 to 1000, default 100. */
export const limitParam = z.coerce
  .number({ error: "must be a whole number from 1 to 1000" })
  .int("must be a whole number from 1 to 1000")
  .min(1, "must be a whole number from 1 to 1000")
  .max(1000, "must be a whole number from 1 to 1000")
  .default(100);
