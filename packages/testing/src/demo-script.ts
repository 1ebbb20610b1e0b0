import type { Responder, ScriptRequest, Turn } from "./script"

/** The demo's scratch project holds this one file. */
export const DEMO_FILE = "greeting.txt"
export const DEMO_FILE_CONTENT = "Hello world\nThis file is part of the Tandem demo.\n"
export const DEMO_PROMPT = `Tidy up ${DEMO_FILE}: greet Tandem instead of the world, check the result, and have a sub-agent count its words.`

/** Model calls since the last user message: how far the current turn has come. */
function stepOf(request: ScriptRequest) {
  const lastUser = request.messages.findLastIndex((message) => message.role === "user")
  return request.messages.slice(lastUser + 1).filter((message) => message.role === "assistant").length
}

function lastResult(request: ScriptRequest) {
  const last = request.messages.at(-1)
  return last?.toolResults?.at(-1)?.output ?? ""
}

const parentTurns: ((request: ScriptRequest) => Turn)[] = [
  () => ({
    reasoning: "Start by reading the file to see what it says.",
    text: `I'll read ${DEMO_FILE} first.`,
    toolCalls: [{ name: "read", input: { filePath: DEMO_FILE } }],
  }),
  () => ({
    text: "It greets the world; I'll change that.",
    toolCalls: [{ name: "edit", input: { filePath: DEMO_FILE, oldString: "Hello world", newString: "Hello Tandem" } }],
  }),
  () => ({
    toolCalls: [{ name: "bash", input: { command: `cat ${DEMO_FILE}`, description: "Show the edited file" } }],
  }),
  () => ({
    text: "The edit is in place. Counting words is a separate job, so I'll hand it to a sub-agent.",
    toolCalls: [
      {
        name: "task",
        input: {
          description: "Count words",
          prompt: `Count the words in ${DEMO_FILE} and answer with the number.`,
          subagent_type: "general",
        },
      },
    ],
  }),
  (request) => {
    const count = /(\d+) words/.exec(lastResult(request))?.[1] ?? "some"
    return {
      text: `Done. ${DEMO_FILE} now greets Tandem, \`cat\` shows the new first line, and the sub-agent counted ${count} words.`,
    }
  },
]

const childTurns: ((request: ScriptRequest) => Turn)[] = [
  () => ({ toolCalls: [{ name: "bash", input: { command: `wc -w < ${DEMO_FILE}`, description: "Count words" } }] }),
  (request) => {
    const count = /\d+/.exec(lastResult(request))?.[0] ?? "0"
    return { text: `${DEMO_FILE} has ${count} words.` }
  },
]

/** Title requests get a short title; everything else follows the parent or the sub-agent script. */
export const demoResponder: Responder = (request) => {
  if (request.tools.length === 0) return { text: "Tidy up the greeting" }
  const child = request.system.includes("You are a sub-agent")
  const turns = child ? childTurns : parentTurns
  const turn = turns[Math.min(stepOf(request), turns.length - 1)]!
  return { chunkDelayMs: 15, ...turn(request) }
}
