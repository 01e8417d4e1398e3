// TLS material for the TLS and WSS listeners: the configured PEM pair, or a self-signed pair generated
// into `<dataDir>/tls` on first start and reused afterwards (node:crypto cannot make X.509 certificates).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { Log } from '../runtime-api/log.js';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

/** Reads the configured pair, or loads/creates the generated one. */
export async function loadTls(
  configured: { readonly cert: string; readonly key: string } | undefined,
  dataDir: string,
  log: Log,
): Promise<TlsMaterial> {
  if (configured !== undefined) {
    return { cert: readFileSync(configured.cert, 'utf8'), key: readFileSync(configured.key, 'utf8') };
  }
  const dir = join(dataDir, 'tls');
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  if (existsSync(certPath) && existsSync(keyPath)) {
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8') };
  }
  mkdirSync(dir, { recursive: true });
  const pems = await generate([{ name: 'commonName', value: 'isobar' }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  writeFileSync(keyPath, pems.private, { mode: 0o600 });
  writeFileSync(certPath, pems.cert);
  log.info('generated a self-signed TLS certificate', { cert: certPath });
  return { cert: pems.cert, key: pems.private };
}
