/**
 * Server-side HTTP helpers shared by this repo's workers (log-worker and
 * auth-worker): one JSON error path and the `/health` answer. Application
 * workers that only log need `@log-service/client`, not this package.
 */
export {
  ApiError,
  type ErrorBody,
  errorBody,
  errorBodySchema,
  methodNotAllowed,
  notFound,
  onError,
} from "./errors";
export { healthResponse } from "./health";
