/**
 * A few Coze OpenAPI endpoints in Coze's response shapes, behind the token check of `/v1/users/me`, so API
 * clients have something real to read, write and stream against: the user's workspaces and a workspace's
 * bots (both paged), conversation create (echoes `meta_data`), and chat (`POST /v3/chat`, SSE with
 * `stream: true`). Business errors come as HTTP 200 with `code != 0`, as Coze sends many of them.
 */
import * as Sse from "@effect/experimental/Sse"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Effect, Either, Schema, Stream } from "effect"
import { decodeJsonBody, json, RequestContext } from "./http.js"
import { now, randomDigits } from "./state.js"
import { emulatorUser, requireToken } from "./tokens.js"

/** Coze's "something is wrong with a parameter" and "no such resource" business codes. */
const invalidParameter = 4000
const notFound = 4200

const ok = (data: unknown) => json({ code: 0, msg: "", data })

const businessError = (code: number, msg: string) =>
  Effect.map(RequestContext, ({ logId }) => json({ code, msg, detail: { logid: logId } }))

const icon = (name: string) => `https://example.invalid/icons/${name}.png`

export const workspaces = [
  { id: "7400000000000000101", name: "Personal", role_type: "owner", workspace_type: "personal" },
  { id: "7400000000000000102", name: "Team Alpha", role_type: "admin", workspace_type: "team" },
  { id: "7400000000000000103", name: "Team Beta", role_type: "member", workspace_type: "team" }
].map((workspace) => ({ ...workspace, icon_url: icon(workspace.id) }))

/** The bot that echoes the last user message, and one whose streamed answer never ends (for stream bounds). */
export const echoBotId = "7400000000000000201"
export const endlessBotId = "7400000000000000202"

const bot = (id: string, name: string, description: string) => ({
  id,
  name,
  description,
  icon_url: icon(id),
  is_published: true,
  updated_at: 1_735_689_600,
  published_at: 1_735_689_600,
  owner_user_id: emulatorUser.user_id
})

const botsByWorkspace: Record<string, ReadonlyArray<ReturnType<typeof bot>>> = {
  [workspaces[0]!.id]: [
    bot(echoBotId, "Echo Bot", "Answers with what you said"),
    bot(endlessBotId, "Endless Bot", "Streams an answer that never ends")
  ],
  // Enough to need more than one page.
  [workspaces[1]!.id]: Array.from({ length: 25 }, (_, i) =>
    bot(`74000000000000003${String(i + 1).padStart(2, "0")}`, `Alpha Helper ${i + 1}`, `Team Alpha's helper #${i + 1}`)
  ),
  [workspaces[2]!.id]: []
}

const allBots = Object.values(botsByWorkspace).flat()

const query = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) => new URL(request.url, "http://emulator").searchParams
)

/** A positive integer query parameter within `max`, or its default. */
const intParam = (params: URLSearchParams, name: string, fallback: number, max: number) => {
  const raw = params.get(name)
  if (raw === null) return Either.right(fallback)
  const value = Number(raw)
  return Number.isInteger(value) && value >= 1 && value <= max
    ? Either.right(value)
    : Either.left(`invalid parameter ${name}: expected an integer from 1 to ${max}`)
}

/** One page of `items` for 1-based `page` of `size`. */
const pageOf = <A>(items: ReadonlyArray<A>, page: number, size: number) => items.slice((page - 1) * size, page * size)

/** `GET /v1/workspaces?page_num&page_size` (default 1 and 10, at most 50). */
const listWorkspaces = Effect.gen(function* () {
  yield* requireToken
  const params = yield* query
  const paging = Either.all([intParam(params, "page_num", 1, 10_000), intParam(params, "page_size", 10, 50)] as const)
  if (Either.isLeft(paging)) return yield* businessError(invalidParameter, paging.left)
  const [page, size] = paging.right
  return ok({ workspaces: pageOf(workspaces, page, size), total_count: workspaces.length })
})

/** `GET /v1/bots?workspace_id&page_index&page_size` (default 1 and 20, at most 100). */
const listBots = Effect.gen(function* () {
  yield* requireToken
  const params = yield* query
  const workspaceId = params.get("workspace_id")
  if (workspaceId === null || workspaceId === "") {
    return yield* businessError(invalidParameter, "invalid parameter workspace_id: required")
  }
  const bots = botsByWorkspace[workspaceId]
  if (bots === undefined) return yield* businessError(notFound, `workspace ${workspaceId} not found`)
  const paging = Either.all([
    intParam(params, "page_index", 1, 10_000),
    intParam(params, "page_size", 20, 100)
  ] as const)
  if (Either.isLeft(paging)) return yield* businessError(invalidParameter, paging.left)
  const [page, size] = paging.right
  return ok({ items: pageOf(bots, page, size), total: bots.length })
})

