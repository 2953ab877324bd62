/**
 * The browser pages: plain, accessible HTML forms that work without JavaScript.
 */
import { HttpServerResponse } from "@effect/platform"

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

const page = (title: string, body: string, status = 200) =>
  HttpServerResponse.text(
    `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Coze emulator</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 3rem auto; padding: 0 1rem; color: #1d1d1f; }
button { font: inherit; padding: .5rem 1.25rem; margin-right: .5rem; border-radius: .375rem; border: 1px solid #888; }
#approve { background: #1d4ed8; color: #fff; border-color: #1d4ed8; }
input { font: inherit; padding: .4rem; letter-spacing: .1em; text-transform: uppercase; }
.note { color: #555; font-size: .875rem; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
<p class="note">Coze OAuth emulator — a local stand-in for coze.com / coze.cn. No real account is involved.</p>
</body>
</html>
`,
    { status, contentType: "text/html; charset=utf-8" }
  )

/** What an OBO (on-behalf-of) grant lets the app do, listed on both pages. */
const grantList = (workspaceId: string | undefined) => `<ul>
<li>Call the Coze OpenAPI on your behalf</li>
<li>Read your profile: user id, name and avatar</li>
${workspaceId === undefined ? "" : `<li>Act in workspace <code>${escapeHtml(workspaceId)}</code></li>`}
</ul>`

const decisionButtons = `<button type="submit" id="approve" name="decision" value="approve">Approve</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>`

export const errorPage = (message: string, status = 400) =>
  page("Request not valid", `<p role="alert">${escapeHtml(message)}</p>`, status)

export const consentPage = (input: {
  readonly authorizeKey: string
  readonly appName: string
  readonly redirectUri: string
  readonly workspaceId: string | undefined
}) =>
  page(
    `Authorize ${input.appName}`,
    `<p><strong>${escapeHtml(input.appName)}</strong> wants to access your Coze account. It will be able to:</p>
${grantList(input.workspaceId)}
<p class="note">Your answer is sent to <code>${escapeHtml(input.redirectUri)}</code>.</p>
<form method="post" action="/oauth/consent">
<input type="hidden" name="authorize_key" value="${escapeHtml(input.authorizeKey)}">
${decisionButtons}
</form>`
  )

export const devicePage = (input: {
  readonly userCode: string
  readonly request: { readonly appName: string; readonly workspaceId: string | undefined } | undefined
  readonly problem?: string
}) =>
  page(
    input.request ? `Connect ${input.request.appName}` : "Connect a device",
    `${input.problem === undefined ? "" : `<p role="alert">${escapeHtml(input.problem)}</p>`}
${
  input.request
    ? `<p><strong>${escapeHtml(input.request.appName)}</strong> wants to access your Coze account. It will be able to:</p>
${grantList(input.request.workspaceId)}`
    : "<p>Enter the code shown on your device to let the app access your Coze account.</p>"
}
<form method="post" action="/oauth/device">
<p><label for="user_code">Code</label>
<input id="user_code" name="user_code" value="${escapeHtml(input.userCode)}" autocomplete="off" required
 placeholder="ABCD-EFGH" autofocus></p>
${decisionButtons}
</form>`,
    input.problem === undefined ? 200 : 400
  )

export const deviceResultPage = (appName: string, approved: boolean) =>
  approved
    ? page(
        "Device connected",
        `<p id="result">You approved <strong>${escapeHtml(appName)}</strong>. You can close this window and return to your device.</p>`
      )
    : page(
        "Access denied",
        `<p id="result">You denied <strong>${escapeHtml(appName)}</strong>. The device will not get access.</p>`
      )
