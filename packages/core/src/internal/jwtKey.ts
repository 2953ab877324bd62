/**
 * The key of a JWT app from its settings: the PEM itself (`COZE_JWT_OAUTH_PRIVATE_KEY`), or a file to read it
 * from (`COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH`) through the platform's `FileSystem`.
 */
import { FileSystem } from "@effect/platform"
import { Config, Effect, Either, Option, Redacted } from "effect"
import { ConfigError } from "../CozeError.js"
import type { KeySource } from "../JwtOAuth.js"
import { privateKeySetting } from "./jwtSigner.js"

/** The app's settings but the region. */
export const config = {
  clientId: Config.nonEmptyString("COZE_JWT_OAUTH_CLIENT_ID"),
  publicKeyId: Config.nonEmptyString("COZE_JWT_OAUTH_PUBLIC_KEY_ID"),
  privateKey: Config.nonEmptyString(privateKeySetting).pipe(
    Config.map((pem): KeySource => Either.right(Redacted.make(pem))),
    Config.orElse(() =>
      Config.nonEmptyString("COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH").pipe(
        Config.map((path): KeySource => Either.left({ path }))
      )
    )
  )
}

export const readKey = (source: KeySource): Effect.Effect<Redacted.Redacted<string>, ConfigError> =>
  Either.match(source, {
    onRight: Effect.succeed,
    onLeft: ({ path }) =>
      Effect.gen(function* () {
        const setting = "COZE_JWT_OAUTH_PRIVATE_KEY_FILE_PATH"
        const fs = yield* Effect.serviceOption(FileSystem.FileSystem)
        if (Option.isNone(fs)) {
          return yield* new ConfigError({
            description: `${setting} is set but no FileSystem is provided to read it`,
            field: setting,
            hint: "provide NodeFileSystem.layer (or set COZE_JWT_OAUTH_PRIVATE_KEY)"
          })
        }
        const unreadable = (reason: string) =>
          new ConfigError({ description: `${setting}: cannot read ${path} (${reason})`, field: setting })
        const pem = yield* Effect.mapError(fs.value.readFileString(path), (error) =>
          unreadable(error._tag === "SystemError" ? error.reason : "bad argument")
        )
        return Redacted.make(pem)
      })
  })
