// Access tokens: RS256 JWTs signed with a key kept in the metadata store (so every server of a
// scaled-out deployment signs and checks with the same key), published as a JWKS.

import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, errors as joseErrors, type JWK } from "jose";
import type { Clock } from "../ports/clock.js";
import type { MetadataStore } from "../ports/metadata-store.js";

export const TOKEN_LIFETIME_SECONDS = 3600;
const CLOCK_TOLERANCE_SECONDS = 60;
/** Verified tokens remembered (oldest forgotten first): one per active client, comfortably. */
const VERIFIED_CACHE_SIZE = 10_000;
const SIGNING_KEY_SETTING = "jwt-signing-key";

/** Whom a token is for: a service principal (client credentials) or a user (password sign-in). */
export interface TokenSubject {
  tenantId: string;
  objectId: string;
  /** The client the token was asked by: the service principal's app, or the client a user signed in with. */
  appId: string;
  /** A user's sign-in name; absent for applications. */
  userPrincipalName?: string;
  /** Object ids of the groups the subject is in (informational: checks read membership live). */
  groups: string[];
}

export interface TokenClaims {
  tid: string;
  oid: string;
  appid: string;
  aud: string;
  iss: string;
  exp: number;
}

export type VerifyResult =
  | { ok: true; claims: TokenClaims }
  | { ok: false; reason: "expired"; expiredAt: Date }
  | { ok: false; reason: "audience"; audience: string }
  | { ok: false; reason: "invalid"; detail: string };

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export class TokenService {
  private readonly verified = new Map<string, TokenClaims>();

  private constructor(
    private readonly privateKey: KeyLike,
    private readonly publicKey: KeyLike,
    readonly publicJwk: JWK,
    private readonly clock: Clock,
  ) {}

  /** Loads the signing key from the store, creating it on first start (first server wins). */
  static async open(store: MetadataStore, clock: Clock): Promise<TokenService> {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const candidate = { ...(await exportJWK(privateKey)), kid: `vitrine-${clock.now().getTime().toString(36)}`, alg: "RS256" };
    const stored = JSON.parse(await store.initSetting(SIGNING_KEY_SETTING, JSON.stringify(candidate))) as JWK;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = stored;
    return new TokenService(await importJWK(stored, "RS256"), await importJWK(publicJwk, "RS256"), { ...publicJwk, use: "sig" }, clock);
  }

  /** The issuer URL of a tenant on this server. */
  static issuer(authorityHost: string, tenantId: string): string {
    return `${authorityHost}/${tenantId}/`;
  }

  async issue(subject: TokenSubject, audience: string, authorityHost: string): Promise<{ token: string; expiresIn: number }> {
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const token = await new SignJWT({
      tid: subject.tenantId,
      oid: subject.objectId,
      appid: subject.appId,
      idtyp: subject.userPrincipalName === undefined ? "app" : "user",
      ...(subject.userPrincipalName !== undefined && { upn: subject.userPrincipalName, unique_name: subject.userPrincipalName }),
      groups: subject.groups,
      ver: "1.0",
    })
      .setProtectedHeader({ alg: "RS256", kid: this.publicJwk.kid, typ: "JWT" })
      .setSubject(subject.objectId)
      .setAudience(audience)
      .setIssuer(TokenService.issuer(authorityHost, subject.tenantId))
      .setIssuedAt(now)
      .setNotBefore(now - 300)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .sign(this.privateKey);
    return { token, expiresIn: TOKEN_LIFETIME_SECONDS };
  }

  /**
   * Checks signature, expiry, issuer and that the audience is one of `audiences` (trailing slashes
   * ignored). A token that passed is remembered until it expires: clients send the same token with
   * every request for an hour, and its RSA signature check was the largest cost of a cheap GET.
   */
  async verify(token: string, audiences: readonly string[], authorityHost: string): Promise<VerifyResult> {
    const key = `${authorityHost} ${audiences.join(" ")} ${token}`;
    const known = this.verified.get(key);
    if (known) {
      if (this.clock.now().getTime() / 1000 <= known.exp + CLOCK_TOLERANCE_SECONDS) return { ok: true, claims: known };
      this.verified.delete(key);
    }
    const result = await this.verifyNow(token, audiences, authorityHost);
    if (result.ok) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(key, result.claims);
    }
    return result;
  }

  private async verifyNow(token: string, audiences: readonly string[], authorityHost: string): Promise<VerifyResult> {
    try {
      const { payload } = await jwtVerify(token, this.publicKey, {
        algorithms: ["RS256"],
        currentDate: this.clock.now(),
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const claims = payload as unknown as TokenClaims;
      const wanted = audiences.map(trimSlashes);
      if (typeof claims.aud !== "string" || !wanted.includes(trimSlashes(claims.aud))) {
        return { ok: false, reason: "audience", audience: String(claims.aud) };
      }
      if (typeof claims.tid !== "string" || claims.iss !== TokenService.issuer(authorityHost, claims.tid)) {
        return { ok: false, reason: "invalid", detail: "The issuer is not this server." };
      }
      return { ok: true, claims };
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) {
        return { ok: false, reason: "expired", expiredAt: new Date(Number(error.payload.exp) * 1000) };
      }
      return { ok: false, reason: "invalid", detail: error instanceof Error ? error.message : String(error) };
    }
  }
}

const trimSlashes = (s: string): string => s.replace(/\/+$/, "").toLowerCase();
