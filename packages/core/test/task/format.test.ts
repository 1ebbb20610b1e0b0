import { expect, test } from "bun:test"
import { receipt, resultText } from "../../src/task/format"
import { sampleTask } from "./sample-task"

// The texts the parent's model reads about a background task: each is written to the prompt cache once per child.

const task = sampleTask

test("a receipt is the id and the state, with the child's session only when it is another id", () => {
  expect(receipt(task())).toBe("Background task started: ses_child (queued).")
  expect(receipt(task({ id: "tsk_old", state: "running" }))).toBe(
    "Background task started: tsk_old (running, session ses_child).",
  )
})

test("a delivered result has id, state, description and the whole answer; task_status adds the usage", () => {
  const done = task({ state: "completed", delivery: "delivered" })
  expect(resultText(done, 1000)).toBe(
    [
      '<task id="ses_child" state="completed">',
      "<description>Count words</description>",
      "<task_result>",
      "10 words",
      "</task_result>",
      "</task>",
    ].join("\n"),
  )
  expect(resultText(done, 1000, true)).toContain(
    '<description>Count words</description>\n<usage steps="2" input_tokens="120" output_tokens="30" cost="0.500000" duration_ms="1500"/>',
  )
  const stopped = resultText({ ...done, reason: "max_steps reached" }, 1000)
  expect(stopped).toStartWith('<task id="ses_child" state="completed" partial="true">')
  expect(stopped).toContain("<stopped>max_steps reached</stopped>")
})
