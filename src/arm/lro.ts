// Long-running-operation headers, as both az's and the JS SDK's pollers read them
// (shared/AZURE-CONTRACT.md §3.1): Azure-AsyncOperation to poll, Location for the result, and
// Retry-After: 1 (az treats 0 as "use the 30-second default").

import type { FastifyReply } from "fastify";
import type { OperationRecord } from "../ports/metadata-store.js";

export function operationUrl(publicUrl: string, operation: OperationRecord, apiVersion: string): string {
  return `${publicUrl}/subscriptions/${operation.subscriptionId}/providers/Microsoft.Compute/locations/${operation.location}/capsOperations/${operation.id}?api-version=${encodeURIComponent(apiVersion)}`;
}

export function setOperationHeaders(reply: FastifyReply, publicUrl: string, operation: OperationRecord, apiVersion: string, withLocation: boolean): void {
  const url = operationUrl(publicUrl, operation, apiVersion);
  void reply.header("azure-asyncoperation", url).header("retry-after", "1");
  if (withLocation) void reply.header("location", `${url}&monitor=true`);
}
