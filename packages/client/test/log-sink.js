// A stand-in for log-worker's LogIngest, reached over a real service binding.
// The path picks the behaviour: /log accepts, /status/<code> answers <code>,
// /hang answers only after a minute (a pending timer, so workerd does not
// cancel it as a hung request).
export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === "/hang") {
      await new Promise((resolve) => setTimeout(resolve, 60_000));
      return new Response(null, { status: 201 });
    }
    const status = /^\/status\/(\d{3})$/.exec(pathname);
    if (status) {
      return Response.json(
        { error: { code: "test_status", message: "as asked" } },
        { status: Number(status[1]) },
      );
    }
    if (pathname === "/log" && request.method === "POST") {
      const body = await request.json();
      return Response.json(
        { accepted: Array.isArray(body) ? body.length : 1, contentType: request.headers.get("Content-Type") },
        { status: 201 },
      );
    }
    return Response.json({ error: { code: "not_found", message: pathname } }, { status: 404 });
  },
};
