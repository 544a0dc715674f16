/** The contract's error path, shared with every worker of this repo (see @log-service/http). */
export { ApiError, errorBody, methodNotAllowed, notFound, onError } from "@log-service/http";
