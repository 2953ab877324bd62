/**
 * `JwtOAuth`'s signer on node:crypto: the same JWTs as core's WebCrypto default (header, claims, RS256), minted
 * faster on Node. A signature wanted alone is made right away on the main thread, as `createSign` would (a
 * WebCrypto one always travels to libuv's thread pool and back); when several are wanted at once they go to the
 * thread pool, so they use every core. Requests are gathered for one microtask to tell the two apart; a fiber
 * whose last one was alone has its next one signed without suspending, while nothing else waits.
 *
 * @since 0.1.0
 */
import { createPrivateKey, type KeyObject, sign } from "node:crypto"
import * as JwtOAuth from "@coze-auth/core/JwtOAuth"
import { Effect, type FiberId, Layer } from "effect"

interface Job {
  readonly input: Buffer
  readonly signingInput: string
  readonly fiber: FiberId.FiberId
  readonly resume: (effect: Effect.Effect<string>) => void
}

const base64url = (text: string) => Buffer.from(text).toString("base64url")

const signer = (key: KeyObject, header: JwtOAuth.JwtHeader) => {
  const encodedHeader = base64url(JSON.stringify(header))
  let queued: Array<Job> = []
  let onThreadPool = 0
  // The fiber whose last JWT was wanted alone: while nothing else is waiting, its next one is signed on the
  // spot, without suspending it (a fiber minting one after another, as `createSign` in a loop would).
  let alone: FiberId.FiberId | undefined
  const signNow = (input: Buffer, signingInput: string) =>
    `${signingInput}.${sign("sha256", input, key).toString("base64url")}`
  const onMainThread = ({ input, resume, signingInput }: Job) => resume(Effect.sync(() => signNow(input, signingInput)))
  const offMainThread = ({ input, resume, signingInput }: Job) => {
    onThreadPool++
    sign("sha256", input, key, (error, signature) => {
      onThreadPool--
      // A key that imported signs; a failure here is a defect.
      resume(error === null ? Effect.succeed(`${signingInput}.${signature.toString("base64url")}`) : Effect.die(error))
    })
  }
  const flush = () => {
    const jobs = queued
    queued = []
    if (jobs.length === 1 && onThreadPool === 0) {
      alone = jobs[0]!.fiber
      onMainThread(jobs[0]!)
    } else {
      alone = undefined
      for (const job of jobs) offMainThread(job)
    }
  }
  return (payload: string): Effect.Effect<string> =>
    Effect.withFiberRuntime<string>((fiber) => {
      const signingInput = `${encodedHeader}.${base64url(payload)}`
      const id = fiber.id()
      if (id === alone && queued.length === 0 && onThreadPool === 0) {
        return Effect.sync(() => signNow(Buffer.from(signingInput), signingInput))
      }
      return Effect.async<string>((resume) => {
        const job = { input: Buffer.from(signingInput), signingInput, fiber: id, resume }
        // Others already on the thread pool: this one is not alone either, no need to wait and see.
        if (onThreadPool > 0) return offMainThread(job)
        queued.push(job)
        if (queued.length === 1) queueMicrotask(flush)
      })
    })
}

/**
 * @since 0.1.0
 * @category Signers
 */
export const nodeSigner: JwtOAuth.JwtSignerService = {
  importKey: (pkcs8, header) =>
    Effect.try(() => {
      const key = createPrivateKey({ key: Buffer.from(pkcs8), format: "der", type: "pkcs8" })
      if (key.asymmetricKeyType !== "rsa") throw new Error("not an RSA key")
      return signer(key, header)
    })
}

/**
 * Provides `nodeSigner` to `JwtOAuth` (`make`, `layer`, `layerConfig`, `makeSigner`).
 *
 * @since 0.1.0
 * @category Layers
 */
export const layer: Layer.Layer<JwtOAuth.JwtSigner> = Layer.succeed(JwtOAuth.JwtSigner, nodeSigner)
