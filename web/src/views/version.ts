// An image version: its properties, content digest, occupied vs provisioned size, the live
// replication rows (refreshed every second while any region is still copying), which version
// "latest" resolves to in each region, and the edit of its target regions.

import { API, arm, list } from "../api.js";
import { bytes, field, h, heading, select, table, text } from "../dom.js";
import { submit } from "../forms.js";
import { compareVersions } from "../ids.js";
import { assignmentsSection } from "./access.js";
import { definitionList, type ArmResource } from "./resource.js";

interface TargetRegion {
  name: string;
  regionalReplicaCount?: number;
  storageAccountType?: string;
  excludeFromLatest?: boolean;
}
interface StatusRow {
  region: string;
  state: string;
  progress: number;
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond?: number;
  etaSeconds?: number;
  details?: string;
  replicas: Array<{ storageAccountType: string; state: string }>;
}
interface VersionProps {
  publishingProfile: { targetRegions: TargetRegion[]; excludeFromLatest?: boolean; endOfLifeDate?: string; storageAccountType?: string; replicaCount?: number; publishedDate?: string };
  storageProfile: { osDiskImage?: { contentDigest?: string; sizeBytes?: number; occupiedSizeBytes?: number; source?: { id?: string } } };
  provisioningState: string;
  replicationStatus?: { aggregatedState: string; summary: StatusRow[] };
}
type Version = ArmResource & { properties: VersionProps & Record<string, unknown> };

const STORAGE_TYPES = ["Standard_LRS", "Standard_ZRS", "Premium_LRS"];
const REFRESH_MS = 1000;

export async function versionView(view: HTMLElement, id: string, alive: () => boolean): Promise<void> {
  const fetchVersion = () => arm<Version>("GET", `${id}?$expand=ReplicationStatus`, API.gallery);
  const version = await fetchVersion();
  if (!alive()) return;
  const p = version.properties;
  const disk = p.storageProfile.osDiskImage ?? {};
  const occupiedShare = disk.sizeBytes ? Math.round(((disk.occupiedSizeBytes ?? 0) / disk.sizeBytes) * 100) : 0;
  const replication = h("div", { id: "replication" });
  const latest = h("div", { id: "latest" });
  view.append(
    heading(`Image version ${version.name}`),
    h(
      "dl",
      {},
      ...definitionList([
        ["Location", version.location],
        ["Provisioning state", p.provisioningState],
        ["Published", p.publishingProfile.publishedDate],
        ["Content digest", disk.contentDigest],
        ["Size", `${bytes(disk.occupiedSizeBytes)} occupied of ${bytes(disk.sizeBytes)} provisioned (${occupiedShare}%)`],
        ["Default storage type / replicas", `${text(p.publishingProfile.storageAccountType)} × ${text(p.publishingProfile.replicaCount)}`],
        ["Excluded from latest", p.publishingProfile.excludeFromLatest ? "yes" : "no"],
        ["End of life", p.publishingProfile.endOfLifeDate],
        ["Source", disk.source?.id],
      ]),
    ),
    h("section", { "aria-labelledby": "replication-title" }, h("h2", { id: "replication-title" }, "Replication"), replication),
    h("section", { "aria-labelledby": "latest-title" }, h("h2", { id: "latest-title" }, "Latest per region"), latest),
    editTargets(id, p.publishingProfile),
    await assignmentsSection(id),
  );
  renderReplication(replication, version);
  const definitionId = id.slice(0, id.lastIndexOf("/versions/"));
  await renderLatest(latest, definitionId);
  // Followed in the background: the page is usable (and its heading focused) while copies run.
  void follow(version, fetchVersion, alive, replication, latest, definitionId).catch((error: unknown) => {
    replication.append(h("p", { class: "form-error", role: "alert" }, `Refresh stopped: ${error instanceof Error ? error.message : String(error)}`));
  });
}

/** Polls while any region is copying; stops when they all end or the user leaves the page. */
async function follow(version: Version, fetchVersion: () => Promise<Version>, alive: () => boolean, replication: HTMLElement, latest: HTMLElement, definitionId: string): Promise<void> {
  let state = version.properties.replicationStatus?.aggregatedState;
  while (state === "InProgress") {
    await new Promise((resolve) => setTimeout(resolve, REFRESH_MS));
    if (!alive()) return;
    const fresh = await fetchVersion();
    if (!alive()) return;
    renderReplication(replication, fresh);
    state = fresh.properties.replicationStatus?.aggregatedState;
    if (state !== "InProgress") await renderLatest(latest, definitionId);
  }
}

function renderReplication(container: HTMLElement, version: Version): void {
  const status = version.properties.replicationStatus;
  const rows = (status?.summary ?? []).map((row) => {
    const replicas = row.replicas.map((replica) => replica.storageAccountType);
    return h(
      "tr",
      { "data-region": row.region },
      h("th", { scope: "row" }, row.region),
      h("td", { class: `state state-${row.state}` }, row.state),
      h("td", {}, h("progress", { max: 100, value: row.progress, "aria-label": `${row.region} progress` }), ` ${row.progress}%`),
      h("td", { class: "bytes" }, `${bytes(row.bytesDone)} of ${bytes(row.bytesTotal)}`),
      h("td", {}, row.bytesPerSecond ? `${bytes(row.bytesPerSecond)}/s` : "—"),
      h("td", {}, eta(row.etaSeconds)),
      h("td", {}, `${replicas.length} × ${[...new Set(replicas)].join(", ")}`),
    );
  });
  container.replaceChildren(
    h("p", { role: "status", id: "replication-state" }, `Overall: ${text(status?.aggregatedState)}`),
    h(
      "table",
      {},
      h("thead", {}, h("tr", {}, ...["Region", "State", "Progress", "Bytes", "Throughput", "ETA", "Replicas"].map((title) => h("th", { scope: "col" }, title)))),
      h("tbody", {}, ...rows),
    ),
  );
}