const seconds = Effect.map(now, (millis) => Math.floor(millis / 1000))

const newId = randomDigits(19)

const CreateConversation = Schema.Struct({
  bot_id: Schema.optional(Schema.String),
  meta_data: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  messages: Schema.optional(Schema.Array(Schema.Unknown))
})

/** A body that does not decode is Coze's `4000`, not an OAuth error. */
const decodeBody = <A, I>(schema: Schema.Schema<A, I>) =>
  decodeJsonBody(schema).pipe(
    Effect.map(Either.right),
    Effect.catchTag("OAuthError", (error) => Effect.succeed(Either.left(error.message)))
  )

/** `POST /v1/conversation/create`: a new conversation, echoing `meta_data`. */
const createConversation = Effect.gen(function* () {
  yield* requireToken
  const body = yield* decodeBody(CreateConversation)
  if (Either.isLeft(body)) return yield* businessError(invalidParameter, body.left)
  const id = yield* newId
  return ok({ id, created_at: yield* seconds, meta_data: body.right.meta_data ?? {}, last_section_id: id })
})

const Chat = Schema.Struct({
  bot_id: Schema.String,
  user_id: Schema.String,
  stream: Schema.optional(Schema.Boolean),
  additional_messages: Schema.optional(
    Schema.Array(
      Schema.Struct({ role: Schema.String, content: Schema.String }, { key: Schema.String, value: Schema.Unknown })
    )
  )
})

const encoder = new TextEncoder()

const sse = (event: string, data: unknown) =>
  encoder.encode(
    Sse.encoder.write({
      _tag: "Event",
      event,
      id: undefined,
      data: typeof data === "string" ? data : JSON.stringify(data)
    })
  )

/**
 * `POST /v3/chat`: the echo bot answers "You said: …", the endless bot talks forever. Without `stream` the
 * chat object comes back at once, completed; with `stream: true` the answer is Coze's SSE event sequence.
 */
const chat = Effect.gen(function* () {
  yield* requireToken
  const body = yield* decodeBody(Chat)
  if (Either.isLeft(body)) return yield* businessError(invalidParameter, body.left)
  const { additional_messages = [], bot_id, stream } = body.right
  if (!allBots.some((known) => known.id === bot_id)) return yield* businessError(notFound, `bot ${bot_id} not found`)
  const params = yield* query
  const conversation_id = params.get("conversation_id") ?? (yield* newId)
  const id = yield* newId
  const created_at = yield* seconds
  const chatObject = (status: string) => ({ id, conversation_id, bot_id, created_at, status })
  const lastUserText = additional_messages.filter((message) => message.role === "user").at(-1)?.content
  const answer = `You said: ${lastUserText ?? "nothing"}`
  const usage = { token_count: answer.length, output_count: answer.length, input_count: lastUserText?.length ?? 0 }
  if (stream !== true) return ok({ ...chatObject("completed"), completed_at: created_at, usage })
  const message = (content: string) => ({
    id: `${id}1`,
    conversation_id,
    bot_id,
    chat_id: id,
    role: "assistant",
    type: "answer",
    content,
    content_type: "text"
  })
  const start = Stream.make(
    sse("conversation.chat.created", chatObject("created")),
    sse("conversation.chat.in_progress", chatObject("in_progress"))
  )
  const words = answer.split(/(?<= )/)
  const events =
    bot_id === endlessBotId
      ? Stream.concat(start, Stream.repeatValue(sse("conversation.message.delta", message("and so on "))))
      : Stream.concat(
          start,
          Stream.make(
            ...words.map((word) => sse("conversation.message.delta", message(word))),
            sse("conversation.message.completed", message(answer)),
            sse("conversation.chat.completed", { ...chatObject("completed"), completed_at: created_at, usage }),
            sse("done", "[DONE]")
          )
        )
  return HttpServerResponse.stream(events, {
    contentType: "text/event-stream",
    headers: { "cache-control": "no-cache" }
  })
})

export const openApiRoutes = HttpRouter.empty.pipe(
  HttpRouter.get("/v1/workspaces", listWorkspaces),
  HttpRouter.get("/v1/bots", listBots),
  HttpRouter.post("/v1/conversation/create", createConversation),
  HttpRouter.post("/v3/chat", chat)
)
