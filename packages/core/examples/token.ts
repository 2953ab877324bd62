// A personal (PAT) or service (SAT) access token from COZE_API_TOKEN.
import { Console, Effect } from "effect"
import * as TokenAuth from "../src/TokenAuth.js"
import { runWhenMain } from "./main.js"

export const program = Effect.gen(function* () {
  const auth = yield* TokenAuth.TokenAuth
  const token = yield* auth.token
  yield* Console.log(`using a ${token.flow} credential: ${token.accessToken}`) // prints <redacted>
  return token
}).pipe(Effect.provide(TokenAuth.layerConfig()))

// Run it yourself: COZE_API_TOKEN=pat_… npx tsx packages/core/examples/token.ts
runWhenMain(import.meta, program)
