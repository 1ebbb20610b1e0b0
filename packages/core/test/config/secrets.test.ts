import { expect, test } from "bun:test"
import fc from "fast-check"
import { mkdtempSync, writeFileSync } from "node:fs"
import os from "node:os"
import path from "node:path"
import { loadConfig } from "../../src/config/config"
import { MASK, Secrets } from "../../src/config/secrets"

test("every {env:} and {file:} value and every provider option value is masked, under any key", () => {
  const project = mkdtempSync(path.join(os.tmpdir(), "tandem-secrets-"))
  writeFileSync(path.join(project, "prompt.txt"), 'the file "secret" prompt\n')
  writeFileSync(
    path.join(project, "opencode.json"),
    JSON.stringify({
      model: "p/m",
      provider: {
        p: {
          options: {
            baseURL: "https://user:pass-word@llm.example/v1?key=query-secret",
            organization: "{env:ORG_ID}",
            accessToken: "literal-token-value",
            nested: { deep: ["array-secret"] },
          },
        },
      },
      agent: { helper: { prompt: "{file:prompt.txt}", description: "uses {env:AGENT_TOKEN}" } },
    }),
  )
  const secrets = new Secrets()
  const config = loadConfig(
    project,
    { XDG_CONFIG_HOME: project, ORG_ID: "org-1234567", AGENT_TOKEN: "tok-abcdef" },
    secrets,
  )
  const shown = JSON.stringify(secrets.maskJson(config))
  for (const value of [
    "org-1234567",
    "tok-abcdef",
    "literal-token-value",
    "array-secret",
    "pass-word",
    "query-secret",
    'secret\\" prompt',
  ])
    expect(shown).not.toContain(value)
  expect(shown).toContain("llm.example/v1")
  expect(shown).toContain(MASK)
  expect(secrets.mask("401: key org-1234567 rejected")).toBe(`401: key ${MASK} rejected`)
})

test("plain words among the provider options are not masked by value, so the API's own words survive", () => {
  const secrets = new Secrets()
  secrets.addConfig({
    provider: {
      p: {
        options: {
          baseURL: "http://user:pw-9876@llm.example/v1",
          reasoningEffort: "high",
          toolChoice: "auto",
          apiKey: "test",
          headers: { "X-Team": "blue" },
          extra: { token: "word" },
          project: "proj-4455-abc",
        },
      },
    },
  })
  const message = { role: "user", text: "a high bar", auto: false }
  expect(secrets.maskJson(message)).toEqual(message)
  expect(secrets.mask("test blue word proj-4455-abc pw-9876")).toBe([MASK, MASK, MASK, MASK, MASK].join(" "))
})

test("property: a masked text, or any string of a masked JSON value, never contains a recorded secret", () => {
  fc.assert(
    fc.property(
      fc.array(fc.stringMatching(/^[A-Za-z0-9_+=\/"\\-]{4,20}$/), { minLength: 1, maxLength: 5 }),
      fc.array(fc.stringMatching(/^[A-Za-z0-9 .,:;!?()-]{0,10}$/), { maxLength: 6 }),
      (values, filler) => {
        const secrets = new Secrets()
        for (const value of values) secrets.add(value)
        const text = filler.flatMap((piece, i) => [piece, values[i % values.length]!]).join("")
        const masked = secrets.mask(text)
        for (const value of values) if (!MASK.includes(value)) expect(masked).not.toContain(value)
        const json = secrets.maskJson({ [values[0]!]: text, list: [text] })
        const strings = [
          ...Object.keys(json),
          json.list[0]!,
          ...Object.values(json).filter((v) => typeof v === "string"),
        ]
        for (const value of values)
          if (!MASK.includes(value)) for (const one of strings) expect(one).not.toContain(value)
      },
    ),
    { numRuns: 500 },
  )
  expect(new Secrets().mask("plain")).toBe("plain")
  // Secrets that hold JSON's own characters still leave valid JSON behind.
  const quoted = new Secrets()
  quoted.add('"\\"\\')
  expect(JSON.parse(JSON.stringify(quoted.maskJson({ ['"\\"\\']: 'x"\\"\\y' })))).toEqual({ [MASK]: `x${MASK}y` })
})
