// `vitrine billing report`: the subscription's cost report (docs/billing.md): what its image
// versions would cost on Azure (storage per replica by occupied size, egress into other regions)
// and what Vitrine really stored and moved.

import type { Command } from "commander";
import { connect, printJson, serverAction, withConnectionOptions, type ServerFlags } from "./connected-command.js";
import { oneOf } from "./sig-shared.js";

const BILLING_API_VERSION = "2026-11-01";

interface Report {
  currency: string;
  storage: Array<{ region: string; storageAccountType: string; replicas: number; occupiedBytes: number; monthlyCost: number }>;
  egress: Array<{ region: string; bytes: number; cost: number }>;
  totals: { replicas: number; occupiedBytes: number; monthlyStorageCost: number; egressBytes: number; egressCost: number };
  deduplicated: { storedBytes: number; movedBetweenRegionsBytes: number; movedInRegionBytes: number };
}

export function registerBillingCommands(program: Command): void {
  const billing = program.command("billing").description("Cost reports of image versions, as Azure bills a Compute Gallery.");
  withConnectionOptions(
    billing
      .command("report")
      .description(
        "The subscription's cost report: storage for every replica of every image version by its occupied size (per region and storage type), " +
          "and egress for the first copy into each region other than the version's own, at the server's price table; " +
          "then the bytes Vitrine really stored and moved after deduplication. -o json prints the server's JSON.",
      )
      .option("-o, --output <format>", "table or json", oneOf("table", "json"), "table"),
  ).action(
    serverAction(async (flags: ServerFlags & { output: "table" | "json" }) => {
      const { client, subscriptionId } = connect(flags);
      const report = (await client.request("GET", `/subscriptions/${subscriptionId}/providers/Vitrine.Billing/costReport?api-version=${BILLING_API_VERSION}`)).body as Report;
      if (flags.output === "json") printJson(report);
      else process.stdout.write(table(report));
    }),
  );
}

const GIB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

function table(report: Report): string {
  const money = (amount: number) => `${amount.toFixed(2)} ${report.currency}`;
  const lines = ["Storage (each replica billed as a snapshot of the version's occupied size, per month)", ...report.storage.map((l) => `  ${l.region.padEnd(20)} ${l.storageAccountType.padEnd(13)} ${String(l.replicas).padStart(3)} replica(s) ${gib(l.occupiedBytes).padStart(14)} ${money(l.monthlyCost).padStart(14)}`)];
  lines.push("Egress (the first copy into each region other than the version's own)", ...report.egress.map((l) => `  ${l.region.padEnd(20)} ${gib(l.bytes).padStart(14)} ${money(l.cost).padStart(14)}`));
  const { totals, deduplicated } = report;
  lines.push(
    `Total: ${totals.replicas} replica(s), ${gib(totals.occupiedBytes)} billed, ${money(totals.monthlyStorageCost)} per month; egress ${gib(totals.egressBytes)}, ${money(totals.egressCost)}`,
    `Vitrine stored ${gib(deduplicated.storedBytes)} for them after deduplication, and moved ${gib(deduplicated.movedBetweenRegionsBytes)} between regions (${gib(deduplicated.movedInRegionBytes)} inside regions)`,
  );
  return `${lines.join("\n")}\n`;
}
