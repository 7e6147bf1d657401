/**
 * MurmurHash3 x86_128 (Austin Appleby, public domain) over a string, for the compact dedupe window.
 *
 * Strings whose code units are all below 256 are hashed as those bytes (so an ASCII key hashes
 * exactly as the reference implementation hashes its bytes: test/unit/lib/dedupe-window.test.ts checks
 * published vectors); any other string is hashed as its UTF-16LE bytes under another seed. Both byte
 * views are injective, and the two domains differ by seed, so distinct strings collide only by chance
 * (2^-128 per pair). Not a cryptographic hash: see the note in compact-window.ts.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

let scratch = new Uint8Array(1024);

/** Four 32-bit lanes h1..h4 of the last hash (overwritten by the next call). */
export const lanes = new Uint32Array(4);

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/** MurmurHash3_x86_128 of bytes[0, length) with a 32-bit seed, into `lanes`. */
export function murmur3x86_128(bytes: Uint8Array, length: number, seed: number): void {
  let h1 = seed >>> 0;
  let h2 = h1;
  let h3 = h1;
  let h4 = h1;
  const blocks = length & ~15;
  let i = 0;
  for (; i < blocks; i += 16) {
    let k1 = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    let k2 = bytes[i + 4] | (bytes[i + 5] << 8) | (bytes[i + 6] << 16) | (bytes[i + 7] << 24);
    let k3 = bytes[i + 8] | (bytes[i + 9] << 8) | (bytes[i + 10] << 16) | (bytes[i + 11] << 24);
    let k4 = bytes[i + 12] | (bytes[i + 13] << 8) | (bytes[i + 14] << 16) | (bytes[i + 15] << 24);

    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
    h1 = (h1 << 19) | (h1 >>> 13);
    h1 = (h1 + h2) | 0;
    h1 = (Math.imul(h1, 5) + 0x561ccd1b) | 0;

    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    k2 = Math.imul(k2, C3);
    h2 ^= k2;
    h2 = (h2 << 17) | (h2 >>> 15);
    h2 = (h2 + h3) | 0;
    h2 = (Math.imul(h2, 5) + 0x0bcaa747) | 0;

    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    k3 = Math.imul(k3, C4);
    h3 ^= k3;
    h3 = (h3 << 15) | (h3 >>> 17);
    h3 = (h3 + h4) | 0;
    h3 = (Math.imul(h3, 5) + 0x96cd1c35) | 0;

    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    k4 = Math.imul(k4, C1);
    h4 ^= k4;
    h4 = (h4 << 13) | (h4 >>> 19);
    h4 = (h4 + h1) | 0;
    h4 = (Math.imul(h4, 5) + 0x32ac3b17) | 0;
  }

  let k1 = 0;
  let k2 = 0;
  let k3 = 0;
  let k4 = 0;
  const tail = length & 15;
  // The reference's fall-through switch over the tail bytes, as loops.
  for (let t = tail - 1; t >= 12; t--) k4 ^= bytes[i + t] << ((t - 12) * 8);
  if (tail > 12) {
    k4 = Math.imul(k4, C4);
    k4 = (k4 << 18) | (k4 >>> 14);
    k4 = Math.imul(k4, C1);
    h4 ^= k4;
  }
  for (let t = Math.min(tail, 12) - 1; t >= 8; t--) k3 ^= bytes[i + t] << ((t - 8) * 8);
  if (tail > 8) {
    k3 = Math.imul(k3, C3);
    k3 = (k3 << 17) | (k3 >>> 15);
    k3 = Math.imul(k3, C4);
    h3 ^= k3;
  }
  for (let t = Math.min(tail, 8) - 1; t >= 4; t--) k2 ^= bytes[i + t] << ((t - 4) * 8);
  if (tail > 4) {
    k2 = Math.imul(k2, C2);
    k2 = (k2 << 16) | (k2 >>> 16);
    k2 = Math.imul(k2, C3);
    h2 ^= k2;
  }
  for (let t = Math.min(tail, 4) - 1; t >= 0; t--) k1 ^= bytes[i + t] << (t * 8);
  if (tail > 0) {
    k1 = Math.imul(k1, C1);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, C2);
    h1 ^= k1;
  }

  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2) | 0;
  h1 = (h1 + h3) | 0;
  h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix32(h1);
  h2 = fmix32(h2);
  h3 = fmix32(h3);
  h4 = fmix32(h4);
  h1 = (h1 + h2) | 0;
  h1 = (h1 + h3) | 0;
  h1 = (h1 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  lanes[0] = h1;
  lanes[1] = h2;
  lanes[2] = h3;
  lanes[3] = h4;
}

/** Seed for strings that are not Latin-1 (hashed as UTF-16LE bytes): another domain than `seed`. */
const WIDE_SEED_XOR = 0x5bd1e995;

/** MurmurHash3_x86_128 of a string (see the module note), into `lanes`. */
export function hashString(s: string, seed: number): void {
  const n = s.length;
  if (scratch.length < 2 * n) scratch = new Uint8Array(Math.max(2 * n, 2 * scratch.length));
  const bytes = scratch;
  let wide = false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) {
      wide = true;
      break;
    }
    bytes[i] = c;
  }
  if (!wide) return murmur3x86_128(bytes, n, seed);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    bytes[2 * i] = c & 0xff;
    bytes[2 * i + 1] = c >>> 8;
  }
  murmur3x86_128(bytes, 2 * n, seed ^ WIDE_SEED_XOR);
}
