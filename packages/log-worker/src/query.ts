/** Query-string validation shared by the debug routes: one 400 shape for every bad parameter. */
import type { z } from "zod";
import { ApiError } from "./errors";

export function parseQuery<S extends z.ZodType>(schema: S, query: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "query"}: ${issue.message}`);
    throw new ApiError(400, "invalid_query", issues.join("; "), { details: { issues } });
  }
  return parsed.data;
}
