/** The admin and read routes of the public app, each a Hono sub-app mounted by app.ts. */
export { debugRoutes } from "./debug";
export { flushRoutes } from "./flush";
