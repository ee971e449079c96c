// Usage against limits per region (the usage API) and the cost report (docs/billing.md) of each
// subscription, with a bar chart drawn as inline SVG: Azure-equivalent bytes beside what Vitrine
// really stored after deduplication.

import { API, arm, list } from "../api.js";
import { bytes, h, heading, table } from "../dom.js";

interface Subscription {
  subscriptionId: string;
  displayName: string;
}
interface Usage {
  currentValue: number;
  limit: number;
  name: { localizedValue: string };
}
interface CostReport {
  currency: string;
  storage: Array<{ region: string; storageAccountType: string; replicas: number; occupiedBytes: number; monthlyCost: number }>;
  egress: Array<{ region: string; bytes: number; cost: number }>;
  totals: { replicas: number; occupiedBytes: number; monthlyStorageCost: number; egressBytes: number; egressCost: number };
  deduplicated: { storedBytes: number; movedBetweenRegionsBytes: number; movedInRegionBytes: number };
}

export async function usageView(view: HTMLElement): Promise<void> {
  view.append(heading("Usage and cost"));
  const subscriptions = await list<Subscription>("/subscriptions", API.resources);
  for (const subscription of subscriptions) {
    const base = `/subscriptions/${subscription.subscriptionId}`;
    const report = await arm<CostReport>("GET", `${base}/providers/Vitrine.Billing/costReport`, API.vitrine);
    const galleries = await list<{ location: string }>(`${base}/providers/Microsoft.Compute/galleries`, API.gallery);
    // The regions the subscription uses: its galleries' and its replicas'.
    const regions = [...new Set([...galleries.map((g) => g.location), ...report.storage.map((s) => s.region)])].sort();
    const usages = await Promise.all(regions.map((region) => list<Usage>(`${base}/providers/Microsoft.Compute/locations/${region}/usages`, API.compute)));
    const usageRows = regions.flatMap((region, index) =>
      (usages[index] ?? []).map((usage) => [region, usage.name.localizedValue, `${usage.currentValue} of ${usage.limit}`, h("meter", { min: 0, max: usage.limit, value: usage.currentValue, "aria-label": `${region} ${usage.name.localizedValue}` })]),
    );
    const money = (value: number) => `${value.toFixed(4)} ${report.currency}`;
    view.append(
      h(
        "section",
        {},
        h("h2", {}, subscription.displayName),
        h("h3", {}, "Usage against limits"),
        usageRows.length ? table(["Region", "Resource", "Used", ""], usageRows) : h("p", { class: "muted" }, "Nothing used yet."),
        h("h3", {}, "Cost report"),
        table(
          ["Region", "Storage type", "Replicas", "Billed (occupied) bytes", "Monthly cost"],
          report.storage.map((line) => [line.region, line.storageAccountType, String(line.replicas), bytes(line.occupiedBytes), money(line.monthlyCost)]),
          "Storage",
        ),
        table(["Region copied into", "Bytes", "Cost"], report.egress.map((line) => [line.region, bytes(line.bytes), money(line.cost)]), "Egress"),
        h("p", {}, `Total: ${report.totals.replicas} replicas, ${money(report.totals.monthlyStorageCost)} per month for storage, ${money(report.totals.egressCost)} egress.`),
        chart(report, subscription.subscriptionId),
      ),
    );
  }
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag: string, attrs: Record<string, string | number>, content?: string): SVGElement {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  if (content !== undefined) element.textContent = content;
  return element;
}

/** Horizontal bars: each region and storage type's billed bytes, then the totals billed vs stored and moved. */
function chart(report: CostReport, key: string): SVGElement {
  const bars: Array<[string, number, string]> = [
    ...report.storage.map((line): [string, number, string] => [`${line.region} ${line.storageAccountType}`, line.occupiedBytes, "#0a5fb4"]),
    ["Billed storage (Azure-equivalent)", report.totals.occupiedBytes, "#57606a"],
    ["Stored (deduplicated)", report.deduplicated.storedBytes, "#1a7f37"],
    ["Billed egress (Azure-equivalent)", report.totals.egressBytes, "#57606a"],
    ["Moved between regions", report.deduplicated.movedBetweenRegionsBytes, "#1a7f37"],
  ];
  const max = Math.max(1, ...bars.map(([, value]) => value));
  const row = 22;
  const labelWidth = 230;
  const width = 720;
  const root = svg("svg", { width, height: bars.length * row + 10, role: "img", "aria-labelledby": `chart-${key}`, viewBox: `0 0 ${width} ${bars.length * row + 10}` });
  root.append(svg("title", { id: `chart-${key}` }, "Bytes billed as Azure would, and bytes Vitrine stored and moved"));
  bars.forEach(([label, value, colour], index) => {
    const y = index * row + 5;
    const length = Math.round((value / max) * (width - labelWidth - 90));
    root.append(svg("text", { x: 0, y: y + 14 }, label), svg("rect", { x: labelWidth, y, width: Math.max(length, 1), height: row - 6, fill: colour }), svg("text", { x: labelWidth + length + 6, y: y + 14 }, bytes(value)));
  });
  return root;
}
