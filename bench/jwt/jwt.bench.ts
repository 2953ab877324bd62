// Minting a service-app JWT through JwtOAuth's real signing path (key imported once, claims built, RS256
// signed with jose over WebCrypto) against signing the same claims with raw platform crypto in the same run.
//
// Baselines, each building the same claims (same keys, a fresh 32-byte jti) and signing with the same key:
// - node:crypto `createSign` (synchronous, on the main thread): the baseline, target ≥ 0.9×.
// - WebCrypto `crypto.subtle.sign` (asynchronous, on libuv's thread pool): the floor of any signer in a
//   core that may not import Node built-ins, so the cost of our own code (jose + claims + Effect) shows
//   on its own.
// - With several mints in flight (a server minting for many sessions at once): node:crypto's asynchronous
//   `crypto.sign(…, callback)` and WebCrypto, at the same concurrency.
//
// Shared machine (2 cores, other benches running): every round measures each variant for a short window,
// in a rotating order; each ratio is the median of the per-round ratios (variants measured side by side),
// and the ops/s shown are medians too.

import {
  createPrivateKey,
  createPublicKey,
  createSign,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify
} from "node:crypto"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import * as Region from "@coze-auth/core/Region"
import { Effect, Redacted } from "effect"

const rounds = Number(process.env.JWT_BENCH_ROUNDS ?? 15)
const windowMs = Number(process.env.JWT_BENCH_MS ?? 300)
const inFlight = Number(process.env.JWT_BENCH_IN_FLIGHT ?? 4)

const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 })
const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString()
const clientId = "1127900106117.app.coze"
const publicKeyId = "_v0VjcMlLdQc3tRTD3jC5Xz29TUnKQOhtuD5k-gpyf4"
const region = Region.cn

const signer = await Effect.runPromise(
  JwtOAuth.makeSigner({ clientId, privateKey: Redacted.make(pem), publicKeyId, region })
)
const viaJwtOAuth = signer({ sessionName: "user-1" })

// The raw baselines: the same claims, built plainly, then one signature call.
const key = createPrivateKey(pem)
const webKey = await crypto.subtle.importKey(
  "pkcs8",
  key.export({ type: "pkcs8", format: "der" }),
  { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  false,
  ["sign"]
)
const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url")
const header = encode({ alg: "RS256", typ: "JWT", kid: publicKeyId })
const audience = Region.jwtAudience(region)
const signingInput = () => {
  const iat = Math.floor(Date.now() / 1000)
  const payload = encode({
    session_name: "user-1",
    iss: clientId,
    aud: audience,
    iat,
    exp: iat + 600,
    jti: randomBytes(32).toString("base64url")
  })
  return `${header}.${payload}`
}
const viaCreateSign = async () => {
  const input = signingInput()
  return `${input}.${createSign("RSA-SHA256").update(input).sign(key, "base64url")}`
}
const viaSubtle = async () => {
  const input = signingInput()
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", webKey, Buffer.from(input))
  return `${input}.${Buffer.from(signature).toString("base64url")}`
}
const viaCryptoSignAsync = () =>
  new Promise<string>((resolve, reject) => {
    const input = signingInput()
    sign("sha256", Buffer.from(input), key, (error, signature) =>
      error ? reject(error) : resolve(`${input}.${signature.toString("base64url")}`)
    )
  })

// The same work on every side: a verifiable RS256 JWT with the same header and claim names.
const publicKey = createPublicKey(key)
const shape = (jwt: string) => {
  const [head, body, signature] = jwt.split(".") as [string, string, string]
  if (!verify("sha256", Buffer.from(`${head}.${body}`), publicKey, Buffer.from(signature, "base64url"))) {
    throw new Error("signature does not verify")
  }
  const claims = JSON.parse(Buffer.from(body, "base64url").toString())
  return `${Buffer.from(head, "base64url").toString()} ${Object.keys(claims).sort().join(",")} ${claims.jti.length}`
}
const expected = shape(Redacted.value(await Effect.runPromise(viaJwtOAuth)))
for (const run of [viaCreateSign, viaSubtle, viaCryptoSignAsync]) {
  if (shape(await run()) !== expected) throw new Error(`baselines differ: ${shape(await run())} vs ${expected}`)
}

interface Sample {
  /** Throughput: what the targets are about. */
  readonly opsPerSecond: number
  /** CPU time of the whole process (every thread) per op: steadier than throughput when the machine is busy. */
  readonly cpuMicrosPerOp: number
}

const sampleOf = (ops: number, start: number, cpu: NodeJS.CpuUsage): Sample => {
  const { user, system } = process.cpuUsage(cpu)
  return { opsPerSecond: (ops * 1000) / (performance.now() - start), cpuMicrosPerOp: (user + system) / ops }
}

/** `lanes` loops, each awaiting one op after another, over `windowMs`. */
const measure = async (run: () => Promise<unknown>, lanes = 1): Promise<Sample> => {
  let ops = 0
  const cpu = process.cpuUsage()
  const start = performance.now()
  const lane = async () => {
    while (performance.now() - start < windowMs) {
      await run()
      ops++
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane))
  return sampleOf(ops, start, cpu)
}

/** The same for an Effect, run in fibers as a program would (not one runtime start per op). */
const measureEffect = (effect: Effect.Effect<unknown>, lanes = 1): Promise<Sample> =>
  Effect.runPromise(
    Effect.gen(function* () {
      let ops = 0
      const cpu = process.cpuUsage()
      const start = performance.now()
      const lane = Effect.whileLoop({
        while: () => performance.now() - start < windowMs,
        body: () => effect,
        step: () => {
          ops++
        }
      })
      yield* Effect.all(
        Array.from({ length: lanes }, () => lane),
        { concurrency: "unbounded", discard: true }
      )
      return sampleOf(ops, start, cpu)
    })
  )

type Results = Record<string, Array<Sample>>

/** Rounds of every variant, in an order rotating each round; one sample per variant per round. */
const runRounds = async (variants: Record<string, () => Promise<Sample>>): Promise<Results> => {
  const names = Object.keys(variants)
  const results: Results = Object.fromEntries(names.map((name) => [name, []]))
  for (const name of names) await variants[name]!() // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length]!
      results[name]!.push(await variants[name]!())
    }
  }
  return results
}

