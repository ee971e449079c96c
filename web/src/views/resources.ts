// "All resources": the galleries, image definitions and applications of every subscription the
// caller can reach (the documentation's FAQ: list gallery resources across subscriptions),
// filterable by subscription, resource group, location, type and name; and a gallery's creation.

import { API, arm, list } from "../api.js";
import { field, h, heading, select, table, text } from "../dom.js";
import { submit } from "../forms.js";
import { parseId, resourceLink } from "../ids.js";

interface Resource {
  id: string;
  name: string;
  type: string;
  location: string;
}

interface Subscription {
  subscriptionId: string;
  displayName: string;
}

const TYPE_NAMES: Record<string, string> = {
  "Microsoft.Compute/galleries": "Gallery",
  "Microsoft.Compute/galleries/images": "Image definition",
  "Microsoft.Compute/galleries/applications": "Application",
};

export async function resourcesView(view: HTMLElement, alive: () => boolean): Promise<void> {
  view.append(heading("All resources"), h("p", { role: "status" }, "Loading…"));
  const subscriptions = await list<Subscription>("/subscriptions", API.resources);
  const resources = (await Promise.all(subscriptions.map((subscription) => resourcesOf(subscription.subscriptionId)))).flat();
  if (!alive()) return;
  const names = new Map(subscriptions.map((s) => [s.subscriptionId, s.displayName]));
  const distinct = (values: string[]) => [...new Set(values)].sort();
  const filters = {
    subscription: select("subscription", [["", "All"], ...subscriptions.map((s): [string, string] => [s.subscriptionId, s.displayName])]),
    group: select("group", [["", "All"], ...distinct(resources.map((r) => parseId(r.id).resourceGroup)).map((g): [string, string] => [g, g])]),
    location: select("location", [["", "All"], ...distinct(resources.map((r) => r.location)).map((l): [string, string] => [l, l])]),
    type: select("type", [["", "All"], ...Object.entries(TYPE_NAMES)]),
    name: h("input", { name: "name", type: "search" }),
  };
  const results = h("div", { "aria-live": "polite" });
  const render = () => {
    const needle = filters.name.value.toLowerCase();
    const shown = resources.filter((r) => {
      const id = parseId(r.id);
      return (
        (!filters.subscription.value || id.subscriptionId === filters.subscription.value) &&
        (!filters.group.value || id.resourceGroup === filters.group.value) &&
        (!filters.location.value || r.location === filters.location.value) &&
        (!filters.type.value || r.type === filters.type.value) &&
        r.name.toLowerCase().includes(needle)
      );
    });
    const rows = shown.map((r) => {
      const id = parseId(r.id);
      return [h("a", { href: resourceLink(r.id) }, r.segments), TYPE_NAMES[r.type] ?? r.type, id.resourceGroup, r.location, text(names.get(id.subscriptionId))];
    });
    results.replaceChildren(h("p", { class: "muted", id: "result-count" }, `${shown.length} of ${resources.length} resources`), table(["Name", "Type", "Resource group", "Location", "Subscription"], rows));
  };
  for (const control of Object.values(filters)) control.addEventListener("input", render);
  const filterBar = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter resources", onsubmit: (event: Event) => event.preventDefault() },
    field("Subscription", filters.subscription),
    field("Resource group", filters.group),
    field("Location", filters.location),
    field("Type", filters.type),
    field("Name contains", filters.name),
  );
  view.replaceChildren(view.firstChild as Node, filterBar, results, createGallery(subscriptions));
  render();
}

type Listed = Resource & { segments: string };

async function resourcesOf(subscriptionId: string): Promise<Listed[]> {
  const galleries = await list<Resource>(`/subscriptions/${subscriptionId}/providers/Microsoft.Compute/galleries`, API.gallery);
  const children = await Promise.all(
    galleries.map(async (gallery) => {
      const [images, applications] = await Promise.all([list<Resource>(`${gallery.id}/images`, API.gallery), list<Resource>(`${gallery.id}/applications`, API.gallery)]);
      return [...images, ...applications].map((child) => ({ ...child, segments: `${gallery.name} / ${child.name}` }));
    }),
  );
  return [...galleries.map((gallery) => ({ ...gallery, segments: gallery.name })), ...children.flat()];
}

function createGallery(subscriptions: Subscription[]): HTMLElement {
  const subscription = select("subscription", subscriptions.map((s): [string, string] => [s.subscriptionId, s.displayName]));
  const group = h("input", { name: "resourceGroup", required: true });
  const name = h("input", { name: "name", required: true });
  const region = h("input", { name: "location", required: true, value: "westus" });
  const description = h("input", { name: "description" });
  const form = h("form", { id: "create-gallery" }, field("Subscription", subscription), field("Resource group", group), field("Gallery name", name, "name"), field("Location", region, "location"), field("Description", description, "properties.description"), h("button", { type: "submit" }, "Create gallery"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      const rg = `/subscriptions/${subscription.value}/resourceGroups/${encodeURIComponent(group.value)}`;
      await arm("GET", rg, API.resources).catch(() => arm("PUT", rg, API.resources, { location: region.value }));
      const gallery = await arm<{ id: string }>("PUT", `${rg}/providers/Microsoft.Compute/galleries/${encodeURIComponent(name.value)}`, API.gallery, {
        location: region.value,
        properties: { description: description.value || undefined },
      });
      location.hash = resourceLink(gallery.id);
    });
  });
  return h("section", { "aria-labelledby": "create-gallery-title" }, h("h2", { id: "create-gallery-title" }, "Create a gallery"), form);
}
