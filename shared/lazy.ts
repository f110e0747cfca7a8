/**
 * A value built on first use and kept: `lazy(() => z.object(...))` returns a getter that builds the schema the first
 * time it is called and returns that same object afterwards. Module-scope zod schemas are built when their module is
 * imported, on the cold start of every function that imports the module whether it uses them or not; behind a getter
 * a function builds only the schemas it uses, when it first uses them. The same object on every call keeps identity
 * checks (the OpenAPI document's `zodSchema === ...`) working.
 */
export function lazy<T>(build: () => T): () => T {
  let built = false;
  let value: T;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value;
  };
}
