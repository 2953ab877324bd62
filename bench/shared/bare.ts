// The floors: a JSON POST made by hand, with node:http (a keep-alive agent) and with fetch, answering the body text.
import * as http from "node:http"

const headers = { "content-type": "application/json", accept: "application/json" }

/** `post(url)(body)` over node:http; `close` ends the agent's sockets. */
export const nodeHttpPost = (url: string) => {
  const agent = new http.Agent({ keepAlive: true })
  const post = (body: string) =>
    new Promise<string>((resolve, reject) => {
      const request = http.request(url, { method: "POST", agent, headers }, (response) => {
        let text = ""
        response.setEncoding("utf8")
        response.on("data", (chunk) => {
          text += chunk
        })
        response.on("end", () => resolve(text))
        response.on("error", reject)
      })
      request.on("error", reject)
      request.end(body)
    })
  return { post, close: () => agent.destroy() }
}

export const fetchPost = (url: string) => (body: string) =>
  fetch(url, { method: "POST", headers, body }).then((response) => response.text())
