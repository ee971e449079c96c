// Small DOM helpers: the portal builds its pages with real elements (buttons, links, labels) so
// that keyboard and screen-reader use come from the browser, not from scripts.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

/** An element with attributes (`on*` functions become listeners; `false`/undefined are left out) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else if (value !== false && value !== undefined) element.setAttribute(name, String(value));
  }
  append(element, ...children);
  return element;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

let ids = 0;
/**
 * A labelled input; `target` is the ARM property path it edits, where the server's errors land.
 * The label stands beside the control, not around it, so that a select's options do not become
 * part of its accessible name.
 */
export function field(label: string, input: HTMLInputElement | HTMLSelectElement, target?: string): HTMLDivElement {
  input.id ||= `f${++ids}`;
  if (target) input.dataset.target = target;
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input);
}

export function select(name: string, options: Array<[value: string, text: string]>, selected = ""): HTMLSelectElement {
  return h("select", { name }, ...options.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
}

export function table(headers: string[], rows: Array<Array<Node | string>>, caption?: string): HTMLTableElement {
  return h(
    "table",
    {},
    caption ? h("caption", { class: "muted" }, caption) : null,
    h("thead", {}, h("tr", {}, ...headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", {}, ...rows.map((cells) => h("tr", {}, ...cells.map((cell) => h("td", {}, cell))))),
  );
}

export const text = (value: unknown): string => (value === undefined || value === null || value === "" ? "—" : String(value));

export function bytes(value: number | undefined): string {
  if (value === undefined) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let size = value;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit++;
  }
  return `${unit === 0 ? size : size.toFixed(1)} ${units[unit]}`;
}

/** A page's heading, focused on arrival so that keyboard and screen-reader users start there. */
export function heading(title: string): HTMLHeadingElement {
  return h("h1", { tabindex: -1 }, title);
}
