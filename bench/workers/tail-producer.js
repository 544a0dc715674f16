// Bench only: a producer with no logging code but console.log, as a worker that
// never adopted the client. log-worker is its tail consumer (bench/phases/tail.mjs).
// GET /?lines=N writes N console lines of ~100 characters and answers 200.
// Each line names its invocation: locally two invocations in the same
// millisecond with the same lines give byte-identical trace events, which tail
// capture takes for one redelivered event (docs/tail.md).
export default {
  /** @param {Request} request */
  fetch(request) {
    const lines = Number(new URL(request.url).searchParams.get("lines") ?? 1);
    const id = crypto.randomUUID();
    for (let i = 0; i < lines; i++) console.log(`bench ${id} line ${i} of ${lines}: ${"x".repeat(40)}`);
    return new Response("ok");
  },
};
