// `isobar init <dir>`: a service project to start from — a TypeScript service typed against the platform's
// globals (the isobar package's `types`, runtime-api/types/index.d.ts), and a local test that runs it
// against a fake host, so an author sees it work before the first push.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagOption, type SpecCommand, valueOption } from './parser.js';

/** The isobar package this CLI belongs to (linked as a file: dependency for its types). */
function packageRoot(): string {
  // bin/cli/init.ts from the sources, dist/cli.js (or a chunk beside it) when compiled: find package.json up.
  let dir = fileURLToPath(new URL('.', import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'build.json'))) {
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

/** The files of a new project, path → content. */
export function scaffoldFiles(project: string, service: string, isobarRoot: string): Record<string, string> {
  const pkg = {
    name: project,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      typecheck: 'tsc --noEmit -p .',
      test: `tsc --noEmit -p . && node --import tsx --test test/${service}.test.ts`,
      push: `isobar services push src/${service}.ts`,
    },
    devDependencies: { isobar: `file:${isobarRoot}`, tsx: '^4.20.0', typescript: '^5.9.0' },
  };
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      // The platform's globals (ClearBlade, log, req/resp types) and nothing of Node: services run in V8 isolates.
      types: ['isobar'],
    },
    include: ['src'],
  };
  return {
    'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(tsconfig, null, 2)}\n`,
    '.gitignore': 'node_modules/\n',
    [`src/${service}.ts`]: `// A micro service: runs when called over REST, by a trigger or a timer. It publishes the reading it is
// given to alerts/<id> and answers the doubled value. Push it: npm run push
interface Params {
  id?: string;
  value?: number;
}

export default function ${service}(req: CbServer.BasicReq<Params>, resp: CbServer.Resp): void {
  const value = Number(req.params.value ?? 0);
  log(\`reading \${String(value)} from \${req.params.id ?? 'unknown'}\`);
  ClearBlade.init({ request: req });
  ClearBlade.Messaging().publish(\`alerts/\${req.params.id ?? 'unknown'}\`, JSON.stringify({ value }));
  resp.success({ doubled: value * 2 });
}
`,
    'test/fake-host.ts': `// A fake host for local tests: the globals a service sees on the platform (ClearBlade.Messaging, log),
// recording what it publishes and logs, and a resp whose success/error end the run as they do there.
export interface Run {
  readonly success: boolean;
  readonly result: unknown;
  readonly published: Array<{ topic: string; payload: string }>;
  readonly logs: string[];
}

class End {
  constructor(
    readonly success: boolean,
    readonly result: unknown,
  ) {}
}

type Service = (req: never, resp: never) => void;

/** Runs \`service\` with \`params\` the way the platform would call it, and answers what it did. */
export function runService(service: Service, params: Record<string, unknown>): Run {
  const published: Run['published'] = [];
  const logs: string[] = [];
  const g = globalThis as Record<string, unknown>;
  g.log = (...parts: unknown[]) => logs.push(parts.map(String).join(' '));
  g.ClearBlade = {
    init: () => undefined,
    Messaging: () => ({
      publish: (topic: string, payload: string) => published.push({ topic, payload: String(payload) }),
    }),
  };
  const req = { params, systemKey: 'local', systemSecret: '', isLogging: true, service_instance_id: 'test' };
  const end = (success: boolean) => (result: unknown) => {
    throw new End(success, result);
  };
  const resp = { success: end(true), error: end(false), send: end(true), set: () => undefined, status: () => undefined };
  try {
    (service as (req: unknown, resp: unknown) => void)(req, resp);
  } catch (err) {
    if (err instanceof End) return { success: err.success, result: err.result, published, logs };
    return { success: false, result: String(err), published, logs };
  }
  return { success: false, result: 'the service ended without resp.success or resp.error', published, logs };
}
`,
    [`test/${service}.test.ts`]: `import { test } from 'node:test';
import assert from 'node:assert/strict';
import ${service} from '../src/${service}.js';
import { runService } from './fake-host.js';

test('doubles the reading and publishes it to alerts/<id>', () => {
  const run = runService(${service}, { id: 'dev-7', value: 21 });
  assert.equal(run.success, true);
  assert.deepEqual(run.result, { doubled: 42 });
  assert.deepEqual(run.published, [{ topic: 'alerts/dev-7', payload: '{"value":21}' }]);
});
`,
    'README.md': `# ${project}

An Isobar code service in TypeScript.

    npm install        # typescript, tsx, and the isobar package for the service types
    npm test           # type-check src/ against the platform's globals, run test/ against a fake host
    npm run push       # isobar services push src/${service}.ts (after \`isobar login\`, \`isobar systems use KEY\`)
    isobar services run ${service} --params '{"id":"dev-7","value":21}'
`,
  };
}

/** `isobar init <dir> [--service NAME]`. */
export const initSpec: SpecCommand = {
  summary: 'scaffold a TypeScript service project with a local test',
  usage: '<dir> [--service NAME] [--force]',
  options: {
    service: valueOption('service name (default Hello)'),
    force: flagOption('write into a directory that is not empty'),
  },
  details: 'Then: cd <dir> && npm install && npm test\n',
  run: async (args, values, io) => {
    const dir = resolve(args[0]);
    const service = typeof values.service === 'string' ? values.service : 'Hello';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(service)) {
      io.stderr.write(`isobar init: --service must be an identifier, got ${JSON.stringify(service)}\n`);
      return 2;
    }
    if (existsSync(dir) && readdirSync(dir).length > 0 && values.force !== true) {
      io.stderr.write(`isobar init: ${dir} is not empty (--force to write into it)\n`);
      return 2;
    }
    const project = basename(dir)
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '-');
    for (const [file, content] of Object.entries(scaffoldFiles(project, service, packageRoot()))) {
      mkdirSync(join(dir, file, '..'), { recursive: true });
      writeFileSync(join(dir, file), content);
    }
    io.stdout.write(`created ${dir} (service ${service})\nnext: cd ${args[0]} && npm install && npm test\n`);
    return Promise.resolve(0);
  },
};
