/**
 * @coze-auth/profiles: the profiles, token store and status that the MCP server and the CLI share.
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Home from "./Home.js"
/** @since 0.1.0 */
export * as Profile from "./Profile.js"
/** @since 0.1.0 */
export * as ProfileError from "./ProfileError.js"
/** @since 0.1.0 */
export * as ProfileSpec from "./ProfileSpec.js"
/** @since 0.1.0 */
export * as Profiles from "./Profiles.js"
/** @since 0.1.0 */
export * as Status from "./Status.js"
/** @since 0.1.0 */
export * as Store from "./Store.js"
