// uniqueString() and guid() exactly as Azure Resource Manager computes them, so that names a
// template derives from them are the same on Vitrine as on Azure. uniqueString is ARM's 64-bit
// Murmur variant (two 32-bit lanes, its own constants) over the UTF-8 of the arguments joined with
// "-", written as 13 base32 characters; guid is a UUID v5 in ARM's namespace over the same text.

const C1 = 0xab0e9789; // 2869860233
const C2 = 0x239b961b; // 597399067
const F1 = 0x85ebca6b;
const F2 = 0xc2b2ae35;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const mul = (a: number, b: number): number => Math.imul(a, b) >>> 0;
const le32 = (data: Uint8Array, at: number, count: number): number => {
  let value = 0;
  for (let i = count - 1; i >= 0; i--) value = ((value << 8) | (data[at + i] ?? 0)) >>> 0;
  return value;
};
const fmix = (h: number): number => {
  h = mul(h ^ (h >>> 16), F1);
  h = mul(h ^ (h >>> 13), F2);
  return (h ^ (h >>> 16)) >>> 0;
};

/** ARM's MurmurHash64 of `data` (seed 0). */
export function murmurHash64(data: Uint8Array): bigint {
  const length = data.length;
  let h1 = 0;
  let h2 = 0;
  let index = 0;
  for (; index + 7 < length; index += 8) {
    const k1 = mul(rotl(mul(le32(data, index, 4), C2), 15), C1);
    h1 = (mul((rotl((h1 ^ k1) >>> 0, 19) + h2) >>> 0, 5) + 0x561ccd1b) >>> 0;
    const k2 = mul(rotl(mul(le32(data, index + 4, 4), C1), 17), C2);
    h2 = (mul((rotl((h2 ^ k2) >>> 0, 13) + h1) >>> 0, 5) + 0x0bcaa747) >>> 0;
  }
  const tail = length - index;
  if (tail > 0) {
    h1 = (h1 ^ mul(rotl(mul(le32(data, index, Math.min(tail, 4)), C2), 15), C1)) >>> 0;
    if (tail > 4) h2 = (h2 ^ mul(rotl(mul(le32(data, index + 4, tail - 4), C1), 17), C2)) >>> 0;
  }
  h1 = (h1 ^ length) >>> 0;
  h2 = (h2 ^ length) >>> 0;
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) >>> 0;
  h2 = (h2 + h1) >>> 0;
  return (BigInt(h2) << 32n) | BigInt(h1);
}

const BASE32 = "abcdefghijklmnopqrstuvwxyz234567";

export function uniqueString(values: readonly string[]): string {
  let hash = murmurHash64(new TextEncoder().encode(values.join("-")));
  let out = "";
  for (let i = 0; i < 13; i++) {
    out += BASE32[Number(hash >> 59n)];
    hash = (hash << 5n) & 0xffffffffffffffffn;
  }
  return out;
}

/** ARM's namespace for guid(): UUID v5 names are hashed after it. */
const ARM_NAMESPACE = "11fb06fb-712d-4ddd-98c7-e71bbd588830";

/** `sha1` comes from the caller: core does no cryptography of its own. */
export function armGuid(values: readonly string[], sha1: (data: Uint8Array) => Uint8Array): string {
  const namespace = ARM_NAMESPACE.replaceAll("-", "").match(/../g)?.map((byte) => parseInt(byte, 16)) ?? [];
  const hash = Uint8Array.from(sha1(new Uint8Array([...namespace, ...new TextEncoder().encode(values.join("-"))])));
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = [...hash.subarray(0, 16)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
