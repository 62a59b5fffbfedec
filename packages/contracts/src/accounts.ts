/** Password length policy, shared by the gateway (enforced) and the clients (told before sending). */
export const PASSWORD_MIN_LENGTH = 10
/** Checked before hashing, so nobody can make the server hash megabytes per request. */
export const PASSWORD_MAX_LENGTH = 256
