/**
 * The emulator's in-memory state: one immutable `State` value in a `Ref`, so every check-and-consume
 * (single-use codes, rotating refresh tokens, `jti` replay) is one atomic `Ref.modify`.
 */

import type { KeyObject } from "node:crypto"
import { randomBytes, randomInt } from "node:crypto"
import { Chunk, Context, Effect, HashMap, HashSet, Option, Ref } from "effect"
import * as ShiftedClock from "./clock.js"
import type { AppType, RequestRecord } from "./wire.js"

/** Lifetimes and polling interval, in seconds. */
export interface Settings {
  readonly accessTokenTtl: number
  readonly refreshTokenTtl: number
  readonly deviceCodeTtl: number
  readonly interval: number
}

export interface App {
  readonly client_id: string
  readonly type: AppType
  readonly name: string
  readonly client_secret?: string
  readonly redirect_uris: ReadonlyArray<string>
  readonly public_key?: { readonly id: string; readonly key: KeyObject }
  /** Channel service apps are the only ones whose JWT grant honours `scope`. */
  readonly channel: boolean
  readonly disabled: boolean
}

export type ChallengeMethod = "plain" | "S256"

/** What a user is asked to approve on the consent page, keyed by `authorize_key`. */
export interface PendingAuthorization {
  readonly key: string
  readonly client_id: string
  readonly redirect_uri: string
  readonly state: string | undefined
  readonly code_challenge: string | undefined
  readonly code_challenge_method: ChallengeMethod
  readonly workspace_id: string | undefined
}

export interface AuthorizationCode {
  readonly code: string
  readonly client_id: string
  readonly redirect_uri: string
  readonly code_challenge: string | undefined
  readonly code_challenge_method: ChallengeMethod
  readonly expires_at: number
}

export interface DeviceAuthorization {
  readonly device_code: string
  readonly user_code: string
  readonly client_id: string
  readonly workspace_id: string | undefined
  readonly expires_at: number
  /** Seconds the client must wait between polls; grows by 5 on every `slow_down`. */
  readonly interval: number
  readonly last_poll_at: number | undefined
  readonly decision: "pending" | "approved" | "denied"
}

/** An issued access or refresh token. */
export interface Grant {
  readonly client_id: string
  readonly expires_at: number
}

/** A personal access token (`pat_…`): the emulator user's own, tied to no app; `undefined` never expires. */
export interface PersonalToken {
  readonly expires_at: number | undefined
}

export interface State {
  readonly apps: HashMap.HashMap<string, App>
  readonly pending: HashMap.HashMap<string, PendingAuthorization>
  readonly codes: HashMap.HashMap<string, AuthorizationCode>
  readonly devices: HashMap.HashMap<string, DeviceAuthorization>
  readonly accessTokens: HashMap.HashMap<string, Grant>
  readonly refreshTokens: HashMap.HashMap<string, Grant>
  readonly personalTokens: HashMap.HashMap<string, PersonalToken>
  readonly usedJtis: HashSet.HashSet<string>
  readonly requests: Chunk.Chunk<RequestRecord>
}

export const emptyState: State = {
  apps: HashMap.empty(),
  pending: HashMap.empty(),
  codes: HashMap.empty(),
  devices: HashMap.empty(),
  accessTokens: HashMap.empty(),
  refreshTokens: HashMap.empty(),
  personalTokens: HashMap.empty(),
  usedJtis: HashSet.empty(),
  requests: Chunk.empty()
}

/** The state plus the emulator's clock, provided to every handler. */
export class Store extends Context.Tag("@coze-auth/emulator/internal/Store")<
  Store,
  {
    readonly settings: Settings
    readonly state: Ref.Ref<State>
    /** The clock it was built with, plus what the control API added. */
    readonly clock: ShiftedClock.ShiftedClock
  }
>() {}

export const makeStore = (settings: Settings) =>
  Effect.gen(function* () {
    // Captured once, so requests served on other fibers still follow the builder's (possibly test) clock.
    const clock = ShiftedClock.make(yield* Effect.clock)
    const state = yield* Ref.make(emptyState)
    return Store.of({ settings, state, clock })
  })

/** The emulator's "now", in milliseconds. */
export const now = Effect.flatMap(Store, (store) => store.clock.clock.currentTimeMillis)

export const advanceClock = (millis: number) => Effect.flatMap(Store, (store) => store.clock.advance(millis))

/** Forgets everything, the clock's offset included. */
export const reset = Effect.flatMap(Store, (store) =>
  Effect.zipRight(Ref.set(store.state, emptyState), store.clock.reset)
)

export const getState = Effect.flatMap(Store, (store) => Ref.get(store.state))

export const updateState = (f: (state: State) => State) => Effect.flatMap(Store, (store) => Ref.update(store.state, f))

export const modifyState = <A>(f: (state: State) => readonly [A, State]) =>
  Effect.flatMap(Store, (store) => Ref.modify(store.state, f))

export const findApp = (clientId: string) => Effect.map(getState, (state) => HashMap.get(state.apps, clientId))

type KeyedField = "pending" | "codes" | "devices" | "accessTokens" | "refreshTokens"
type EntryOf<K extends KeyedField> = State[K] extends HashMap.HashMap<string, infer V> ? V : never

const entries = <K extends KeyedField>(state: State, field: K) => state[field] as HashMap.HashMap<string, EntryOf<K>>

export const lookup = <K extends KeyedField>(field: K, key: string) =>
  Effect.map(getState, (state) => HashMap.get(entries(state, field), key))

/** Removes and returns an entry: the atomic "use once" step. */
export const takeFrom = <K extends KeyedField>(field: K, key: string) =>
  modifyState((state): readonly [Option.Option<EntryOf<K>>, State] => {
    const map = entries(state, field)
    const found = HashMap.get(map, key)
    return [found, Option.isSome(found) ? { ...state, [field]: HashMap.remove(map, key) } : state]
  })

/** A random URL-safe token with a Coze-like prefix (`czu_`, `czs_`, `code_`, …). */
export const randomToken = (prefix: string, bytes = 32) =>
  Effect.sync(() => `${prefix}${randomBytes(bytes).toString("base64url")}`)

export const randomDigits = (length: number) =>
  Effect.sync(() => Array.from({ length }, (_, i) => randomInt(i === 0 ? 1 : 0, 10)).join(""))

/** RFC 8628 §6.1: consonants only, so codes read unambiguously and spell no words. */
const userCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

export const randomUserCode = Effect.sync(() => {
  const letters = Array.from({ length: 8 }, () => userCodeAlphabet[randomInt(userCodeAlphabet.length)]).join("")
  return `${letters.slice(0, 4)}-${letters.slice(4)}`
})

/** Users type codes in any case, with or without the dash. */
export const normalizeUserCode = (input: string) => {
  const letters = input.toUpperCase().replace(/[^A-Z]/g, "")
  return `${letters.slice(0, 4)}-${letters.slice(4)}`
}
