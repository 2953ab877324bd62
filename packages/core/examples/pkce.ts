// A public client (SPA, CLI, desktop app) with PKCE: no secret, a fresh verifier per login.
// Reads COZE_PKCE_OAUTH_CLIENT_ID, COZE_PKCE_OAUTH_REDIRECT_URI and COZE_API_BASE.
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import * as PkceOAuth from "../src/PkceOAuth.js"
import { pasteRedirect, runWhenMain } from "./main.js"

/** `consent` shows the URL to the user and resolves with the URL Coze redirected the browser to. */
export const program = (consent: (authorizationUrl: string) => Effect.Effect<string>) =>
  Effect.gen(function* () {
    const pkce = yield* PkceOAuth.PkceOAuth
    const { codeVerifier, state, url } = yield* pkce.authorizationUrl() // S256; { method: "plain" } if you must
    const callback = new URL(yield* consent(url))
    if (callback.searchParams.get("state") !== state) return yield* Effect.dieMessage("state mismatch")
    const token = yield* pkce.exchange({ code: callback.searchParams.get("code") ?? "", codeVerifier })
    yield* Console.log(`logged in; refreshable: ${token.refreshable}`)
    return yield* pkce.refresh(Option.getOrThrow(token.refreshToken))
  }).pipe(Effect.provide(PkceOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))

// Run it yourself (COZE_PKCE_OAUTH_* set): npx tsx packages/core/examples/pkce.ts, then paste the redirect URL.
runWhenMain(import.meta, program(pasteRedirect))
