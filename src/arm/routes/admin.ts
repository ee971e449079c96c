// Vitrine's own administration API (not part of ARM): tenants, subscriptions, service principals
// and restricted regions. `vitrine admin ...` is its client. Only the administrator principal
// created at first start may call it; the region catalog is readable by any signed-in caller.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../../core/errors.js";
import { REGIONS } from "../../core/regions.js";
import type { ServicePrincipalRecord } from "../../ports/metadata-store.js";
import { authenticate } from "../auth.js";
import type { ServerContext } from "../context.js";

export const ADMIN_PREFIX = "/vitrine/admin";

type Body = Record<string, unknown>;
type Query = Record<string, string | undefined>;

export function registerAdminRoutes(app: FastifyInstance, context: ServerContext): void {
  const { directory } = context;
  const asAdmin = async (request: FastifyRequest, action: string) => {
    const caller = await authenticate(context, request);
    if (!(await directory.isAdministrator(caller.tenantId, caller.appId))) throw errors.adminOnly(caller.objectId, action);
  };
  const text = (request: FastifyRequest, name: string): string => {
    const value = ((request.body ?? {}) as Body)[name];
    if (typeof value !== "string" || value.trim() === "") throw errors.requiredParameterMissing(name);
    return value;
  };

  app.get(`${ADMIN_PREFIX}/regions`, async (request) => {
    await authenticate(context, request);
    return { value: REGIONS };
  });

  app.get(`${ADMIN_PREFIX}/tenants`, async (request) => {
    await asAdmin(request, "tenants/read");
    return { value: await directory.listTenants() };
  });
  app.post(`${ADMIN_PREFIX}/tenants`, async (request, reply) => {
    await asAdmin(request, "tenants/write");
    return reply.status(201).send(await directory.createTenant(text(request, "displayName")));
  });

  app.get(`${ADMIN_PREFIX}/subscriptions`, async (request) => {
    await asAdmin(request, "subscriptions/read");
    return { value: await directory.listSubscriptions((request.query as Query).tenantId) };
  });
  app.post(`${ADMIN_PREFIX}/subscriptions`, async (request, reply) => {
    await asAdmin(request, "subscriptions/write");
    return reply.status(201).send(await directory.createSubscription(text(request, "tenantId"), text(request, "displayName")));
  });
  app.post(`${ADMIN_PREFIX}/subscriptions/:id/allowRegion`, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    await asAdmin(request, "subscriptions/allowRegion");
    return directory.allowRegion(request.params.id, text(request, "region"));
  });

  app.get(`${ADMIN_PREFIX}/servicePrincipals`, async (request) => {
    await asAdmin(request, "servicePrincipals/read");
    return { value: (await directory.listServicePrincipals((request.query as Query).tenantId)).map(withoutSecret) };
  });
  app.post(`${ADMIN_PREFIX}/servicePrincipals`, async (request, reply) => {
    await asAdmin(request, "servicePrincipals/write");
    const { principal, secret } = await directory.createServicePrincipal(text(request, "tenantId"), text(request, "displayName"));
    return reply.status(201).send({ ...withoutSecret(principal), clientSecret: secret });
  });
  app.post(
    `${ADMIN_PREFIX}/servicePrincipals/:tenantId/:appId/resetSecret`,
    async (request: FastifyRequest<{ Params: { tenantId: string; appId: string } }>) => {
      await asAdmin(request, "servicePrincipals/resetSecret");
      const { principal, secret } = await directory.resetSecret(request.params.tenantId, request.params.appId);
      return { ...withoutSecret(principal), clientSecret: secret };
    },
  );
}

const withoutSecret = ({ secretHash: _secretHash, ...principal }: ServicePrincipalRecord) => principal;
