/**
 * Live tail: while on and the tab is visible, poll for entries newer than the
 * newest shown every POLL_MS; back off after failures; pause while hidden.
 */
import { ApiProblem } from "./api";
import { localTime } from "./time";

const POLL_MS = 3000;
const MAX_BACKOFF_MS = 30_000;

export interface LiveOptions {
  canPoll(): boolean;
  /** One poll; returns how many entries were new. */
  poll(signal: AbortSignal): Promise<number>;
  fail(err: unknown): void;
  status(text: string, polls: number): void;
}

export function createLive(options: LiveOptions) {
  let timer = 0;
  let failures = 0;
  let polls = 0;
  let lastPoll: Date | null = null;
  let controller = new AbortController();

  const visible = () => document.visibilityState === "visible";

  function status(): void {
    let text = "";
    if (!options.canPoll()) text = "Live off";
    else if (!visible()) text = "Live paused while this tab is hidden";
    else if (failures) text = "Live: retrying";
    else if (lastPoll) text = `Live · checked ${localTime(lastPoll).slice(-12, -4)}`;
    else text = "Live";
    options.status(text, polls);
  }

  function stop(): void {
    clearTimeout(timer);
    timer = 0;
    controller.abort();
    controller = new AbortController();
    status();
  }

  function schedule(delay = POLL_MS): void {
    clearTimeout(timer);
    timer = 0;
    if (options.canPoll() && visible()) timer = window.setTimeout(run, delay);
    status();
  }

  async function run(): Promise<void> {
    timer = 0;
    const signal = controller.signal;
    try {
      await options.poll(signal);
      if (signal.aborted) return;
      polls++;
      lastPoll = new Date();
      failures = 0;
      schedule();
    } catch (err) {
      if (signal.aborted) return;
      failures++;
      options.fail(err);
      if (!(err instanceof ApiProblem && err.kind === "auth")) {
        schedule(Math.min(POLL_MS * 2 ** failures, MAX_BACKOFF_MS));
      }
    }
  }

  return {
    schedule,
    stop,
    visibilityChanged(): void {
      if (visible()) schedule(0);
      else stop();
    },
  };
}
