/** mulberry32: a small seeded PRNG (uniform in [0, 1)), so a randomized run can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed from `value` (an env variable), or a fresh one to print so the run can be replayed. */
export function seedFrom(value: string | undefined): number {
  return value !== undefined && value !== '' ? Number(value) : Date.now() % 1_000_000;
}
