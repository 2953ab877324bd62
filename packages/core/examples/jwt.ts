// A service app: sign a JWT with the app's private key for every token; no user, no refresh token.
// Reads COZE_JWT_OAUTH_CLIENT_ID, COZE_JWT_OAUTH_PUBLIC_KEY_ID, COZE_JWT_OAUTH_PRIVATE_KEY (or
// COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH, with a FileSystem provided) and COZE_API_BASE.
import { FetchHttpClient } from "@effect/platform"
import { Console, Effect } from "effect"
import * as JwtOAuth from "../src/JwtOAuth.js"
import * as Scope from "../src/Scope.js"
import { runWhenMain } from "./main.js"

export const program = Effect.gen(function* () {
  const jwt = yield* JwtOAuth.JwtOAuth
  // One end user per session_name keeps conversations apart; scope matters for channel apps.
  const token = yield* jwt.token({ sessionName: "user-42", scope: Scope.botChat(["7380000000000000000"]) })
  yield* Console.log(`service token for ${token.flow}, not refreshable: ${!token.refreshable}`)
  return token
}).pipe(Effect.provide(JwtOAuth.layerConfig()), Effect.provide(FetchHttpClient.layer))

// Run it yourself: COZE_JWT_OAUTH_CLIENT_ID=… COZE_JWT_OAUTH_PUBLIC_KEY_ID=… COZE_JWT_OAUTH_PRIVATE_KEY="$(cat key.pem)" npx tsx packages/core/examples/jwt.ts
runWhenMain(import.meta, program)
