/**
 * Ready-made apps, one per OAuth flow, registered on a running emulator. Each is described the way
 * the Coze console's downloadable app JSON is, so anything that loads that file can use it as is.
 *
 * @since 0.1.0
 */

import { generateKeyPairSync } from "node:crypto"
import { Effect } from "effect"
import { EmulatorClient } from "./EmulatorClient.js"

/**
 * An app in the shape of the Coze console's app JSON (plus the redirect URI to use, for code flows).
 *
 * @since 0.1.0
 * @category Models
 */
export interface DemoApp {
  readonly client_type: "web" | "pkce" | "device" | "jwt"
  readonly client_id: string
  readonly client_secret?: string
  /** PKCS#8 PEM. */
  readonly private_key?: string
  readonly public_key_id?: string
  readonly coze_api_base: string
  readonly coze_www_base: string
  /** Loopback: any port is accepted (RFC 8252 §7.3). */
  readonly redirect_uri?: string
}

/**
 * @since 0.1.0
 * @category Models
 */
export interface DemoApps {
  readonly web: DemoApp
  readonly pkce: DemoApp
  readonly device: DemoApp
  readonly jwt: DemoApp
}

/**
 * Loopback redirect URIs registered for the code-flow apps; the port may be anything.
 *
 * @since 0.1.0
 * @category Constants
 */
export const redirectUris: readonly [string, ...Array<string>] = [
  "http://127.0.0.1/callback",
  "http://localhost/callback",
  "http://127.0.0.1/oauth/callback"
]

const generateRsaKeyPair = Effect.sync(() =>
  generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" }
  })
)

/**
 * Registers a web, a PKCE, a device and a JWT app (with a fresh RSA-2048 key pair).
 *
 * @since 0.1.0
 * @category Constructors
 */
export const seed: Effect.Effect<DemoApps, never, EmulatorClient> = Effect.gen(function* () {
  const emulator = yield* EmulatorClient
  const bases = { coze_api_base: emulator.url, coze_www_base: emulator.url }
  const [redirect_uri] = redirectUris
  const keys = yield* generateRsaKeyPair

  const web = yield* emulator.createApp({ type: "web", name: "Demo web app", redirect_uris: redirectUris })
  const pkce = yield* emulator.createApp({ type: "pkce", name: "Demo PKCE app", redirect_uris: redirectUris })
  const device = yield* emulator.createApp({ type: "device", name: "Demo device app" })
  const jwt = yield* emulator.createApp({ type: "jwt", name: "Demo JWT service app", public_key_pem: keys.publicKey })

  return {
    web: { client_type: "web", ...web, ...bases, redirect_uri },
    pkce: { client_type: "pkce", ...pkce, ...bases, redirect_uri },
    device: { client_type: "device", ...device, ...bases },
    jwt: { client_type: "jwt", ...jwt, private_key: keys.privateKey, ...bases }
  }
})
