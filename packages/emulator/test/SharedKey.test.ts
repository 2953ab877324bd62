import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { EmulatorClient } from "../src/EmulatorClient.js"
import { assertOAuthError, GrantTypes, postToken, rsaKeyPair, signJwt, TestEmulator } from "./utils/index.js"

const bearer = (jwt: string) => ({ Authorization: `Bearer ${jwt}` })

describe("one key on several JWT apps", () => {
  it.scoped("checks an assertion against the app its iss names, whichever registered the key first", () =>
    Effect.gen(function* () {
      const emulator = yield* EmulatorClient
      const keys = rsaKeyPair()
      // A dev and a prod app sharing one key pair, as is common.
      const dev = yield* emulator.createApp({ type: "jwt", name: "dev", public_key_pem: keys.publicKey })
      const prod = yield* emulator.createApp({ type: "jwt", name: "prod", public_key_pem: keys.publicKey })
      assert.strictEqual(dev.public_key_id, prod.public_key_id)
      for (const app of [dev, prod]) {
        const jwt = yield* signJwt({ privateKey: keys.privateKey, kid: app.public_key_id!, iss: app.client_id })
        const answer = yield* postToken({ grant_type: GrantTypes.jwtBearer }, bearer(jwt))
        assert.strictEqual(answer.status, 200, answer.text)
      }
      // An iss that holds no such key is still refused.
      const stranger = yield* emulator.createApp({ type: "jwt", public_key_pem: rsaKeyPair().publicKey })
      const jwt = yield* signJwt({ privateKey: keys.privateKey, kid: dev.public_key_id!, iss: stranger.client_id })
      const refused = yield* postToken({ grant_type: GrantTypes.jwtBearer }, bearer(jwt))
      assertOAuthError(refused, 401, "invalid_client", "iss must be the app's client id")
    }).pipe(Effect.provide(TestEmulator()))
  )
})
