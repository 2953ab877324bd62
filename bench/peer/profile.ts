// Profiles the client side of one end-to-end variant (not a suite: `npx tsx peer/profile.ts <variant> [n]` from
// bench/). Starts the emulator in its own process, warms up, then records a V8 CPU profile (node:inspector)
// over `n` sequential token requests only, and prints where the client's CPU went per request: self time by
// package, the top functions, and the inclusive time of the layers named in the issue. `--save FILE` keeps the
// .cpuprofile for Chrome DevTools / speedscope.
//
// Variants: sdk (getJWTToken), fetch (JwtOAuth, WebCrypto, FetchHttpClient), node (NodeJwtSigner, fetch),
// undici (NodeJwtSigner, NodeHttpClient.layerUndici), best (the same without Effect's HTTP tracing span), refresh (Credentials.refresh, fetch),
// refresh-undici (the same on undici), refresh-nodecoze (the same on NodeCoze.layerHttpClient, the MCP server's
// client), nodehttp (a bare node:http refresh POST).

import { writeFileSync } from "node:fs"
import * as http from "node:http"
import { Session } from "node:inspector/promises"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import * as EmulatorClient from "@coze-auth/emulator/EmulatorClient"
import * as NodeCoze from "@coze-auth/node/NodeCoze"
import * as NodeJwtSigner from "@coze-auth/node/NodeJwtSigner"
import { FetchHttpClient, type HttpClient } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer, ManagedRuntime, Option, Redacted } from "effect"
import { sdkJwtToken } from "../shared/cozeApi.js"
import { deviceLogin, memoryCredentials } from "../shared/device.js"
import * as Emulator from "../shared/emulator.js"
import { jwtApp } from "../shared/jwt.js"

const [variant = "fetch", count = "2000"] = process.argv.slice(2).filter((arg) => !arg.startsWith("--"))
const n = Number(count)
const saveAt = process.argv.indexOf("--save")

const runtime = ManagedRuntime.make(Emulator.layer())
const emulator = await runtime.runPromise(EmulatorClient.EmulatorClient)
const region = Region.custom({ apiBase: emulator.url })
const { app, pem } = await runtime.runPromise(jwtApp(emulator))
const httpLayer: Layer.Layer<HttpClient.HttpClient> =
  variant === "refresh-nodecoze"
    ? NodeCoze.layerHttpClient
    : variant.endsWith("undici") || variant === "best"
      ? NodeHttpClient.layerUndici
      : FetchHttpClient.layer
const client = ManagedRuntime.make(
  Layer.merge(httpLayer, variant === "fetch" ? Layer.empty : NodeJwtSigner.layer) as Layer.Layer<HttpClient.HttpClient>
)

const refresher = async () => {
  const { clientId, flow, token } = await client.runPromise(deviceLogin(emulator))
  return { clientId, credentials: await Effect.runPromise(memoryCredentials(flow, token)), token }
}

const one: () => Promise<unknown> = await (async () => {
  switch (variant) {
    case "sdk":
      return sdkJwtToken({
        apiBase: emulator.url,
        clientId: app.client_id,
        publicKeyId: app.public_key_id!,
        privateKeyPem: pem
      })
    case "refresh":
    case "refresh-undici":
    case "refresh-nodecoze": {
      const { credentials } = await refresher()
      return () => client.runPromise(credentials.refresh)
    }
    case "nodehttp": {
      const { clientId, token } = await refresher()
      let refreshToken = Redacted.value(Option.getOrThrow(token.refreshToken))
      const agent = new http.Agent({ keepAlive: true })
      return () =>
        new Promise<void>((resolve, reject) => {
          const request = http.request(
            `${emulator.url}/api/permission/oauth2/token`,
            { method: "POST", agent, headers: { "content-type": "application/json" } },
            (response) => {
              let text = ""
              response.setEncoding("utf8")
              response.on("data", (chunk) => {
                text += chunk
              })
              response.on("end", () => {
                refreshToken = JSON.parse(text).refresh_token
                resolve()
              })
            }
          )
          request.on("error", reject)
          request.end(JSON.stringify({ grant_type: "refresh_token", client_id: clientId, refresh_token: refreshToken }))
        })
    }
    default: {
      const jwt = await client.runPromise(
        JwtOAuth.make({
          clientId: app.client_id,
          privateKey: Redacted.make(pem),
          publicKeyId: app.public_key_id!,
          region
        })
      )
      return () => client.runPromise(jwt.token({ sessionName: "user-1" }))
    }
  }
})()

for (let i = 0; i < 300; i++) await one()
const session = new Session()
session.connect()
await session.post("Profiler.enable")
await session.post("Profiler.setSamplingInterval", { interval: 100 })
const cpu = process.cpuUsage()
const started = performance.now()
await session.post("Profiler.start")
for (let i = 0; i < n; i++) await one()
const { profile } = await session.post("Profiler.stop")
const wall = performance.now() - started
const used = process.cpuUsage(cpu)
session.disconnect()
if (saveAt > 0) writeFileSync(process.argv[saveAt + 1]!, JSON.stringify(profile))

