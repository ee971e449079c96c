// Prometheus metrics (prom-client): requests by route and status, long-running operations, bytes
// replicated per region pair and replica reads. The services report through the Telemetry port;
// this is the only place that knows the exporter.

import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Telemetry } from "../ports/telemetry.js";

export interface MetricsSources {
  /** Operations InProgress in the store: the whole deployment's, queued and running. */
  operationsInProgress(): Promise<number>;
  /** Operations this process is running. */
  operationsRunning(): number;
  /** Log line of a completed copy (the one record of who copied what, across processes). */
  logCopy(fields: Record<string, unknown>): void;
}

export class Metrics implements Telemetry {
  readonly registry = new Registry();
  private readonly requests = new Histogram({
    name: "vitrine_http_request_duration_seconds",
    help: "HTTP requests by method, route (the ARM resource type path, names left out) and status code.",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  private readonly finished = new Counter({ name: "vitrine_operations_finished_total", help: "Long-running operations this process ran to an end, by status.", labelNames: ["status"] as const, registers: [this.registry] });
  private readonly replicated = new Counter({ name: "vitrine_replicated_bytes_total", help: "Bytes copied to complete replicas, by source and target region.", labelNames: ["from", "to"] as const, registers: [this.registry] });
  private readonly copies = new Counter({ name: "vitrine_replica_copies_total", help: "Replica copies this process completed, by target region.", labelNames: ["region"] as const, registers: [this.registry] });
  private readonly reads = new Counter({ name: "vitrine_replica_reads_total", help: "Content reads served from a replica (deployments, downloads), by region.", labelNames: ["region"] as const, registers: [this.registry] });

  constructor(private readonly sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: "vitrine_process_" });
    new Gauge({
      name: "vitrine_operations_in_progress",
      help: "Long-running operations InProgress in the database (all processes): queued plus running.",
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await sources.operationsInProgress());
      },
    });
    new Gauge({
      name: "vitrine_operations_running",
      help: "Long-running operations this process is running.",
      registers: [this.registry],
      collect: function (this: Gauge) {
        this.set(sources.operationsRunning());
      },
    });
  }

  operationFinished(status: "Succeeded" | "Failed"): void {
    this.finished.inc({ status });
  }

  replicaCopied(copy: { versionId: string; region: string; index: number; from: string; bytes: number }): void {
    this.replicated.inc({ from: copy.from, to: copy.region }, copy.bytes);
    this.copies.inc({ region: copy.region });
    this.sources.logCopy(copy);
  }

  replicaRead(region: string): void {
    this.reads.inc({ region });
  }

  /**
   * Times every request, and serves GET /metrics: open when no `token` is configured (the
   * deployment keeps the port off the internet), else to `Authorization: Bearer <token>` only.
   */
  install(app: FastifyInstance, token: string | undefined): void {
    app.addHook("onResponse", (request, reply, done) => {
      this.requests.observe({ method: request.method, route: routeOf(request), status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
    app.get("/metrics", async (request, reply) => {
      if (token !== undefined && !bearerMatches(request.headers.authorization, token)) return reply.status(401).header("www-authenticate", "Bearer").send({ error: "a bearer token is required" });
      return reply.header("content-type", this.registry.contentType).send(await this.registry.metrics());
    });
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, "") ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A route label of bounded cardinality: the registered pattern where it names the route, else (the
 * ARM catch-all routes) the request path with every resource name replaced by `{}`, e.g.
 * /subscriptions/{}/resourcegroups/{}/providers/microsoft.compute/galleries/{}/images/{}/versions/{}.
 */
export function routeOf(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern === undefined) return "unmatched";
  if (!pattern.includes("*")) return pattern;
  const segments = (request.url.split("?")[0] ?? "").split("/").filter(Boolean);
  const out: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = (segments[i] ?? "").toLowerCase();
    out.push(segment);
    // After `providers` comes a namespace, then type/name pairs again.
    if (segment === "providers" && i + 1 < segments.length) out.push((segments[++i] ?? "").toLowerCase());
    else if (i + 1 < segments.length) {
      out.push("{}");
      i++;
    }
  }
  return `/${out.join("/")}`;
}
