/**
 * Reads text from `reader` until `enough` holds for all of it (`read`, what was read before,
 * included) and returns it. A stream that ends first fails with what it said, so a process that
 * exits early fails its test instead of spinning on an ended stream.
 */
export async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  enough: (text: string) => boolean,
  read = "",
): Promise<string> {
  const decoder = new TextDecoder()
  let text = read
  while (!enough(text)) {
    const { done, value } = await reader.read()
    if (done) throw new Error(`the stream ended before the expected output; it said:\n${text}`)
    text += decoder.decode(value, { stream: true })
  }
  return text
}
