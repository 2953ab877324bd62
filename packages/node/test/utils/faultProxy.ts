import * as http from "node:http"
import type { AddressInfo, Socket } from "node:net"
import * as EmulatorProcess from "@coze-auth/emulator/EmulatorProcess"

/** Every way the fault proxy can misbehave. */
export const faults = [
  "hang",
  "reset",
  "close mid-body",
  "drip headers",
  "drip body",
  "5xx",
  "429",
  "429 with Retry-After",
  "HTML",
  "truncated JSON",
  "wrong types",
  "307 to another origin"
] as const

export type Fault = (typeof faults)[number]

/** Faults after which the server is known not to have processed the request (nothing was forwarded). */
export const stalls: ReadonlySet<Fault> = new Set(["hang", "drip headers", "drip body"])

export interface FaultProxy {
  readonly url: string
  /** Misbehave with `fault` on requests whose path matches, forward the rest; `undefined`: healthy. */
  readonly set: (fault: Fault | undefined, match?: (path: string) => boolean) => void
  /** Holds every answer of a matching request, forwarded, for `millis` before sending it whole. */
  readonly delay: (millis: number, match: (path: string) => boolean) => void
  /** Requests answered with a fault so far. */
  readonly faulted: () => number
  /** Whether a forwarded request is on its way (the test's clock should wait for it). */
  readonly busy: () => boolean
  /** Requests that reached the other origin a 307 points to (must stay 0: no secret follows a redirect). */
  readonly stolen: () => number
  readonly close: () => Promise<void>
}

const listen = (server: http.Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  )

const hopByHop = new Set(["host", "connection", "keep-alive", "content-length", "transfer-encoding"])

const readBody = (req: http.IncomingMessage) =>
  new Promise<Buffer>((resolve) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", () => resolve(Buffer.concat(chunks)))
  })

/** A loopback proxy in front of `upstream` that misbehaves on demand, and a second origin to redirect to. */
export const startFaultProxy = async (upstream: string): Promise<FaultProxy> => {
  let fault: Fault | undefined
  let match: (path: string) => boolean = () => true
  let delay: { millis: number; match: (path: string) => boolean } | undefined
  let faulted = 0
  let forwarding = 0
  let stolen = 0
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  const every = (millis: number, tick: () => boolean) => {
    const timer = setInterval(() => {
      if (!tick()) {
        clearInterval(timer)
        timers.delete(timer)
      }
    }, millis)
    timers.add(timer)
  }

  const thief = http.createServer((_req, res) => {
    stolen++
    res.end("stolen")
  })
  const thiefUrl = await listen(thief)

  const misbehave = (which: Fault, req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", "x-tt-logid": "fault-log", ...headers })
      res.end(JSON.stringify(body))
    }
    switch (which) {
      case "hang":
        return
      case "reset":
        return socket.destroy()
      case "close mid-body":
        res.writeHead(200, { "content-type": "application/json", "content-length": "400" })
        res.write('{"access_token":"at-half","expires_in":')
        return setTimeout(() => socket.destroy(), 5)
      case "drip headers": {
        const head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-padding: "
        let i = 0
        return every(20, () => {
          if (socket.destroyed) return false
          socket.write(i < head.length ? head[i] : "a")
          i++
          return true
        })
      }
      case "drip body":
        res.writeHead(200, { "content-type": "application/json" })
        res.write('{"padding":"')
        return every(20, () => !socket.destroyed && res.write("a"))
      case "5xx":
        return json(503, { code: 5000, msg: "service unavailable" })
      case "429":
        return json(429, { code: 4013, msg: "too many requests" })
      case "429 with Retry-After":
        return json(429, { code: 4013, msg: "too many requests" }, { "retry-after": "3" })
      case "HTML":
        res.writeHead(200, { "content-type": "text/html" })
        return res.end("<html><body>Sign in to the Wi-Fi</body></html>")
      case "truncated JSON": {
        const text = '{"access_token":"at-cut","expires_in":17'
        res.writeHead(200, { "content-type": "application/json", "content-length": String(text.length) })
        return res.end(text)
      }
      case "wrong types":
        return json(200, { access_token: 42, expires_in: "later", code: "zero", data: [] })
      case "307 to another origin":
        res.writeHead(307, { location: `${thiefUrl}/steal${req.url}` })
        return res.end()
    }
  }

  // Through node:http, which (unlike fetch) sends the client's own Host: the emulator checks a JWT's `aud`
  // against the host the client called.
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => {
    forwarding++
    try {
      const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
        (resolve, reject) => {
          const out = http.request(
            `${upstream}${req.url}`,
            { method: req.method ?? "GET", headers: { ...req.headers, "content-length": String(body.length) } },
            (upstreamRes) =>
              readBody(upstreamRes).then((text) =>
                resolve({ status: upstreamRes.statusCode ?? 502, headers: upstreamRes.headers, body: text })
              )
          )
          out.on("error", reject)
          out.end(body)
        }
      )
      const wait = delay?.match(req.url ?? "") ? delay.millis : 0
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      const headers = Object.fromEntries(
        Object.entries(answer.headers).filter(
          (entry): entry is [string, string] => typeof entry[1] === "string" && !hopByHop.has(entry[0])
        )
      )
      res.writeHead(answer.status, { ...headers, "content-length": String(answer.body.length) })
      res.end(answer.body)
    } catch {
      res.destroy()
    } finally {
      forwarding--
    }
  }

  const server = http.createServer(async (req, res) => {
    const body = await readBody(req)
    const which = fault
    if (which !== undefined && match(req.url ?? "")) {
      faulted++
      return misbehave(which, req, res)
    }
    return forward(req, res, body)
  })
  server.on("connection", (socket) => {
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
  })
  const url = await listen(server)

  return {
    url,
    set: (next, nextMatch = () => true) => {
      fault = next
      match = nextMatch
    },
    delay: (millis, delayMatch) => {
      delay = { millis, match: delayMatch }
    },
    faulted: () => faulted,
    busy: () => forwarding > 0,
    stolen: () => stolen,
    close: async () => {
      for (const timer of timers) clearInterval(timer)
      for (const socket of sockets) socket.destroy()
      await Promise.all([
        new Promise((resolve) => server.close(resolve)),
        new Promise((resolve) => thief.close(resolve))
      ])
    }
  }
}

/** The emulator as its own process on a free port, from source (this package's tests run before any build). */
export const startEmulator = (args: ReadonlyArray<string> = []) =>
  EmulatorProcess.start(args, EmulatorProcess.fromSource)