// --- the summary --------------------------------------------------------------------------------------------------

interface Frame {
  readonly functionName: string
  readonly url: string
  readonly lineNumber: number
}
const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
const parent = new Map<number, number>()
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
const selfMicros = new Map<number, number>()
profile.samples!.forEach((id, i) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + profile.timeDeltas![i]!)
})

const root = new URL("../../", import.meta.url).href
const packageOf = ({ functionName, url }: Frame): string => {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)"
  const pnpm = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
  if (pnpm !== null) return pnpm[1]!
  if (url.startsWith(root)) return url.slice(root.length)
  if (url.startsWith("node:")) return url.replace(/^node:internal\/deps\/([^/]+).*/, "node:$1 (bundled)")
  return url
}
const frameName = (frame: Frame) => `${frame.functionName || "(anonymous)"} ${packageOf(frame)}:${frame.lineNumber + 1}`

const perRequest = (micros: number) => (micros / n).toFixed(1).padStart(8)
const sortDesc = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1])
const bySelf = new Map<string, number>()
const byFunction = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const frame = nodes.get(id)!.callFrame
  bySelf.set(packageOf(frame), (bySelf.get(packageOf(frame)) ?? 0) + micros)
  byFunction.set(frameName(frame), (byFunction.get(frameName(frame)) ?? 0) + micros)
}
// Inclusive time of the layers: every sample counts once for each layer on its stack.
const layers: Record<string, (frame: Frame) => boolean> = {
  "undici (fetch / NodeHttpClient undici)": (f) => /undici/.test(packageOf(f)),
  "node:http / net internals": (f) => /^node:(_http|net|internal\/(http|stream|streams))/.test(f.url),
  "@effect/platform HttpClient": (f) => /@effect\/platform\b/.test(packageOf(f)),
  "Dialect.send (request + body read + mapping)": (f) => /Dialect\.ts/.test(f.url) && f.functionName === "send",
  "Schema decode": (f) => /effect/.test(packageOf(f)) && /ParseResult|Schema/.test(f.url),
  logging: (f) => /effect/.test(packageOf(f)) && /logger|Logger/.test(f.url),
  "JWT signing (jose / crypto / NodeJwtSigner / jsonwebtoken)": (f) =>
    /jose|jsonwebtoken|jws|jwa|NodeJwtSigner/.test(packageOf(f)) || /^node:internal\/crypto/.test(f.url),
  axios: (f) => /axios|follow-redirects|form-data/.test(packageOf(f)),
  "garbage collection": (f) => f.functionName === "(garbage collector)"
}
// Effect's own self time by module (fiberRuntime, core, schedule, …): where the run loop's share goes.
const effectModules = new Map<string, number>()
for (const [id, micros] of selfMicros) {
  const { url } = nodes.get(id)!.callFrame
  const module = /node_modules\/effect\/dist\/esm\/(.+)\.js$/.exec(url)?.[1]
  if (module !== undefined) effectModules.set(module, (effectModules.get(module) ?? 0) + micros)
}
const inclusive = new Map<string, number>()
profile.samples!.forEach((id, i) => {
  const hit = new Set<string>()
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = nodes.get(at)!.callFrame
    for (const [layer, test] of Object.entries(layers)) if (test(frame)) hit.add(layer)
  }
  for (const layer of hit) inclusive.set(layer, (inclusive.get(layer) ?? 0) + profile.timeDeltas![i]!)
})
const idle = selfMicros.get(profile.nodes.find((node) => node.callFrame.functionName === "(idle)")?.id ?? -1) ?? 0
const sampled = profile.timeDeltas!.reduce((a, b) => a + b, 0)

console.log(
  `${variant}: ${n} requests, ${((n * 1000) / wall).toFixed(0)}/s; process CPU ${perRequest(used.user + used.system)} µs/request (all threads); main thread busy ${perRequest(sampled - idle)} µs/request`
)
console.log("self time by package, µs per request (main thread):")
for (const [name, micros] of sortDesc(bySelf).slice(0, 14)) console.log(`  ${perRequest(micros)}  ${name}`)
console.log("top functions by self time, µs per request:")
for (const [name, micros] of sortDesc(byFunction).slice(0, 16)) console.log(`  ${perRequest(micros)}  ${name}`)
console.log("effect's self time by module, µs per request:")
for (const [name, micros] of sortDesc(effectModules).slice(0, 10))
  console.log(`  ${perRequest(micros)}  effect/${name}`)
console.log("inclusive time of layers, µs per request (overlapping):")
for (const [name, micros] of sortDesc(inclusive)) console.log(`  ${perRequest(micros)}  ${name}`)
await Promise.all([runtime.dispose(), client.dispose()])
