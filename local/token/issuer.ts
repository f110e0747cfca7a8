import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';

/** The fixed app client id of the local issuer (what Cognito's app client id is in AWS). */
export const LOCAL_CLIENT_ID = 'reelflow-local-client';
const ALGORITHM = 'ES256';
const DEFAULT_TTL_SECONDS = 12 * 60 * 60;

/** The local stand-in for the Cognito user pool: one ES256 key pair kept under the data dir. */
export interface LocalIssuer {
  /** The issuer URL (`iss`): the local API's base URL, so a token of another local stack is rejected. */
  readonly issuer: string;
  readonly audience: string;
  /** Signs an access token for `userId` with the given `cognito:groups`. */
  sign(userId: string, options?: { groups?: string[]; ttlSeconds?: number }): Promise<string>;
  /** Verifies a bearer token as the API Gateway JWT authorizer does; throws on any defect. */
  verify(token: string): Promise<JWTPayload>;
  /** The public key set served at `/.well-known/jwks.json`. */
  readonly jwks: { keys: JWK[] };
}

/** The issuer URL of a local stack listening on `port`. */
export function localIssuerUrl(port: number): string {
  return `http://localhost:${port}`;
}

/**
 * Opens the local issuer whose key lives in `<dataDir>/issuer/signing-key.json`, generating the key on first use.
 * Works whether or not the stack runs: the CLI and the API server read the same file.
 */
export async function openLocalIssuer(options: { dataDir: string; issuer: string }): Promise<LocalIssuer> {
  const privateJwk = await loadOrCreateKey(join(options.dataDir, 'issuer'));
  const { d: _private, ...publicJwk } = privateJwk;
  const privateKey = await importJWK(privateJwk, ALGORITHM);
  const publicKey = await importJWK(publicJwk, ALGORITHM);
  const { issuer } = options;

  return {
    issuer,
    audience: LOCAL_CLIENT_ID,
    jwks: { keys: [{ ...publicJwk, use: 'sig', alg: ALGORITHM }] },
    sign: (userId, signOptions = {}) =>
      new SignJWT({
        token_use: 'access',
        client_id: LOCAL_CLIENT_ID,
        'cognito:groups': signOptions.groups ?? [],
        username: userId,
        scope: 'aws.cognito.signin.user.admin',
      })
        .setProtectedHeader({ alg: ALGORITHM, kid: privateJwk.kid ?? 'local', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(LOCAL_CLIENT_ID)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime(Math.floor(Date.now() / 1000) + (signOptions.ttlSeconds ?? DEFAULT_TTL_SECONDS))
        .sign(privateKey),
    verify: async (token) => {
      // Like the API Gateway JWT authorizer: signature by the issuer's key, iss, exp/nbf, aud or client_id, and a sub.
      const { payload } = await jwtVerify(token, publicKey, { issuer, algorithms: [ALGORITHM], clockTolerance: 0 });
      const audiences = [payload.aud, payload.client_id].flat().filter((value) => typeof value === 'string');
      if (!audiences.includes(LOCAL_CLIENT_ID)) throw new Error('token audience is not the local client');
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) throw new Error('token has no sub');
      return payload;
    },
  };
}

async function loadOrCreateKey(directory: string): Promise<JWK> {
  const file = join(directory, 'signing-key.json');
  try {
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: randomUUID() };
  await mkdir(directory, { recursive: true });
  // Write a private temp file, then hard-link it into place: link is atomic and fails if another process won.
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, JSON.stringify(jwk), { mode: 0o600 });
  try {
    await link(temporary, file);
    return jwk;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return JSON.parse(await readFile(file, 'utf8')) as JWK;
  } finally {
    await rm(temporary, { force: true });
  }
}
