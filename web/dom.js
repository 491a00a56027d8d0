// Small DOM helpers. Elements are built from properties and text nodes, never from HTML strings, so
// nothing the API sends is ever parsed as markup.

/** The element with this id; a missing one is a bug in index.html, so it throws. */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`index.html has no element #${id}`);
  return node;
}

/**
 * Creates an element. `props` are assigned as properties (className, textContent, href, ...), except
 * `dataset` (data-* attributes) and `attrs` (plain attributes); strings among `children` become text.
 */
export function el(tag, props = {}, ...children) {
  const { dataset, attrs, ...rest } = props;
  const node = Object.assign(document.createElement(tag), rest);
  Object.assign(node.dataset, dataset);
  for (const [name, value] of Object.entries(attrs ?? {})) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

/**
 * Makes `container`'s children one per item, in order. The node made for a key is kept and updated
 * rather than rebuilt, so a live update does not steal focus or reset a hover. `create` must set
 * `dataset[keyName]` on the node it returns.
 */
export function reconcile(container, items, { keyName, keyOf, create, update }) {
  const existing = new Map([...container.children].map((node) => [node.dataset[keyName], node]));
  items.forEach((item, index) => {
    const key = keyOf(item);
    const node = existing.get(key) ?? create(item);
    existing.delete(key);
    update(node, item);
    if (container.children[index] !== node) container.insertBefore(node, container.children[index] ?? null);
  });
  for (const node of existing.values()) node.remove();
}

/** Shows a one-line message at the top of the page until it is dismissed or replaced. */
export function showNotice(message) {
  byId("notice-text").textContent = message;
  byId("notice").hidden = false;
}
