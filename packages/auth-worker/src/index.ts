/** auth-worker's entry module. */
import { app } from "./app";

export default { fetch: app.fetch } satisfies ExportedHandler<AuthEnv>;
