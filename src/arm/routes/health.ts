// Liveness and readiness for load balancers and orchestrators: unauthenticated, tiny, no ARM
// envelope. /healthz says the process serves; /readyz that what a request needs answers too.

import type { FastifyInstance } from "fastify";

export interface ReadinessCheck {
  name: string;
  /** Throws (or rejects) when the dependency is not usable. */
  check(): Promise<void>;
}

export function registerHealthRoutes(app: FastifyInstance, checks: readonly ReadinessCheck[]): void {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const results = await Promise.all(
      checks.map(async ({ name, check }) => {
        try {
          await check();
          return [name, "ok"] as const;
        } catch (error) {
          return [name, error instanceof Error ? error.message : String(error)] as const;
        }
      }),
    );
    const ready = results.every(([, result]) => result === "ok");
    return reply.status(ready ? 200 : 503).send({ status: ready ? "ok" : "unavailable", checks: Object.fromEntries(results) });
  });
}
