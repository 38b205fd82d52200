// A small seeded PRNG (sfc32) and the draws the CRM generator needs. Never Math.random: the same
// seed must give the same installation on every machine and every run.

/** 32-bit FNV-1a of a string, used to derive independent streams from (seed, name). */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream for `name` under `seed`: different names give independent streams. */
  constructor(seed: number, name = '') {
    this.a = hash32(`a:${seed}:${name}`);
    this.b = hash32(`b:${seed}:${name}`);
    this.c = hash32(`c:${seed}:${name}`);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform unsigned 32-bit integer (sfc32). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.float() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /** A uniform unsigned 63-bit integer as a bigint (values above 2^53 are common). */
  bigint63(): bigint {
    return ((BigInt(this.next() & 0x7fffffff) << 32n) | BigInt(this.next())) & 0x7fffffffffffffffn;
  }

  /** `length` pseudo-random bytes. */
  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE(this.next(), i);
    for (; i < length; i++) out[i] = this.next() & 0xff;
    return out;
  }
}
