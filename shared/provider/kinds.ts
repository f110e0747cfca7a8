/*
 * The provider kinds' names, as plain data: the catalogue's routes name them (checked against this list at synth,
 * start and cold start), the registry (adapters.ts) has an adapter for each, and a video records the kind it was
 * admitted to. Besides the adapter folders, this module, the registry and the default catalogue's routes are the only
 * runtime code that names a kind (test/unit/architecture.test.ts); callers read an adapter's capabilities instead.
 */

/** Every provider kind reelflow has an adapter for. */
export const PROVIDER_KINDS = ['openai'] as const;

/** A provider kind's name. */
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

/** The kind of every video admitted before the catalogue recorded one: the `/v1/videos` provider of those days. */
export const LEGACY_PROVIDER_KIND: ProviderKind = 'openai';
