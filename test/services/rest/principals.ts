// The callers the rest auth tests check: a system on the test platform with one user and one device, and a
// token for the developer, the user and the device.
import type { FastifyInstance } from 'fastify';
import { useFixture } from '../../helpers/fixture.js';
import { startTestPlatform, type TestPlatform } from '../../helpers/platform.js';

export interface Principals {
  readonly sk: string;
  readonly secret: string;
  readonly devToken: string;
  readonly userToken: string;
  readonly deviceToken: string;
}

/** Seeds a system with one user and one device and logs all three kinds of caller in. */
export async function seedPrincipals(tp: TestPlatform, systemName: string): Promise<Principals> {
  const id = tp.platform.identity;
  const devToken = (await id.loginDeveloper('admin@test.local', 'admin-pass-1')).token;
  const sys = await id.createSystem(id.verifyToken(devToken).id, { name: systemName });
  const sk = sys.systemKey;
  const user = await id.registerUser(sk, 'u@x', 'user-pass-1');
  const userToken = (await id.issueUserToken(sk, user.user_id)).token;
  await id.createDevice(sk, 'd1', { active_key: 'device-key-1' });
  const deviceToken = (await id.loginDevice(sk, 'd1', 'device-key-1')).token;
  return { sk, secret: sys.systemSecret, devToken, userToken, deviceToken };
}

/** The three token headers and the kind each proves, for tests that try every caller in turn. */
export function tokenHeaders(p: Principals): ReadonlyArray<readonly [Record<string, string>, CallerKind]> {
  return [
    [{ 'ClearBlade-DevToken': p.devToken }, 'developer'],
    [{ 'ClearBlade-UserToken': p.userToken }, 'user'],
    [{ 'ClearBlade-DeviceToken': p.deviceToken }, 'device'],
  ];
}

/** The kinds of caller a token proves. */
export type CallerKind = 'developer' | 'user' | 'device';

/** A test platform with the principals seeded and an app built on it: what the rest auth tests start from. */
export interface AuthRig extends Principals {
  readonly tp: TestPlatform;
  readonly app: FastifyInstance;
}

/** Registers the suite hooks that start the platform, seed the principals and build `app`, and close both after. */
export function useAuthRig(
  systemName: string,
  build: (tp: TestPlatform) => Promise<FastifyInstance>,
): AuthRig {
  return useFixture(
    async () => {
      const tp = await startTestPlatform();
      try {
        const principals = await seedPrincipals(tp, systemName);
        return { ...principals, tp, app: await build(tp) };
      } catch (err) {
        await tp.close({ removeData: true });
        throw err;
      }
    },
    async ({ tp, app }) => {
      await app.close();
      await tp.close({ removeData: true });
    },
  );
}
