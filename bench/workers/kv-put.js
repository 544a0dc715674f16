// Reference: the storage floor. One KV put per request (the body as the value,
// under a fresh key), then 201: what any design storing a batch must at least do.
export default {
  /**
   * @param {Request} request
   * @param {{ log_state: KVNamespace }} env
   */
  async fetch(request, env) {
    const key = `ref:${Date.now()}:${crypto.randomUUID()}`;
    await env.log_state.put(key, await request.text());
    return new Response(JSON.stringify({ accepted: 1, key }), {
      status: 201,
      headers: { "Content-Type": "application/json" },
    });
  },
};
