// `node scripts/check-links.mjs`: every relative link in README.md, docs/*.md,
// bench/README.md and the packages' READMEs points at a file of this repo, and
// a `#fragment` at a heading of that file. Part of `npm run lint`.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { ROOT } from "./lib/wrangler-dev.mjs";

const markdownFiles = [
  "README.md",
  "bench/README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, "packages"))
    .map((p) => `packages/${p}/README.md`)
    .filter((f) => existsSync(join(ROOT, f))),
];

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (/** @type {string} */ heading) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[`*_]/g, "")
    .replace(/[^\p{L}\p{N} -]/gu, "")
    .replace(/ /g, "-");

const anchorsOf = (/** @type {string} */ file) =>
  new Set(
    readFileSync(file, "utf8")
      .replace(/```[\s\S]*?```/g, "")
      .split("\n")
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => slug(line.replace(/^#+ /, ""))),
  );

const problems = [];
for (const file of markdownFiles) {
  // Links in code blocks and inline code are examples, not links.
  const text = readFileSync(join(ROOT, file), "utf8")
    .replace(/```[\s\S]*?```/g, "")
    .replace(/`[^`\n]*`/g, "");
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (!target || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, mailto:...
    const [path = "", fragment] = target.split("#");
    const absolute = path === "" ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), decodeURI(path));
    const inRepo = relative(ROOT, absolute);
    if (inRepo.startsWith("..")) {
      problems.push(`${file}: ${target} points outside the repository`);
    } else if (!existsSync(absolute)) {
      problems.push(`${file}: ${target} does not exist`);
    } else if (fragment && statSync(absolute).isFile() && absolute.endsWith(".md")) {
      if (!anchorsOf(absolute).has(fragment))
        problems.push(`${file}: ${target} names no heading of ${inRepo}`);
    }
  }
}

if (problems.length > 0) {
  console.error(`Broken links:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-links: every relative link in ${markdownFiles.length} files resolves.`);