const eta = (seconds: number | undefined): string =>
  seconds === undefined ? "—" : seconds < 120 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;

/**
 * Which version "latest" is in each region, as deployments resolve it (docs/image-versions.md):
 * the highest version complete there and excluded from latest neither globally nor in that region.
 */
async function renderLatest(container: HTMLElement, definitionId: string): Promise<void> {
  const names = await list<ArmResource>(`${definitionId}/versions`, API.gallery);
  const versions = await Promise.all(names.map((v) => arm<Version>("GET", `${v.id}?$expand=ReplicationStatus`, API.gallery)));
  const best = new Map<string, string>();
  for (const version of versions) {
    const profile = version.properties.publishingProfile;
    if (profile.excludeFromLatest) continue;
    for (const row of version.properties.replicationStatus?.summary ?? []) {
      const target = profile.targetRegions.find((t) => t.name === row.region);
      if (row.state !== "Completed" || target?.excludeFromLatest) continue;
      const current = best.get(row.region);
      if (!current || compareVersions(version.name, current) > 0) best.set(row.region, version.name);
    }
  }
  const rows = [...best.entries()].sort().map(([region, name]) => [region, name]);
  container.replaceChildren(rows.length ? table(["Region", "Latest"], rows) : h("p", { class: "muted" }, "No version is complete in any region yet."));
}

/** The target regions (name, replicas, storage type, excluded from latest), exclude-from-latest and end of life. */
function editTargets(id: string, profile: VersionProps["publishingProfile"]): HTMLElement {
  const body = h("tbody");
  const addRow = (target: TargetRegion) => {
    const index = body.children.length;
    const path = `properties.publishingProfile.targetRegions[${index}]`;
    const name = h("input", { name: "region", value: target.name, required: true, "aria-label": `Region ${index + 1}` });
    const count = h("input", { name: "replicas", type: "number", value: target.regionalReplicaCount ?? 1, "aria-label": `Replicas in region ${index + 1}` });
    const storage = select("storage", STORAGE_TYPES.map((t): [string, string] => [t, t]), target.storageAccountType ?? "Standard_LRS");
    storage.setAttribute("aria-label", `Storage type in region ${index + 1}`);
    const exclude = h("input", { name: "exclude", type: "checkbox", checked: target.excludeFromLatest === true, "aria-label": `Exclude region ${index + 1} from latest` });
    name.dataset.target = `${path}.name`;
    count.dataset.target = `${path}.regionalReplicaCount`;
    storage.dataset.target = `${path}.storageAccountType`;
    const row = h("tr", {}, h("td", {}, name), h("td", {}, count), h("td", {}, storage), h("td", {}, exclude));
    row.append(h("td", {}, h("button", { type: "button", onclick: () => row.remove() }, `Remove region ${index + 1}`)));
    body.append(row);
  };
  profile.targetRegions.forEach(addRow);
  const excludeAll = h("input", { type: "checkbox", name: "excludeFromLatest", checked: profile.excludeFromLatest === true });
  excludeAll.dataset.target = "properties.publishingProfile.excludeFromLatest";
  const endOfLife = h("input", { type: "date", name: "endOfLifeDate", value: (profile.endOfLifeDate ?? "").slice(0, 10) });
  const regions = h(
    "fieldset",
    { tabindex: -1 },
    h("legend", {}, "Target regions"),
    h("table", {}, h("thead", {}, h("tr", {}, ...["Region", "Replicas", "Storage type", "Excluded from latest", ""].map((t) => h("th", { scope: "col" }, t)))), body),
    h("button", { type: "button", onclick: () => addRow({ name: "" }) }, "Add region"),
  );
  regions.dataset.target = "properties.publishingProfile.targetRegions";
  const form = h(
    "form",
    { id: "edit-version" },
    regions,
    h("label", { class: "inline", for: "exclude-all" }, Object.assign(excludeAll, { id: "exclude-all" }), "Exclude from latest everywhere"),
    field("End of life", endOfLife, "properties.publishingProfile.endOfLifeDate"),
    h("button", { type: "submit" }, "Save"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      const rows = [...body.querySelectorAll("tr")];
      // The server names a region by its place in the list sent: renumber after removals.
      rows.forEach((row, index) => {
        for (const input of row.querySelectorAll<HTMLElement>("[data-target]")) input.dataset.target = input.dataset.target?.replace(/\[\d+\]/, `[${index}]`);
      });
      const targetRegions = rows.map((row) => ({
        name: (row.querySelector("[name=region]") as HTMLInputElement).value.trim(),
        regionalReplicaCount: Number((row.querySelector("[name=replicas]") as HTMLInputElement).value),
        storageAccountType: (row.querySelector("[name=storage]") as HTMLSelectElement).value,
        excludeFromLatest: (row.querySelector("[name=exclude]") as HTMLInputElement).checked,
      }));
      const publishingProfile = { targetRegions, excludeFromLatest: excludeAll.checked, ...(endOfLife.value && { endOfLifeDate: endOfLife.value }) };
      await arm("PATCH", id, API.gallery, { properties: { publishingProfile } });
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  });
  return h("section", { "aria-labelledby": "edit-version-title" }, h("h2", { id: "edit-version-title" }, "Edit replication"), form);
}
