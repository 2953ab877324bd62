/** @since 0.1.0 */
export * as DemoApps from "./DemoApps.js"
/** @since 0.1.0 */
export * as Emulator from "./Emulator.js"
/** @since 0.1.0 */
export * as EmulatorClient from "./EmulatorClient.js"
