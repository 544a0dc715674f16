// Reference: the runtime's ceiling. Reads the request body (so large batches
// cost their upload, as for the real worker) and answers 200, nothing else.
export default {
  /** @param {Request} request */
  async fetch(request) {
    await request.arrayBuffer();
    return new Response('{"ok":true}', { headers: { "Content-Type": "application/json" } });
  },
};
