/// <reference lib="dom" />

type Attrs = Record<string, string | undefined>

/** Creates an element with attributes (undefined ones left out) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value)
  node.append(...children)
  return node
}

/** Sets a node's text only when it differs, so live updates do not churn the DOM. */
export function setText(node: Node, text: string) {
  if (node.textContent !== text) node.textContent = text
}

/** The element with this id; the page's markup guarantees it, so a missing one is a bug. */
export function byId<T extends HTMLElement = HTMLElement>(id: string) {
  const node = document.getElementById(id)
  if (!node) throw new Error(`the page has no #${id}`)
  return node as T
}
