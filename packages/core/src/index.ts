/**
 * @coze-auth/core: every Coze auth flow as an Effect service, with typed errors and redacted secrets.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as AuthHttpClient from "./AuthHttpClient.js"
/** @since 0.1.0 */
export * as Callback from "./Callback.js"
/** @since 0.1.0 */
export * as CozeError from "./CozeError.js"
/** @since 0.1.0 */
export * as Credentials from "./Credentials.js"
/** @since 0.1.0 */
export * as DeviceOAuth from "./DeviceOAuth.js"
/** @since 0.1.0 */
export * as Dialect from "./Dialect.js"
/** @since 0.1.0 */
export * as JwtOAuth from "./JwtOAuth.js"
/** @since 0.1.0 */
export * as KeyedCredentials from "./KeyedCredentials.js"
/** @since 0.1.0 */
export * as OAuthApp from "./OAuthApp.js"
/** @since 0.1.0 */
export * as Pkce from "./Pkce.js"
/** @since 0.1.0 */
export * as PkceOAuth from "./PkceOAuth.js"
/** @since 0.1.0 */
export * as Region from "./Region.js"
/** @since 0.1.0 */
export * as Retry from "./Retry.js"
/** @since 0.1.0 */
export * as Scope from "./Scope.js"
/** @since 0.1.0 */
export * as Token from "./Token.js"
/** @since 0.1.0 */
export * as TokenAuth from "./TokenAuth.js"
/** @since 0.1.0 */
export * as TokenSeal from "./TokenSeal.js"
/** @since 0.1.0 */
export * as TokenStore from "./TokenStore.js"
/** @since 0.1.0 */
export * as WebOAuth from "./WebOAuth.js"
/** @since 0.1.0 */
export * as Wire from "./Wire.js"
