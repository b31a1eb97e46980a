/*
 * The dashboard's coded errors: each has a stable code, an HTTP status and
 * a message; the REST layer turns them into {error, message} bodies.
 */
export const DASH_ERRORS = {
  DASH_ERR_NO_GROUP: 404,
  DASH_ERR_GROUP_EXISTS: 409,
  DASH_ERR_GROUP_NOT_EMPTY: 409,
  DASH_ERR_SERVER_EXISTS: 409,
  DASH_ERR_NO_SERVER: 404,
  DASH_ERR_MASTER_HAS_SLOTS: 409,
  DASH_ERR_BAD_RANGE: 400,
  DASH_ERR_GROUP_NO_MASTER: 409,
  DASH_ERR_NO_PROXY: 404,
  DASH_ERR_PROXY_UNREACHABLE: 502,
  DASH_ERR_CONFLICT: 409,
  DASH_ERR_NOT_LEADER: 503,
  DASH_ERR_SLOT_UNASSIGNED: 409,
  DASH_ERR_ACTION_EXISTS: 409,
  DASH_ERR_NO_ACTION: 404,
  DASH_ERR_ACTION_BUSY: 409,
  DASH_ERR_BAD_REQUEST: 400,
  DASH_ERR_SERVER_UNREACHABLE: 502,
  DASH_ERR_NOT_CAUGHT_UP: 409,
} as const;

export type DashErrorCode = keyof typeof DASH_ERRORS;

export class DashError extends Error {
  readonly status: number;
  constructor(readonly code: DashErrorCode, message: string) {
    super(message);
    this.status = DASH_ERRORS[code];
  }
}
