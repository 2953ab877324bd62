/**
 * @coze-auth/keychain: a `TokenStore` in the OS keychain (macOS Keychain, Windows Credential Manager, the
 * Secret Service on Linux), failing closed where there is none.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as KeychainTokenStore from "./KeychainTokenStore.js"
