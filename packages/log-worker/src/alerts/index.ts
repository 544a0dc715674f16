/**
 * Alerts: a signed webhook when the archive fails, when the backlog grows
 * stale, or when entries matching an `ALERT_RULES` rule pass a threshold.
 *
 * Owns the settings (config.ts), counting rule matches from KV list metadata
 * (rules.ts), delivery with signature and retries (deliver.ts), the episode
 * state in R2 (state.ts), and one evaluation (evaluate.ts), run by the cron
 * after the archive work of each tick.
 */
export { alertStatus, runAlerts } from "./evaluate";
