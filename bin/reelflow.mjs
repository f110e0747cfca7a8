#!/usr/bin/env node
// The `reelflow` command (`npm install -g .` or `npm link`): the CLI is TypeScript run as is through tsx's loader
// (a runtime dependency), so there is no build step and no compiled copy to go stale. Node resolves this file's
// symlink, so the import below finds cli/main.ts in the package wherever the bin was linked from.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
