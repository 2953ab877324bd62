/**
 * Wire documents of the control API (`/__emulator/*`), shared by the server and `EmulatorClient`.
 */
import { Schema } from "effect"

export const AppType = Schema.Literal("web", "pkce", "device", "jwt")
export type AppType = typeof AppType.Type

const isHttpUrl = (text: string) => {
  try {
    return /^https?:$/.test(new URL(text).protocol)
  } catch {
    return false
  }
}

/** Where a browser can be sent back to; anything else could never be redirected to. */
export const RedirectUri = Schema.String.pipe(
  Schema.filter(isHttpUrl, {
    message: (issue) => `expected an absolute http(s) URL, actual ${JSON.stringify(issue.actual)}`
  })
)

export const CreateApp = Schema.Struct({
  type: AppType,
  name: Schema.optional(Schema.String),
  redirect_uris: Schema.optional(Schema.Array(RedirectUri)),
  public_key_pem: Schema.optional(Schema.String),
  channel: Schema.optional(Schema.Boolean)
})
export type CreateApp = typeof CreateApp.Type

export const CreatedApp = Schema.Struct({
  client_id: Schema.String,
  client_secret: Schema.optionalWith(Schema.String, { exact: true }),
  public_key_id: Schema.optionalWith(Schema.String, { exact: true })
})
export type CreatedApp = typeof CreatedApp.Type

export const Decision = Schema.Literal("approve", "deny")
export type Decision = typeof Decision.Type

export const Consent = Schema.Struct({ authorize_key: Schema.String, decision: Decision })

export const ConsentAnswer = Schema.Struct({ redirect: Schema.String })

export const UserCode = Schema.Struct({ user_code: Schema.String })

/** A century: whole seconds up to this keep the clock a whole, printable number of milliseconds. */
export const maxAdvanceSeconds = 100 * 365 * 24 * 60 * 60

export const AdvanceClock = Schema.Struct({
  advance_seconds: Schema.Int.pipe(Schema.between(0, maxAdvanceSeconds))
})

export const CreatePat = Schema.Struct({
  expires_in_seconds: Schema.optional(Schema.Int.pipe(Schema.between(1, maxAdvanceSeconds)))
})

export const CreatedPat = Schema.Struct({ token: Schema.String })
export type CreatedPat = typeof CreatedPat.Type

export const ClockAnswer = Schema.Struct({ now: Schema.Number })

export const Ok = Schema.Struct({ ok: Schema.Literal(true) })

export const Health = Schema.Struct({ ok: Schema.Literal(true), api_base: Schema.String, www_base: Schema.String })
export type Health = typeof Health.Type

export const RequestRecord = Schema.Struct({
  method: Schema.String,
  path: Schema.String,
  grant_type: Schema.optionalWith(Schema.String, { exact: true }),
  status: Schema.Number,
  at: Schema.Number
})
export type RequestRecord = typeof RequestRecord.Type
