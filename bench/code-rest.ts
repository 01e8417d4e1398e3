// Code-service REST benchmark: requests/s of `POST /api/v/1/code/{sk}/{name}`
// running a trivial micro service against a plain Fastify route doing the same work (add two numbers, answer
// the ClearBlade envelope), measured in one run on this machine: warm runs (the default: a warm context per
// version, a fresh scope per run) and, beside it, the same service saved with `strict_isolation` (a fresh
// V8 context per run). Target: warm ratio >= 0.5. The load comes from a worker thread (keep-alive HTTP, fixed concurrency, bounded in
// requests and time) so the server's thread does only server work.
// Run: npm run bench -- code-rest   or   node --no-node-snapshot --import tsx bench/code-rest.ts
import { Worker } from 'node:worker_threads';
import Fastify from 'fastify';
import { clearBladeHeaders, createRestClient } from '../bin/cli/rest-client.js';
import { startBenchPlatform } from './lib/platform.js';

interface LoadJob {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly maxRequests: number;
  readonly maxMs: number;
}

interface LoadResult {
  readonly done: number;
  readonly failed: number;
  readonly ms: number;
  readonly sample: string;
}

// ---------------------------------------------------------------- load generator (worker thread)

/**
 * The load generator, plain JavaScript evaluated in a worker (no TypeScript loader needed there):
 * `connections` keep-alive lanes each send one request after the other until `maxRequests` were started
 * or `maxMs` passed, then it posts `{done, failed, ms, sample}`.
 */
const LOAD_WORKER = `
const { Agent, request } = require('node:http');
const { performance } = require('node:perf_hooks');
const { parentPort, workerData: job } = require('node:worker_threads');
const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
const url = new URL(job.url);
let started = 0, done = 0, failed = 0, sample = '';
const t0 = performance.now();
const one = () => new Promise((resolve) => {
  const req = request({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST',
    headers: { ...job.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(job.body) } },
    (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => { if (res.statusCode === 200) done++; else failed++; sample ||= Buffer.concat(chunks).toString(); resolve(); });
    });
  req.setNoDelay(true);
  req.on('error', () => { failed++; resolve(); });
  req.end(job.body);
});
const lane = async () => { while (started < job.maxRequests && performance.now() - t0 < job.maxMs) { started++; await one(); } };
Promise.all(Array.from({ length: job.connections }, lane)).then(() => {
  const ms = performance.now() - t0;
  agent.destroy();
  parentPort.postMessage({ done, failed, ms, sample });
});
`;

function runLoad(job: LoadJob): Promise<LoadResult> {
  const worker = new Worker(LOAD_WORKER, { eval: true, workerData: job });
  return new Promise((resolve, reject) => {
    worker.once('message', (r: LoadResult) => {
      resolve(r);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

// ---------------------------------------------------------------- the two servers

async function plainServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  app.post<{ Body: { lhs: number; rhs: number } }>('/add', (req) => ({
    success: true,
    results: req.body.lhs + req.body.rhs,
  }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${String(port)}/add`, close: () => app.close() };
}

async function platformServer(): Promise<{
  url: string;
  strictUrl: string;
  headers: Record<string, string>;
  close: () => Promise<void>;
}> {
  const { platform, ports, close } = await startBenchPlatform('code');
  const identity = platform.identity;
  const dev = await identity.developerByEmail('bench@isobar.local');
  if (dev === undefined) throw new Error('no developer');
  const system = await identity.createSystem(dev.id, { name: 'bench' });
  const token = (await identity.loginDeveloper('bench@isobar.local', 'bench-pass-1')).token;
  const base = `http://127.0.0.1:${String(ports.http)}`;
  // Setup goes through the project's one REST client; the load itself stays on raw keep-alive requests.
  const asDev = createRestClient(base, clearBladeHeaders.dev(token));
  for (const [name, strict] of [
    ['Add', false],
    ['AddStrict', true],
  ] as const) {
    await asDev.request('POST', `/admin/code/v/1/${system.systemKey}/${name}`, {
      body: {
        code: `function ${name}(req, resp) { resp.success(req.params.lhs + req.params.rhs); }`,
        strict_isolation: strict,
      },
    });
  }
  return {
    url: `${base}/api/v/1/code/${system.systemKey}/Add`,
    strictUrl: `${base}/api/v/1/code/${system.systemKey}/AddStrict`,
    headers: { 'ClearBlade-DevToken': token },
    close,
  };
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16);
  const maxRequests = Number(process.env.BENCH_REQUESTS ?? 40_000);
  const maxMs = Number(process.env.BENCH_MS ?? 8000);
  const body = JSON.stringify({ lhs: 3, rhs: 4 });
  const measure = async (label: string, url: string, headers: Record<string, string>) => {
    await runLoad({ url, headers, body, connections, maxRequests: 2000, maxMs: 2000 }); // warm-up
    const r = await runLoad({ url, headers, body, connections, maxRequests, maxMs });
    const rps = (r.done / r.ms) * 1000;
    console.log(
      `${label.padEnd(28)} ${rps.toFixed(0).padStart(7)} req/s  (${String(r.done)} ok, ${String(r.failed)} failed, ${(r.ms / 1000).toFixed(1)} s)  ${r.sample}`,
    );
    return rps;
  };
  console.log(
    `code-rest: ${String(connections)} keep-alive connections, up to ${String(maxRequests)} requests or ${String(maxMs)} ms each`,
  );
  const plain = await plainServer();
  const baseline = await measure('plain Fastify route', plain.url, {});
  await plain.close();
  const platform = await platformServer();
  const service = await measure('POST /api/v/1/code (warm)', platform.url, platform.headers);
  const strict = await measure('POST /api/v/1/code (strict)', platform.strictUrl, platform.headers);
  await platform.close();
  const ratio = service / baseline;
  console.log(
    `ratio warm/baseline: ${ratio.toFixed(2)}x (target >= 0.50) ${ratio >= 0.5 ? 'OK' : 'BELOW TARGET'}; strict/baseline: ${(strict / baseline).toFixed(2)}x`,
  );
}

await main();
