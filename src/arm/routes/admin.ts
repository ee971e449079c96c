// Vitrine's own administration API (not part of ARM, which leaves the directory to Entra ID):
// tenants, subscriptions, service principals (and their consent in other tenants), users, groups
// and their members, and restricted regions. `vitrine admin ...` is its client. Only the administrator principal
// created at first start may call it; the region catalog is readable by any signed-in caller.

import type { FastifyInstance, FastifyRequest } from "fastify";
import { errors } from "../../core/errors.js";
import { REGIONS } from "../../core/regions.js";
import type { ServicePrincipalRecord, UserRecord } from "../../ports/metadata-store.js";
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
    const subscription = await directory.createSubscription(text(request, "tenantId"), text(request, "displayName"));
    // The subscription's first owner, as the account administrator of a new Azure subscription.
    const owner = ((request.body ?? {}) as Body).ownerObjectId;
    if (typeof owner === "string" && owner !== "") await directory.assignOwner(`/subscriptions/${subscription.id}`, owner);
    return reply.status(201).send(subscription);
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
  registerDirectoryRoutes(app, context, asAdmin, text);
}

const withoutSecret = ({ secretHash: _secretHash, ...principal }: ServicePrincipalRecord) => principal;
const withoutPassword = ({ passwordHash: _passwordHash, ...user }: UserRecord) => user;

/** Users, groups and their members, and a multi-tenant app's consent in another tenant. */
function registerDirectoryRoutes(app: FastifyInstance, context: ServerContext, asAdmin: (request: FastifyRequest, action: string) => Promise<void>, text: (request: FastifyRequest, name: string) => string): void {
  const { directory } = context;
  app.post(`${ADMIN_PREFIX}/servicePrincipals/:appId/consent`, async (request: FastifyRequest<{ Params: { appId: string } }>, reply) => {
    await asAdmin(request, "servicePrincipals/consent");
    return reply.status(201).send(withoutSecret(await directory.consent(request.params.appId, text(request, "tenantId"))));
  });

  app.get(`${ADMIN_PREFIX}/users`, async (request) => {
    await asAdmin(request, "users/read");
    return { value: (await directory.listUsers((request.query as Query).tenantId)).map(withoutPassword) };
  });
  app.post(`${ADMIN_PREFIX}/users`, async (request, reply) => {
    await asAdmin(request, "users/write");
    const password = ((request.body ?? {}) as Body).password;
    const { user, password: chosen } = await directory.createUser(
      text(request, "tenantId"),
      text(request, "userPrincipalName"),
      text(request, "displayName"),
      typeof password === "string" && password !== "" ? password : undefined,
    );
    return reply.status(201).send({ ...withoutPassword(user), ...(password === undefined && { password: chosen }) });
  });

  app.get(`${ADMIN_PREFIX}/groups`, async (request) => {
    await asAdmin(request, "groups/read");
    return { value: await directory.listGroups((request.query as Query).tenantId) };
  });
  app.post(`${ADMIN_PREFIX}/groups`, async (request, reply) => {
    await asAdmin(request, "groups/write");
    return reply.status(201).send(await directory.createGroup(text(request, "tenantId"), text(request, "displayName")));
  });
  app.get(`${ADMIN_PREFIX}/groups/:groupId/members`, async (request: FastifyRequest<{ Params: { groupId: string } }>) => {
    await asAdmin(request, "groups/members/read");
    return { value: await directory.listMembers(request.params.groupId) };
  });
  app.post(`${ADMIN_PREFIX}/groups/:groupId/members`, async (request: FastifyRequest<{ Params: { groupId: string } }>, reply) => {
    await asAdmin(request, "groups/members/write");
    await directory.addMember(request.params.groupId, text(request, "memberId"));
    return reply.status(204).send();
  });
  app.delete(`${ADMIN_PREFIX}/groups/:groupId/members/:memberId`, async (request: FastifyRequest<{ Params: { groupId: string; memberId: string } }>, reply) => {
    await asAdmin(request, "groups/members/delete");
    return reply.status((await directory.removeMember(request.params.groupId, request.params.memberId)) ? 204 : 404).send();
  });
}
