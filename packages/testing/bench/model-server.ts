// The benchmark's scripted OpenAI-compatible server, in its own process so that its streaming
// does not share the engine's event loop. Prints its base URL on the first line.
import { startScriptedServer } from "../src/scripted-server"
import { fanoutResponder } from "./fanout-script"

const server = startScriptedServer({ responder: fanoutResponder })
server.calls.length = 0
setInterval(() => (server.calls.length = 0), 1000)
console.log(server.url)
