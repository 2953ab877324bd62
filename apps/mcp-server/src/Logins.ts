/**
 * Logins in progress, one per profile. A device or PKCE login keeps running in the background after the
 * `login` tool has returned; asking again while one is pending returns that one, so an impatient model
 * cannot fan out codes to the user. Closing the runtime cancels every pending login.
 */
import { type CozeError, NotAuthenticated } from "@coze-auth/core/CozeError"
import type { Flow, Token } from "@coze-auth/core/Token"
import type { Profile } from "@coze-auth/profiles/Profile"
import { Profiles } from "@coze-auth/profiles/Profiles"
import {
  Cause,
  Context,
  type DateTime,
  Deferred,
  Effect,
  ExecutionStrategy,
  Exit,
  Layer,
  Option,
  Ref,
  Scope,
  SynchronizedRef
} from "effect"
import { FlowUnavailable, type ToolError } from "./ToolError.js"

export interface PendingLogin {
  readonly profile: string
  readonly flow: Flow
  readonly verificationUrl: string
  readonly userCode: Option.Option<string>
  readonly expiresAt: DateTime.Utc
  /** Settles with the login's outcome; a cancelled login fails with `NotAuthenticated`. */
  readonly outcome: Deferred.Deferred<Token, CozeError>
}

export type LoginOutcome =
  /** `fresh`: this call started it, so nobody has seen its verification URL yet. */
  | { readonly _tag: "Pending"; readonly login: PendingLogin; readonly fresh: boolean }
  | { readonly _tag: "Authenticated"; readonly profile: string; readonly expiresAt: Option.Option<DateTime.Utc> }

export interface Service {
  /**
   * Joins the profile's pending login, else reports it logged in (unless `force`), else starts a login:
   * asking twice never sends the user two codes, and asking once the user approved just says so.
   */
  readonly start: (options: {
    readonly profile: string | undefined
    readonly flow: Flow | undefined
    readonly workspaceId: Option.Option<string>
    readonly force: boolean
  }) => Effect.Effect<LoginOutcome, CozeError | ToolError>
  readonly pending: (profile: string) => Effect.Effect<Option.Option<PendingLogin>>
  /** Why the last login of a profile failed, until the next one starts or succeeds. */
  readonly lastFailure: (profile: string) => Effect.Effect<Option.Option<CozeError>>
  /** Cancels a pending login; `true` when there was one. */
  readonly cancel: (profile: string) => Effect.Effect<boolean>
}

export class Logins extends Context.Tag("app/Logins")<Logins, Service>() {}

interface Running {
  readonly login: PendingLogin
  readonly scope: Scope.CloseableScope
  readonly cancel: Effect.Effect<void>
}

/** The named profile, else the first of the requested flow (the default one when it fits), else the default. */
const choose = (profiles: Profiles["Type"], name: string | undefined, flow: Flow | undefined) =>
  profiles.get(name ?? (flow === undefined ? undefined : profiles.all.find((p) => p.flow === flow)?.name))

