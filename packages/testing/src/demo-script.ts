import { lastToolResults, type Responder, type ScriptRequest, type Turn } from "./script"

/** The demo's scratch project holds this one file. */
export const DEMO_FILE = "greeting.txt"
export const DEMO_FILE_CONTENT = "Hello world\nThis file is part of the Tandem demo.\n"
export const DEMO_PROMPT = `Tidy up ${DEMO_FILE}: greet Tandem instead of the world, check the result, have a sub-agent count its words, and send three more off in the background to review it.`
export const DEMO_FOLLOWUP = "While they work: which files does the project have?"

/** The jobs the demo sends to the background, with what each sub-agent answers. */
const BACKGROUND_JOBS = [
  {
    description: "Check spelling",
    prompt: `Check the spelling in ${DEMO_FILE}.`,
    answer: "No spelling mistakes found.",
    ms: 900,
  },
  {
    description: "Suggest a title",
    prompt: `Suggest a title for ${DEMO_FILE}.`,
    answer: 'Suggested title: "A greeting for Tandem".',
    ms: 1300,
  },
  {
    description: "Summarise the file",
    prompt: `Summarise ${DEMO_FILE} in one sentence.`,
    answer: "A two-line greeting that introduces the demo.",
    ms: 1700,
  },
]

/** Model calls since the last user message: how far the current turn has come. */
function stepOf(request: ScriptRequest) {
  const lastUser = request.messages.findLastIndex((message) => message.role === "user")
  return request.messages.slice(lastUser + 1).filter((message) => message.role === "assistant").length
}

function lastUserText(request: ScriptRequest) {
  return request.messages.findLast((message) => message.role === "user")?.text ?? ""
}

const mainTurns: ((request: ScriptRequest) => Turn)[] = [
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
    text: "The edit is in place. Counting words is a quick job; a sub-agent does it while I wait.",
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
    const count = /(\d+) words/.exec(lastToolResults(request)[0]?.output ?? "")?.[1] ?? "some"
    return {
      text: `It has ${count} words. The reviews take longer, so they go to the background.`,
      toolCalls: BACKGROUND_JOBS.map((job) => ({
        name: "task",
        input: { description: job.description, prompt: job.prompt, subagent_type: "general", background: true },
      })),
    }
  },
  () => ({
    text: "Three sub-agents are reviewing the file in the background; their results will come in by themselves.",
  }),
]

const followupTurns: ((request: ScriptRequest) => Turn)[] = [
  () => ({ toolCalls: [{ name: "list", input: {} }] }),
  () => ({ text: `Just one: ${DEMO_FILE}. The reviews are still running.` }),
]

/** A turn that answers delivered background results: one line per result. */
function summarise(request: ScriptRequest): Turn {
  // A delivery is one result holding every delivered task's text.
  const tasks = lastToolResults(request).flatMap((result) => result.output.split(/(?=<task id=)/))
  const lines = tasks.map((task) => {
    const description = /<description>(.*)<\/description>/.exec(task)?.[1] ?? "task"
    const answer = /<task_result>\n([\s\S]*?)\n<\/task_result>/.exec(task)?.[1]?.trim() ?? ""
    return `- ${description}: ${answer}`
  })
  return { text: `Background results arrived:\n${lines.join("\n")}` }
}

function childTurn(request: ScriptRequest): Turn {
  const prompt = lastUserText(request)
  const job = BACKGROUND_JOBS.find((candidate) => candidate.prompt === prompt)
  if (job) return { text: job.answer, chunkDelayMs: job.ms / job.answer.split(" ").length }
  if (stepOf(request) === 0)
    return { toolCalls: [{ name: "bash", input: { command: `wc -w < ${DEMO_FILE}`, description: "Count words" } }] }
  const count = /\d+/.exec(lastToolResults(request)[0]?.output ?? "")?.[0] ?? "0"
  return { text: `${DEMO_FILE} has ${count} words.` }
}

/** Title requests get a short title; sub-agents, the first prompt and the follow-up follow their scripts. */
export const demoResponder: Responder = (request) => {
  if (request.tools.length === 0) return { text: "Tidy up the greeting" }
  if (request.system.includes("You are a sub-agent")) return childTurn(request)
  const results = lastToolResults(request)
  const delivered = (output: string) => output.startsWith("<task id=") && !output.includes("Background task started")
  if (results.length && results.every((result) => delivered(result.output)))
    return { chunkDelayMs: 10, ...summarise(request) }
  const turns = lastUserText(request) === DEMO_FOLLOWUP ? followupTurns : mainTurns
  const turn = turns[Math.min(stepOf(request), turns.length - 1)]!
  return { chunkDelayMs: 10, ...turn(request) }
}
