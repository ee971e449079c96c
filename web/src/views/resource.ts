// One gallery resource: a gallery, an image definition or an application, with its children, the
// properties the documentation lets you edit, and its role assignments. Versions are version.ts.

import { API, arm, list } from "../api.js";
import { field, h, heading, table, text } from "../dom.js";
import { submit } from "../forms.js";
import { lineage, parseId, resourceLink, type ParsedId } from "../ids.js";
import { assignmentsSection } from "./access.js";
import { versionView } from "./version.js";

type Props = Record<string, unknown>;
export interface ArmResource {
  id: string;
  name: string;
  type: string;
  location: string;
  properties: Props;
}

export async function resourceView(view: HTMLElement, id: string, alive: () => boolean): Promise<void> {
  const parsed = parseId(id);
  view.append(breadcrumbs(id));
  if (parsed.kind === "imageVersion") return versionView(view, id, alive);
  const resource = await arm<ArmResource>("GET", id, API.gallery);
  if (!alive()) return;
  const p = resource.properties;
  view.append(heading(`${kindName(parsed)} ${resource.name}`));
  view.append(
    h(
      "dl",
      {},
      ...definitionList([
        ["Location", resource.location],
        ["Provisioning state", p.provisioningState],
        ["Description", p.description],
        ...(parsed.kind === "definition" ? identityRows(p) : []),
        ["End of life", p.endOfLifeDate],
      ]),
    ),
  );
  if (parsed.kind === "gallery") {
    view.append(editForm("edit-gallery", [["Description", "properties.description", "text", p.description]], id));
    view.append(await childList(`${id}/images`, "Image definitions"), await childList(`${id}/applications`, "Applications"));
    view.append(createDefinition(id, resource.location));
  } else if (parsed.kind === "definition") {
    const recommended = (p.recommended ?? {}) as { vCPUs?: { min?: number; max?: number }; memory?: { min?: number; max?: number } };
    view.append(
      editForm(
        "edit-definition",
        [
          ["Description", "properties.description", "text", p.description],
          ["Recommended vCPUs, minimum", "properties.recommended.vCPUs.min", "number", recommended.vCPUs?.min],
          ["Recommended vCPUs, maximum", "properties.recommended.vCPUs.max", "number", recommended.vCPUs?.max],
          ["Recommended memory (GB), minimum", "properties.recommended.memory.min", "number", recommended.memory?.min],
          ["Recommended memory (GB), maximum", "properties.recommended.memory.max", "number", recommended.memory?.max],
          ["End of life", "properties.endOfLifeDate", "date", String(p.endOfLifeDate ?? "").slice(0, 10)],
        ],
        id,
      ),
    );
    view.append(await childList(`${id}/versions`, "Versions"));
  } else if (parsed.kind === "application") {
    view.append(await childList(`${id}/versions`, "Versions"));
  } else if (parsed.kind === "applicationVersion") {
    view.append(h("pre", {}, JSON.stringify(p.publishingProfile ?? {}, null, 2)));
  }
  view.append(await assignmentsSection(id));
}

const kindName = (parsed: ParsedId): string =>
  ({ gallery: "Gallery", definition: "Image definition", application: "Application", applicationVersion: "Application version", imageVersion: "Image version", other: "Resource" })[parsed.kind];

export function breadcrumbs(id: string): HTMLElement {
  const links = lineage(id).map((ancestor) => h("a", { href: resourceLink(ancestor) }, ancestor.split("/").pop() ?? ancestor));
  const items: Array<Node | string> = [h("a", { href: "#/resources" }, "All resources")];
  for (const link of links) items.push(" › ", link);
  return h("nav", { class: "breadcrumbs", "aria-label": "Breadcrumbs" }, ...items);
}

export function definitionList(rows: Array<[string, unknown]>): HTMLElement[] {
  return rows.flatMap(([label, value]) => [h("dt", {}, label), h("dd", {}, text(value))]);
}

function identityRows(p: Props): Array<[string, unknown]> {
  const identifier = (p.identifier ?? {}) as Record<string, string>;
  return [
    ["OS", `${text(p.osType)} · ${text(p.osState)} · ${text(p.hyperVGeneration)}`],
    ["Publisher / offer / SKU", `${text(identifier.publisher)} / ${text(identifier.offer)} / ${text(identifier.sku)}`],
  ];
}

async function childList(collection: string, title: string): Promise<HTMLElement> {
  const children = await list<ArmResource>(collection, API.gallery);
  const rows = children.map((child) => [h("a", { href: resourceLink(child.id) }, child.name), child.location, text(child.properties.provisioningState)]);
  return h("section", {}, h("h2", {}, title), children.length ? table(["Name", "Location", "State"], rows) : h("p", { class: "muted" }, "None yet."));
}

type FieldSpec = [label: string, target: string, type: "text" | "number" | "date", value: unknown];

/** A PATCH of the editable properties; the server's refusals land next to their field. */
function editForm(formId: string, specs: FieldSpec[], id: string): HTMLElement {
  const inputs = specs.map(([label, target, type, value]) => {
    const input = h("input", { name: target, type, value: value === undefined || value === null ? "" : String(value) });
    return { label, target, type, input };
  });
  const form = h("form", { id: formId }, ...inputs.map(({ label, input, target }) => field(label, input, target)), h("button", { type: "submit" }, "Save"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      const body: Props = {};
      for (const { target, type, input } of inputs) {
        if (input.value === "" && type !== "text") continue;
        setPath(body, target, type === "number" ? Number(input.value) : input.value);
      }
      await arm("PATCH", id, API.gallery, body);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  });
  return h("section", {}, h("h2", {}, "Edit"), form);
}

function setPath(target: Props, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = (node[key] ??= {}) as Props;
  node[keys[keys.length - 1] as string] = value;
}

function createDefinition(galleryId: string, location: string): HTMLElement {
  const inputs = {
    name: h("input", { name: "name", required: true }),
    osType: h("select", { name: "osType" }, h("option", {}, "Linux"), h("option", {}, "Windows")),
    osState: h("select", { name: "osState" }, h("option", {}, "Generalized"), h("option", {}, "Specialized")),
    publisher: h("input", { name: "publisher", required: true }),
    offer: h("input", { name: "offer", required: true }),
    sku: h("input", { name: "sku", required: true }),
  };
  const form = h(
    "form",
    { id: "create-definition" },
    field("Definition name", inputs.name, "name"),
    field("OS type", inputs.osType, "properties.osType"),
    field("OS state", inputs.osState, "properties.osState"),
    field("Publisher", inputs.publisher, "properties.identifier.publisher"),
    field("Offer", inputs.offer, "properties.identifier.offer"),
    field("SKU", inputs.sku, "properties.identifier.sku"),
    h("button", { type: "submit" }, "Create definition"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      const created = await arm<ArmResource>("PUT", `${galleryId}/images/${encodeURIComponent(inputs.name.value)}`, API.gallery, {
        location,
        properties: { osType: inputs.osType.value, osState: inputs.osState.value, identifier: { publisher: inputs.publisher.value, offer: inputs.offer.value, sku: inputs.sku.value } },
      });
      window.location.hash = resourceLink(created.id);
    });
  });
  return h("section", {}, h("h2", {}, "Create an image definition"), form);
}