export const make = Effect.gen(function* () {
  const profiles = yield* Profiles
  const scope = yield* Effect.scope
  const running = yield* SynchronizedRef.make(new Map<string, Running>())
  const failures = yield* Ref.make(new Map<string, CozeError>())

  const setFailure = (profile: string, failure: Option.Option<CozeError>) =>
    Ref.update(failures, (map) => {
      const next = new Map(map)
      Option.match(failure, { onNone: () => next.delete(profile), onSome: (e) => next.set(profile, e) })
      return next
    })

  const forget = (profile: string, entry: Running) =>
    SynchronizedRef.update(running, (map) => {
      if (map.get(profile) !== entry) return map
      const next = new Map(map)
      next.delete(profile)
      return next
    })

  const begin = (
    profile: Profile,
    workspaceId: Option.Option<string>
  ): Effect.Effect<{ readonly outcome: LoginOutcome; readonly entry?: Running }, CozeError> =>
    Effect.gen(function* () {
      const loginScope = yield* Scope.fork(scope, ExecutionStrategy.sequential)
      const started = yield* profile.login({ workspaceId }).pipe(
        Scope.extend(loginScope),
        Effect.onError(() => Scope.close(loginScope, Exit.void))
      )
      if (started._tag === "Immediate") {
        yield* Scope.close(loginScope, Exit.void)
        return { outcome: { _tag: "Authenticated", profile: profile.name, expiresAt: started.token.expiresAt } }
      }
      const { handle } = started
      const outcome = yield* Deferred.make<Token, CozeError>()
      const entry: Running = {
        login: { profile: profile.name, ...handle.pending, outcome },
        scope: loginScope,
        cancel: handle.cancel
      }
      const cancelled = new NotAuthenticated({
        profile: profile.name,
        description: `the login for profile "${profile.name}" was cancelled`,
        hint: "call login to start a new one"
      })
      // Watched from the server's scope, not the login's: the watcher closes the login's scope when done.
      yield* handle.completion.pipe(
        Effect.exit,
        Effect.flatMap((exit) =>
          Effect.gen(function* () {
            // Cancelled (logout, a declined elicitation) is not a failure worth reporting in `status`.
            const cancelledByUs = Exit.isInterrupted(exit)
            yield* Deferred.done(outcome, cancelledByUs ? Exit.fail(cancelled) : exit)
            yield* setFailure(
              profile.name,
              cancelledByUs
                ? Option.none()
                : Exit.match(exit, { onSuccess: Option.none, onFailure: Cause.failureOption })
            )
            yield* forget(profile.name, entry)
            yield* Scope.close(loginScope, Exit.void)
          })
        ),
        Effect.forkIn(scope)
      )
      return { outcome: { _tag: "Pending", login: entry.login, fresh: true }, entry }
    })

  const start: Service["start"] = ({ flow, force, profile: name, workspaceId }) =>
    Effect.gen(function* () {
      const profile = yield* choose(profiles, name, flow)
      if (flow !== undefined && flow !== profile.flow)
        return yield* new FlowUnavailable({
          profile: profile.name,
          flow,
          reason: `its app is a ${profile.flow} app; pick a profile with a ${flow} app (see status)`
        })
      return yield* SynchronizedRef.modifyEffect(
        running,
        (map): Effect.Effect<readonly [LoginOutcome, Map<string, Running>], CozeError> => {
          const existing = map.get(profile.name)
          if (existing !== undefined) {
            return Effect.succeed([{ _tag: "Pending", login: existing.login, fresh: false }, map])
          }
          return loggedIn(profile, force).pipe(
            Effect.flatMap(
              Option.match({
                onSome: (outcome) => Effect.succeed([outcome, map] as const),
                onNone: () => startLogin(profile, workspaceId, map)
              })
            )
          )
        }
      )
    })

  /** A profile with a stored credential is logged in already; `force` logs in again all the same. */
  const loggedIn = (profile: Profile, force: boolean): Effect.Effect<Option.Option<LoginOutcome>, CozeError> =>
    force
      ? Effect.succeedNone
      : Effect.map(profile.credentials.status, (status) =>
          status.authenticated
            ? Option.some({ _tag: "Authenticated", profile: profile.name, expiresAt: status.expiresAt })
            : Option.none()
        )

  const startLogin = (profile: Profile, workspaceId: Option.Option<string>, map: Map<string, Running>) =>
    setFailure(profile.name, Option.none()).pipe(
      Effect.zipRight(begin(profile, workspaceId)),
      Effect.map(
        ({ entry, outcome }) => [outcome, entry === undefined ? map : new Map(map).set(profile.name, entry)] as const
      )
    )

  const cancel: Service["cancel"] = (profile) =>
    SynchronizedRef.get(running).pipe(
      Effect.map((map) => Option.fromNullable(map.get(profile))),
      Effect.flatMap(
        Option.match({
          onNone: () => Effect.succeed(false),
          onSome: (entry) => entry.cancel.pipe(Effect.zipRight(Scope.close(entry.scope, Exit.void)), Effect.as(true))
        })
      )
    )

  return Logins.of({
    start,
    pending: (profile) =>
      SynchronizedRef.get(running).pipe(Effect.map((map) => Option.fromNullable(map.get(profile)?.login))),
    lastFailure: (profile) => Ref.get(failures).pipe(Effect.map((map) => Option.fromNullable(map.get(profile)))),
    cancel
  })
})

export const layer: Layer.Layer<Logins, never, Profiles> = Layer.scoped(Logins, make)
