/**
 * Wire documents of the control API (`/__emulator/*`), shared by the server and `EmulatorClient`.
 */
import { Schema } from "effect"

export const AppType = Schema.Literal("web", "pkce", "device", "jwt")
export type AppType = typeof AppType.Type

export const CreateApp = Schema.Struct({
  type: AppType,
  name: Schema.optional(Schema.String),
  redirect_uris: Schema.optional(Schema.Array(Schema.String)),
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

export const AdvanceClock = Schema.Struct({ advance_seconds: Schema.NonNegative })

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
