// Bearer tokens on every ARM request: a valid, unexpired token of this server's issuer whose
// audience is this server. Authorization (who may do what) is the access issue's; here every
// authenticated principal acts within its own tenant.

import type { FastifyRequest } from "fastify";
import { errors } from "../core/errors.js";
import type { Caller } from "../core/services/subscriptions.js";
import type { ServerContext } from "./context.js";
import { allowedAudiences } from "./routes/identity.js";

export async function authenticate(context: ServerContext, request: FastifyRequest): Promise<Caller> {
  const header = request.headers.authorization;
  if (!header) throw errors.authenticationMissing();
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) throw errors.authenticationMalformed();
  const result = await context.tokens.verify(match[1], allowedAudiences(context), context.publicUrl());
  if (result.ok) {
    const { claims } = result;
    return { tenantId: claims.tid, objectId: claims.oid, appId: claims.appid, issuer: claims.iss };
  }
  switch (result.reason) {
    case "expired":
      throw errors.expiredToken(result.expiredAt.toISOString());
    case "audience":
      throw errors.invalidTokenAudience(result.audience);
    case "invalid":
      throw errors.invalidToken(result.detail);
  }
}
