import path from "node:path"

const CLIENT_ENTRY = path.join(import.meta.dir, "client", "main.ts")
/** The stylesheet's parts, served as one file in this order. */
const STYLESHEETS = ["page.css", "tasks.css"].map((name) => path.join(import.meta.dir, "styles", name))

let script: Promise<string> | undefined
let stylesheet: Promise<string> | undefined

/**
 * The monitor's script, bundled by Bun from `client/` on first use and kept for the life of the
 * process. The client imports only types from the engine, so the bundle is the page's own code.
 */
export function monitorScript() {
  script ??= Bun.build({ entrypoints: [CLIENT_ENTRY], target: "browser", minify: true }).then((build) =>
    build.outputs[0]!.text(),
  )
  return script
}

export function monitorStylesheet() {
  stylesheet ??= Promise.all(STYLESHEETS.map((file) => Bun.file(file).text())).then((parts) => parts.join("\n"))
  return stylesheet
}

/** A small mark for the tab, so the browser does not ask for a favicon that is not there. */
export const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f2937"/><rect x="3" y="4" width="7" height="2" fill="#60a5fa"/><rect x="5" y="7" width="8" height="2" fill="#34d399"/><rect x="4" y="10" width="5" height="2" fill="#fbbf24"/></svg>`