const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const below = Math.floor(at)
  return sorted[below]! + (sorted[Math.ceil(at)]! - sorted[below]!) * (at - below)
}
const median = (values: ReadonlyArray<number>) => quantile(values, 0.5)

const report = (
  title: string,
  results: Results,
  labels: Record<string, string>,
  comparisons: ReadonlyArray<readonly [label: string, name: string, baseline: string, target?: number]>
) => {
  console.log(`\n${title}`)
  for (const [name, label] of Object.entries(labels)) {
    const ops = median(results[name]!.map((sample) => sample.opsPerSecond))
    const cpu = median(results[name]!.map((sample) => sample.cpuMicrosPerOp))
    console.log(`  ${label.padEnd(46)} ${ops.toFixed(0).padStart(6)} ops/s  ${cpu.toFixed(1).padStart(6)} µs CPU/op`)
  }
  for (const [label, name, baseline, target] of comparisons) {
    // Paired by round: each ratio compares two windows measured side by side.
    const ratios = results[name]!.map((sample, round) => sample.opsPerSecond / results[baseline]![round]!.opsPerSecond)
    const extraCpu = results[name]!.map(
      (sample, round) => sample.cpuMicrosPerOp - results[baseline]![round]!.cpuMicrosPerOp
    )
    const ratio = median(ratios)
    const range = `${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)}`
    const verdict = target === undefined ? "" : ` target ≥ ${target.toFixed(2)}× ${ratio >= target ? "ok" : "MISSED"}`
    const cpu = median(extraCpu)
    console.log(
      `  ${label.padEnd(46)} ${ratio.toFixed(3)}× (IQR ${range}, ${cpu >= 0 ? "+" : ""}${cpu.toFixed(1)} µs CPU/op)${verdict}`
    )
  }
}

console.log(`${rounds} rounds × ${windowMs} ms per variant; medians, ratios paired by round`)

const sequential = await runRounds({
  createSign: () => measure(viaCreateSign),
  subtle: () => measure(viaSubtle),
  jwtOAuth: () => measureEffect(viaJwtOAuth)
})
report(
  "sequential (one mint at a time)",
  sequential,
  {
    createSign: "node:crypto createSign RSA-SHA256 (sync)",
    subtle: "WebCrypto crypto.subtle.sign (async)",
    jwtOAuth: "JwtOAuth signer (jose, WebCrypto, Effect)"
  },
  [
    ["JwtOAuth / createSign (the issue's target)", "jwtOAuth", "createSign", 0.9],
    ["JwtOAuth / WebCrypto (our code's overhead)", "jwtOAuth", "subtle"],
    ["WebCrypto / createSign (the platform's floor)", "subtle", "createSign"]
  ]
)

const concurrent = await runRounds({
  cryptoSign: () => measure(viaCryptoSignAsync, inFlight),
  subtle: () => measure(viaSubtle, inFlight),
  jwtOAuth: () => measureEffect(viaJwtOAuth, inFlight)
})
report(
  `${inFlight} mints in flight`,
  concurrent,
  {
    cryptoSign: "node:crypto crypto.sign(…, callback) (async)",
    subtle: "WebCrypto crypto.subtle.sign (async)",
    jwtOAuth: "JwtOAuth signer (jose, WebCrypto, Effect)"
  },
  [
    ["JwtOAuth / crypto.sign async", "jwtOAuth", "cryptoSign", 0.9],
    ["JwtOAuth / WebCrypto (our code's overhead)", "jwtOAuth", "subtle"],
    ["WebCrypto / crypto.sign async", "subtle", "cryptoSign"]
  ]
)
