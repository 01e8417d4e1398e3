// Which IP addresses a service may not reach unless its system's allow-list admits them: loopback,
// private, link-local, carrier-grade NAT, unspecified, multicast, reserved and documentation ranges
// (IANA special-purpose registries), for IPv4 and IPv6. An IPv6 address that carries an IPv4 address
// (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16) is judged by
// the IPv4 address inside, so ::ffff:127.0.0.1 is loopback.
import { BlockList, isIP } from 'node:net';

const V4_INTERNAL: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local (cloud metadata at 169.254.169.254)
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const V6_INTERNAL: ReadonlyArray<readonly [string, number]> = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['100::', 64], // discard-only
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local (private)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated, still routed by some stacks)
  ['ff00::', 8], // multicast
];

const internal = new BlockList();
for (const [net, prefix] of V4_INTERNAL) internal.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of V6_INTERNAL) internal.addSubnet(net, prefix, 'ipv6');

/** Expands an IPv6 address to its eight 16-bit groups (no zone id). */
function groups6(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const dotted = text.slice(lastColon + 1);
  if (dotted.includes('.')) {
    if (isIP(dotted) !== 4) return undefined;
    const b = dotted.split('.').map(Number);
    tail = [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
    text = text.slice(0, lastColon + 1) + '0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  if (tail.length > 0) (rest === undefined ? left : right).pop();
  const fill = 8 - left.length - right.length - tail.length;
  if (fill < 0 || (rest === undefined && fill !== 0)) return undefined;
  const all = [...left, ...new Array<number>(fill).fill(0), ...right, ...tail];
  return all.length === 8 && all.every((n) => Number.isInteger(n) && n >= 0 && n <= 0xffff) ? all : undefined;
}

const v4 = (hi: number, lo: number): string => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
export function embeddedIPv4(address: string): string | undefined {
  const g = groups6(address);
  if (g === undefined) return undefined;
  const zeros = (from: number, to: number) => g.slice(from, to).every((n) => n === 0);
  if (zeros(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]); // ::ffff:a.b.c.d
  if (zeros(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(g[6], g[7]); // ::a.b.c.d (not :: or ::1)
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return v4(g[6], g[7]); // NAT64
  if (g[0] === 0x2002) return v4(g[1], g[2]); // 6to4
  return undefined;
}

/** The address to judge and its family: an IPv6 address carrying an IPv4 one is judged as that IPv4. */
export function canonical(address: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const kind = isIP(address);
  if (kind === 4) return { address, family: 'ipv4' };
  if (kind !== 6) return undefined;
  const inner = embeddedIPv4(address);
  if (inner !== undefined) return { address: inner, family: 'ipv4' };
  const zone = address.indexOf('%');
  return { address: zone >= 0 ? address.slice(0, zone) : address, family: 'ipv6' };
}

/** True for an address in a loopback, private, link-local or other internal range (or not an IP at all). */
export function isInternalAddress(address: string): boolean {
  const c = canonical(address);
  if (c === undefined) return true;
  return internal.check(c.address, c.family);
}
