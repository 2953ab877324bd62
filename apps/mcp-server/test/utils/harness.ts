/**
 * An in-process server over `InMemoryTransport` against a real emulator on loopback, the server running on the
 * emulator's clock (as the sandbox does): the control API moves both forward, expiry without sleeping.
 */

import { generateKeyPairSync } from "node:crypto"
import * as Region from "@coze-auth/core/Region"
import * as TokenStore from "@coze-auth/core/TokenStore"
import * as DemoApps from "@coze-auth/emulator/DemoApps"
import * as Emulator from "@coze-auth/emulator/Emulator"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as ProfileSpec from "@coze-auth/profiles/ProfileSpec"
import * as Profiles from "@coze-auth/profiles/Profiles"
import * as Store from "@coze-auth/profiles/Store"
import { FetchHttpClient } from "@effect/platform"
import { afterEach } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js"
import type { CallToolResult, ClientCapabilities } from "@modelcontextprotocol/sdk/types.js"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import * as AppLayer from "../../src/AppLayer.js"
import * as Runtime from "../../src/Runtime.js"
import { makeServer } from "../../src/Server.js"
import * as Settings from "../../src/Settings.js"

export interface Harness {
  readonly client: Client
  readonly url: string
  readonly apps: DemoApps.DemoApps
  /** Runs an effect against the emulator's control API. */
  readonly emulator: <A>(f: (emulator: EmulatorClient.Service) => Effect.Effect<A>) => Promise<A>
  /** Moves the emulator's clock, and with it the server's. */
  readonly advance: (seconds: number) => Promise<void>
  readonly call: (name: string, args?: Record<string, unknown>) => Promise<CallToolResult>
  /** Every access and refresh token the server holds right now, for leak checks. */
  readonly storedSecrets: () => Promise<ReadonlyArray<string>>
  readonly close: () => Promise<void>
}

export const makeHarness = async (
  options: {
    readonly tokenTool?: boolean
    readonly capabilities?: ClientCapabilities
    readonly deviceCodeTtl?: number
    readonly readOnly?: boolean
    readonly maxResultBytes?: number
    /** Wraps the in-memory store, to provoke what a real disk seldom does. */
    readonly store?: (store: TokenStore.Service) => TokenStore.Service
  } = {}
): Promise<Harness> => {
  const emulatorRuntime = ManagedRuntime.make(
    EmulatorClient.layer.pipe(
      Layer.provideMerge(Emulator.layer({ port: 0, interval: 1, deviceCodeTtl: options.deviceCodeTtl ?? 300 })),
      Layer.provideMerge(FetchHttpClient.layer)
    )
  )
  const emulator = <A>(f: (emulator: EmulatorClient.Service) => Effect.Effect<A>) =>
    emulatorRuntime.runPromise(Effect.flatMap(EmulatorClient.EmulatorClient, f))
  const apps = await emulatorRuntime.runPromise(DemoApps.seed)
  const { clock } = await emulatorRuntime.runPromise(Emulator.Emulator)
  const url = apps.device.coze_api_base
  const region = Region.custom({ apiBase: url, wwwBase: url })
  // A key the emulator never saw: what a JWT profile pointed at the wrong region looks like.
  const strangerKey = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" }
  }).privateKey
  const base = { region, origin: "sandbox", sources: {} } as const
  const specs: ReadonlyArray<ProfileSpec.ProfileSpec> = [
    { ...base, name: "default", app: { flow: "device", clientId: apps.device.client_id } },
    { ...base, name: "pkce", app: { flow: "pkce", clientId: apps.pkce.client_id, redirectUri: Option.none() } },
    {
      ...base,
      name: "jwt",
      app: {
        flow: "jwt",
        clientId: apps.jwt.client_id,
        privateKey: Redacted.make(apps.jwt.private_key!),
        publicKeyId: apps.jwt.public_key_id!
      }
    },
    {
      ...base,
      name: "other-region",
      app: {
        flow: "jwt",
        clientId: apps.jwt.client_id,
        privateKey: Redacted.make(strangerKey),
        publicKeyId: "unregistered"
      }
    },
    { ...base, name: "pat", app: { flow: "token", token: Option.some(Redacted.make("pat_not_a_real_token")) } }
  ]
  const memory = await Effect.runPromise(TokenStore.makeMemory)
  const store = options.store?.(memory) ?? memory
  const runtime = Runtime.make(
    AppLayer.make({
      profiles: Profiles.layer(Effect.succeed(ProfileSpec.fromSpecs(specs)), { store: Store.StoreChoice.Memory() }),
      store: Layer.succeed(TokenStore.TokenStore, store),
      settings: {
        ...Settings.fallback("/nonexistent"),
        tokenTool: options.tokenTool ?? true,
        readOnly: options.readOnly ?? false,
        api: {
          ...Settings.defaultApiLimits,
          maxResultBytes: options.maxResultBytes ?? Settings.defaultApiLimits.maxResultBytes
        }
      }
    }).pipe(Layer.provide(Layer.setClock(clock)))
  )
  const server = makeServer(runtime, { tokenTool: options.tokenTool ?? true, readOnly: options.readOnly ?? false })
  const client = new Client({ name: "test", version: "1.0.0" }, { capabilities: options.capabilities ?? {} })
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair()
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)])

  return {
    client,
    url,
    apps,
    emulator,
    advance: (seconds) => emulator((e) => Effect.asVoid(e.advanceClock(seconds))),
    call: (name, args = {}) => client.callTool({ name, arguments: args }) as Promise<CallToolResult>,
    storedSecrets: () =>
      Effect.runPromise(
        Effect.forEach(specs, (spec) => store.get(spec.name)).pipe(
          Effect.map((tokens) =>
            tokens
              .flatMap(Option.toArray)
              .flatMap((token) => [
                Redacted.value(token.accessToken),
                ...Option.toArray(token.refreshToken).map(Redacted.value)
              ])
          ),
          Effect.orDie
        )
      ),
    close: async () => {
      await client.close()
      await runtime.dispose()
      await emulatorRuntime.dispose()
    }
  }
}

/** `open()` makes a harness for the test at hand; it is closed after the test. */
export const perTest = () => {
  let current: Harness | undefined
  afterEach(async () => {
    await current?.close()
    current = undefined
  })
  return async (options?: Parameters<typeof makeHarness>[0]) => {
    current = await makeHarness(options)
    return current
  }
}

/** The text of a tool result (its one content block). */
export const textOf = (result: CallToolResult): string =>
  result.content.map((block) => (block.type === "text" ? block.text : "")).join("")

/** `structuredContent`, typed loosely for assertions. */
export const structured = (result: CallToolResult): Record<string, unknown> => {
  if (result.isError === true) throw new Error(`tool failed: ${textOf(result)}`)
  return result.structuredContent ?? {}
}

/** Calls `GET /v1/users/me` with a token; the status says whether the emulator accepts it. */
export const usersMe = (url: string, accessToken: string) =>
  fetch(`${url}/v1/users/me`, { headers: { authorization: `Bearer ${accessToken}` } }).then((r) => r.status)
