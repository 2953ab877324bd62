/**
 * Who a token belongs to, from `GET /v1/users/me`: shown after a login and in `status`, and the check a
 * pasted PAT must pass before `login --with-token` stores it.
 */
import * as Region from "@coze-auth/core/Region"
import { HttpClient, HttpClientRequest, HttpClientResponse } from "@effect/platform"
import { Duration, Effect, Option, Redacted, Schema } from "effect"
import { CliFailure } from "./Failure.js"

export class User extends Schema.Class<User>("User")({
  user_id: Schema.String,
  user_name: Schema.optional(Schema.String),
  nick_name: Schema.optional(Schema.String)
}) {
  get display(): string {
    const name = this.nick_name || this.user_name
    return name === undefined || name === "" ? `user ${this.user_id}` : `${name} (user ${this.user_id})`
  }
}

const Me = Schema.Struct({ code: Schema.Number, msg: Schema.optional(Schema.String), data: Schema.optional(User) })

/** How long a check of a token to be stored waits for `/v1/users/me`. */
export const checkTimeout = Duration.seconds(10)

/** How long `status` and `login` wait to learn the user's name: it is only for show. */
export const showTimeout = Duration.seconds(3)

/** The token's user; fails with a line that says what to check (the token, or the region it belongs to). */
export const me = (region: Region.Region, token: Redacted.Redacted, timeout: Duration.Duration = checkTimeout) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const url = `${region.apiBase}/v1/users/me`
    const response = yield* client
      .execute(HttpClientRequest.get(url).pipe(HttpClientRequest.bearerToken(Redacted.value(token))))
      .pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () =>
            new CliFailure({
              message: `${url} did not answer within ${Duration.format(timeout)}; check your network and the profile's api base`
            })
        }),
        Effect.mapError((error) =>
          error instanceof CliFailure
            ? error
            : new CliFailure({
                message: `cannot reach ${url} (${error.cause instanceof Error ? error.cause.message : error.message}); check your network and the profile's api base`
              })
        )
      )
    const body = yield* HttpClientResponse.schemaBodyJson(Me)(response).pipe(Effect.option)
    if (response.status === 401 || Option.exists(body, (b) => b.code === 4100))
      return yield* new CliFailure({
        message: `${region.apiBase} refused the token (code 4100): check that it is valid and not expired; ${Region.mismatchHint(region)}`
      })
    if (response.status !== 200 || Option.isNone(body) || body.value.code !== 0 || body.value.data === undefined)
      return yield* new CliFailure({
        message: `${url} answered HTTP ${response.status}${Option.match(body, {
          onNone: () => "",
          onSome: (b) => ` (code ${b.code} ${b.msg ?? ""})`.trimEnd()
        })}; try again later`
      })
    return body.value.data
  }).pipe(Effect.scoped)

/** The user when the API says so within `showTimeout`; nothing when it cannot be asked (offline, say). */
export const known = (region: Region.Region, token: Redacted.Redacted) => Effect.option(me(region, token, showTimeout))
