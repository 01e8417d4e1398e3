// The callers the rest auth tests check: a system on the test platform with one user and one device, and a
// token for the developer, the user and the device.
import type { TestPlatform } from '../../helpers/platform.js';

export interface Principals {
  readonly sk: string;
  readonly secret: string;
  readonly devToken: string;
  readonly userToken: string;
  readonly deviceToken: string;
}

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
