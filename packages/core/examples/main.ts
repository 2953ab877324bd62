// What makes an example runnable by a reader (`npx tsx packages/core/examples/device.ts`): run as the script,
// it does its work and prints the outcome, or the one-line error naming the setting to fix; imported (as
// test/Examples.test.ts does), it runs nothing.
import * as readline from "node:readline/promises"
import { pathToFileURL } from "node:url"
import { Console, DateTime, Effect, Option } from "effect"
import type { Token } from "../src/Token.js"

const isMain = (meta: ImportMeta) => meta.url === pathToFileURL(process.argv[1] ?? "").href

/** How long the token stays valid, without the token itself. */
export const describe = (token: Token) =>
  `a ${token.flow} credential, ${Option.match(token.expiresAt, {
    onNone: () => "without expiry",
    onSome: (at) => `valid until ${DateTime.formatIso(at)}`
  })}${token.refreshable ? ", refreshable" : ""}`

/** The `consent` of the web and PKCE examples, for a person: open the URL, paste where the browser landed. */
export const pasteRedirect = (authorizationUrl: string) =>
  Effect.promise(async () => {
    const prompt = readline.createInterface({ input: process.stdin, output: process.stdout })
    const answer = await prompt.question(
      `Open ${authorizationUrl}\nand approve, then paste the URL your browser was sent to: `
    )
    prompt.close()
    return answer.trim()
  })

/** Runs `program` when its module is the script node started. */
export const runWhenMain = <E extends { readonly message: string }>(
  meta: ImportMeta,
  program: Effect.Effect<Token, E>
) => {
  if (!isMain(meta)) return
  program.pipe(
    Effect.flatMap((token) => Console.log(describe(token))),
    Effect.catchAll((error) =>
      Console.error(`coze-auth: ${error.message}`).pipe(
        Effect.zipRight(
          Effect.sync(() => {
            process.exitCode = 1
          })
        )
      )
    ),
    Effect.runPromise
  )
}
