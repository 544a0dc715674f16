/** How every tool answers: a one-line summary and the JSON as text, the same JSON as structured content. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ApiError } from "../../http/errors";

/** The bindings the tools read. */
export type ToolEnv = Pick<Env, "log_state" | "log_archive">;

/**
 * Runs a tool body. An `ApiError` (e.g. `invalid_query`, `invalid_cursor`)
 * comes back as a tool error with its public message, as the route would say
 * it; anything else is logged and answered without internals, like `onError`.
 */
export async function toolResult(
  run: () => Promise<{ text: string; structured: object }>,
): Promise<CallToolResult> {
  try {
    const { text, structured } = await run();
    return {
      content: [
        { type: "text", text },
        { type: "text", text: JSON.stringify(structured) },
      ],
      structuredContent: structured as Record<string, unknown>,
    };
  } catch (err) {
    if (err instanceof ApiError) {
      return { isError: true, content: [{ type: "text", text: `${err.code}: ${err.message}` }] };
    }
    console.error(
      JSON.stringify({
        level: "error",
        message: "MCP tool failed",
        err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
      }),
    );
    return {
      isError: true,
      content: [{ type: "text", text: "internal_error: unexpected error; see the worker's logs." }],
    };
  }
}
