import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../local/http';

describe('listen', () => {
  it('binds to 127.0.0.1 unless told otherwise', async () => {
    const server = createServer();
    try {
      const port = await listen(server, 0);

      expect(server.address()).toMatchObject({ address: '127.0.0.1', port } satisfies Partial<AddressInfo>);
    } finally {
      await closeServer(server);
    }
  });

  it('binds to the host it is given', async () => {
    const server = createServer();
    try {
      await listen(server, 0, '0.0.0.0');

      expect((server.address() as AddressInfo).address).toBe('0.0.0.0');
    } finally {
      await closeServer(server);
    }
  });
});
