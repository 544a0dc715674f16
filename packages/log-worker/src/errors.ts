/** The contract's error path, shared with every worker of this repo (see @log-service/client/http-errors). */
export { ApiError, errorBody, methodNotAllowed, notFound, onError } from "@log-service/client/http-errors";
