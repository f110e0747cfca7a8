/**
 * `npm run token -- --user ID [--groups a,b] [--ttl SECONDS]`: prints only a JWT the local API accepts.
 * Reads (or creates) the local issuer's key under REELFLOW_DATA_DIR; the stack need not be running.
 */
import { Command } from 'commander';
import { readLocalConfig } from '../config';
import { localIssuerUrl, openLocalIssuer } from './issuer';

const options = new Command('token')
  .requiredOption('--user <id>', 'the user id (the token sub)')
  .option('--groups <groups>', 'comma-separated cognito:groups, e.g. finance,operators', '')
  .option('--ttl <seconds>', 'lifetime in seconds', '43200')
  .parse()
  .opts<{ user: string; groups: string; ttl: string }>();

const config = readLocalConfig();
const issuer = await openLocalIssuer({ dataDir: config.dataDir, issuer: localIssuerUrl(config.port) });
const groups = options.groups
  .split(',')
  .map((group) => group.trim())
  .filter(Boolean);
process.stdout.write(`${await issuer.sign(options.user, { groups, ttlSeconds: Number(options.ttl) })}\n`);
