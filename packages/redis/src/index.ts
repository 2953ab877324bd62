/**
 * @coze-auth/redis: a `TokenStore` on Redis that many machines share, with a lease, fenced writes and
 * credentials sealed at rest.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as RedisTokenStore from "./RedisTokenStore.js"
