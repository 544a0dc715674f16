/**
 * The contract's error path, shared with log-worker: handlers throw `ApiError`;
 * `onError` answers `{ error: { code, message } }`. Anything else becomes a
 * generic 500, and the request logger's summary line carries the real error
 * (as `err`) to log-worker.
 */
export { ApiError, errorBody, methodNotAllowed, notFound, onError } from "@log-service/http";
