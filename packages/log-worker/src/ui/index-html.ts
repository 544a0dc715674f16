/**
 * The viewer's page, served as `/`. Static markup only: no inline script or
 * style (the CSP forbids both); `/ui/app.js` fills it in.
 */
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Logs · log-worker</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body data-auth="unknown">
<header class="bar">
  <h1><img src="/favicon.svg" alt="" width="20" height="20"> Logs</h1>
  <fieldset id="source" class="segmented">
    <legend class="sr-only">Source</legend>
    <input type="radio" name="source" id="source-kv" value="kv" checked>
    <label for="source-kv" title="Entries stored in KV, not archived yet">Waiting (KV)</label>
    <input type="radio" name="source" id="source-r2" value="r2">
    <label for="source-r2" title="Days the archive job moved to R2">Archived (R2)</label>
  </fieldset>
  <label class="switch needs-key" title="Poll for new entries every few seconds while this tab is visible. KV listings are eventually consistent: in production a new entry can take up to a minute to show.">
    <input type="checkbox" id="live" role="switch"> Live
  </label>
  <span id="live-status" class="muted needs-key" aria-live="polite" data-polls="0"></span>
  <span class="spacer"></span>
  <button type="button" id="refresh" class="needs-key">Refresh</button>
  <button type="button" id="forget" hidden>Forget key</button>
</header>

<main>
  <section id="key-panel" class="panel" hidden aria-labelledby="key-title">
    <h2 id="key-title">Enter the API key</h2>
    <p>The viewer reads <code>/debug/*</code> with log-worker's API key (<code>LOG_API_KEY</code>).
      It is kept in this tab only (sessionStorage) and sent as the <code>X-API-Key</code> header; no cookie is set.</p>
    <form id="key-form" autocomplete="off">
      <label for="key">API key</label>
      <input id="key" name="key" type="password" required spellcheck="false">
      <button type="submit">Use key</button>
    </form>
    <p id="key-error" class="error" role="alert" hidden></p>
  </section>

  <p id="notice" class="error" role="alert" hidden></p>
  <p id="stats" class="stats" role="status" hidden></p>

  <form id="filters" class="filters needs-key" role="search" aria-label="Filters">
    <label>Minimum level
      <select name="level"><option value="">all levels</option></select>
    </label>
    <label>Service
      <input name="service" type="text" spellcheck="false" placeholder="auth-worker">
    </label>
    <label>Message contains
      <input name="q" type="search" spellcheck="false">
    </label>
    <label>Request ID
      <input name="requestId" type="text" spellcheck="false">
    </label>
    <label>Since
      <input name="since" type="datetime-local" step="1">
    </label>
    <label>Until
      <input name="until" type="datetime-local" step="1">
    </label>
    <div class="actions">
      <button type="submit">Apply</button>
      <button type="button" id="clear-filters">Clear</button>
    </div>
  </form>

  <section id="archive" class="panel needs-key" hidden aria-labelledby="archive-title">
    <h2 id="archive-title" class="sr-only">Archived objects</h2>
    <label>Day (UTC) <input type="date" id="archive-date"></label>
    <p id="archive-message" class="muted" aria-live="polite"></p>
    <ul id="objects" class="objects"></ul>
    <button type="button" id="archive-all" hidden>Show all listed</button>
    <button type="button" id="archive-more" hidden>More objects</button>
  </section>

  <figure id="chart" class="chart needs-key" hidden>
    <svg id="chart-svg" role="img" aria-label="Log volume"></svg>
    <figcaption id="legend" class="legend"></figcaption>
  </figure>

  <p id="summary" class="muted needs-key" aria-live="polite"></p>
  <div id="table-wrap" class="table-wrap needs-key" aria-busy="false">
    <table id="logs">
      <caption class="sr-only">Log entries, newest first</caption>
      <thead>
        <tr>
          <th scope="col"><span class="sr-only">Details</span></th>
          <th scope="col">Time</th>
          <th scope="col">Level</th>
          <th scope="col">Service</th>
          <th scope="col">Message</th>
          <th scope="col">Request ID</th>
        </tr>
      </thead>
      <tbody id="rows"></tbody>
    </table>
  </div>
  <div id="empty" class="empty needs-key" hidden></div>
  <button type="button" id="more" class="needs-key" hidden>Load more</button>
</main>
</body>
</html>
`;
