/** @since 0.1.0 */
export * as Browser from "./Browser.js"
/** @since 0.1.0 */
export * as FileTokenStore from "./FileTokenStore.js"
/** @since 0.1.0 */
export * as Login from "./Login.js"
/** @since 0.1.0 */
export * as LoopbackReceiver from "./LoopbackReceiver.js"
/** @since 0.1.0 */
export * as NodeCoze from "./NodeCoze.js"
/** @since 0.1.0 */
export * as NodeJwtSigner from "./NodeJwtSigner.js"
