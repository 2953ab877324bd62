// A JWT (service) app on the emulator with a fresh RSA key: what the JWT benchmarks sign with.
import { generateKeyPairSync } from "node:crypto"
import type * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import { Effect } from "effect"

/** A 2048-bit key registered on a new JWT app: the app and the key's PKCS#8 PEM. */
export const jwtApp = (emulator: EmulatorClient.Service) =>
  Effect.suspend(() => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
    return Effect.map(
      emulator.createApp({ type: "jwt", public_key_pem: publicKey.export({ type: "spki", format: "pem" }).toString() }),
      (app) => ({ app, pem })
    )
  })
