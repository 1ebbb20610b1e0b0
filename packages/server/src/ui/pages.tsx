/** @jsxImportSource hono/jsx */
// The pragma, not only tsconfig: Bun picks the JSX runtime from the tsconfig of the directory it
// was started in, and `tandem serve` starts in the project being served.
import type { FC, PropsWithChildren } from "hono/jsx"
import { raw } from "hono/html"
import type { SessionInfo } from "@tandem/core/session/session-info"

const COLUMNS = ["Task", "Agent", "Model", "State", "Elapsed", "Steps", "Tokens", "Cost", "Tool", "Actions"]
const NUMERIC = new Set(["Elapsed", "Steps", "Tokens", "Cost"])
const columnClass = (name: string) => `col-${name.toLowerCase()}`

const integer = new Intl.NumberFormat("en-US")

/** A time as `YYYY-MM-DD HH:MM:SS UTC`: readable, and the same wherever the server runs. */
const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")} UTC`

const Layout: FC<PropsWithChildren<{ title: string }>> = ({ title, children }) => (
  <>
    {raw("<!doctype html>")}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="icon" type="image/svg+xml" href="/ui/assets/favicon.svg" />
        <link rel="stylesheet" href="/ui/assets/monitor.css" />
      </head>
      <body>{children}</body>
    </html>
  </>
)

const Brand = () => (
  <a class="brand" href="/ui">
    Tandem
  </a>
)

/** `/ui`: the project's recent root sessions, each linking to its monitor. */
export const SessionListPage = ({ sessions, directory }: { sessions: SessionInfo[]; directory: string }) => (
  <Layout title="Sessions · Tandem monitor">
    <header class="bar">
      <Brand />
      <h1>Sessions</h1>
      <code class="muted">{directory}</code>
    </header>
    <main class="page">
      <section class="panel">
        <h2>Recent root sessions</h2>
        {sessions.length === 0 ? (
          <p class="muted">No sessions yet. Start one with `tandem run` or any opencode client.</p>
        ) : (
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Session</th>
                <th scope="col">Updated</th>
                <th scope="col" class="num">
                  Tokens
                </th>
                <th scope="col" class="num">
                  Cost
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr>
                  <td>
                    <a href={`/ui/session/${session.id}`}>{session.title || session.id}</a>
                  </td>
                  <td>
                    <code>{session.id}</code>
                  </td>
                  <td>
                    <time datetime={new Date(session.time.updated).toISOString()}>{stamp(session.time.updated)}</time>
                  </td>
                  <td class="num">{integer.format(session.tokens.input + session.tokens.output)}</td>
                  <td class="num">${session.cost.toFixed(4)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  </Layout>
)

/** `/ui/session/:id`: the frame the monitor's script fills and keeps live. */
export const MonitorPage = ({ session }: { session: SessionInfo }) => (
  <Layout title={`${session.title} · Tandem monitor`}>
    <header class="bar">
      <Brand />
      <h1 id="session-title">{session.title}</h1>
      <code class="muted">{session.id}</code>
      {session.parentID ? (
        <a class="up" href={`/ui/session/${session.parentID}`}>
          parent session
        </a>
      ) : null}
      <span class="spacer" />
      <span id="session-status" class="status" data-state="idle">
        idle
      </span>
      <span id="live" class="live" data-state="connecting">
        connecting…
      </span>
    </header>
    <main id="monitor" class="page" data-session={session.id} data-live="false">
      <div class="panels">
        <section id="usage" class="panel usage">
          <h2>Usage of the whole tree</h2>
        </section>
        <section class="panel permissions">
          <h2>Permission requests</h2>
          <ul id="permission-list"></ul>
          <p class="none muted">None pending.</p>
        </section>
      </div>
      <section class="panel">
        <h2>Timeline</h2>
        <svg
          id="timeline"
          role="img"
          aria-label="Timeline: loading"
          width="100%"
          height="10"
          preserveAspectRatio="none"
        />
        <div class="axis">
          <span id="timeline-start" />
          <span id="timeline-end" />
        </div>
        <div id="legend" class="legend" />
      </section>
      <section class="panel">
        <h2>Tasks</h2>
        <div class="scroll">
          <table class="grid tasks">
            <colgroup>
              {COLUMNS.map((name) => (
                <col class={columnClass(name)} />
              ))}
            </colgroup>
            <thead>
              <tr>
                {COLUMNS.map((name) => (
                  <th scope="col" class={NUMERIC.has(name) ? "num" : undefined}>
                    {name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody id="tasks"></tbody>
          </table>
        </div>
        <p id="no-tasks" class="muted">
          No background tasks in this session yet.
        </p>
      </section>
      <noscript>The monitor needs JavaScript to follow the event stream.</noscript>
    </main>
    <script type="module" src="/ui/assets/monitor.js"></script>
  </Layout>
)

/** A session the project does not have. */
export const MissingPage = ({ id }: { id: string }) => (
  <Layout title="Not found · Tandem monitor">
    <header class="bar">
      <Brand />
      <h1>Not found</h1>
    </header>
    <main class="page">
      <section class="panel">
        <p>
          This project has no session <code>{id}</code>. <a href="/ui">See the recent sessions.</a>
        </p>
      </section>
    </main>
  </Layout>
)
