// A web app with a client secret: send the user to the authorization URL, exchange the code from the redirect.
// Reads COZE_WEB_OAUTH_CLIENT_ID, COZE_WEB_OAUTH_CLIENT_SECRET, COZE_WEB_OAUTH_REDIRECT_URI and COZE_API_BASE.
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect, Option } from "effect"
import * as WebOAuth from "../src/WebOAuth.js"
import { pasteRedirect, runWhenMain } from "./main.js"

/** `consent` shows the URL to the user and resolves with the URL Coze redirected the browser to. */
export const program = (consent: (authorizationUrl: string) => Effect.Effect<string>) =>
  Effect.gen(function* () {
    const web = yield* WebOAuth.WebOAuth
    const { state, url } = yield* web.authorizationUrl() // keep `state` in the user's session
    const callback = new URL(yield* consent(url))
    const token = yield* web.exchange({
      code: callback.searchParams.get("code") ?? "",
      state: callback.searchParams.get("state") ?? "",
      expectedState: state
    })
    // Later, before it expires: the refresh token rotates, store the new one.
    const renewed = yield* web.refresh(Option.getOrThrow(token.refreshToken))
    yield* Console.log(`logged in; the token expires at ${Option.getOrThrow(renewed.expiresAt)}`)
    return renewed
  }).pipe(Effect.provide(WebOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))

// Run it yourself (COZE_WEB_OAUTH_* set): npx tsx packages/core/examples/web.ts, then paste the redirect URL.
runWhenMain(import.meta, program(pasteRedirect))
