import { expect } from 'chai';
import { parseRelayTopic, routeRelay, sendsUp } from '../../../services/edges/relay.js';

describe('edges/relay', () => {
  describe('parseRelayTopic', () => {
    it('recognises the four relay suffixes', () => {
      expect(parseRelayTopic('a/b/_platform')).to.deep.equal({ kind: 'platform', base: 'a/b' });
      expect(parseRelayTopic('a/_broadcast')).to.deep.equal({ kind: 'broadcast', base: 'a' });
      expect(parseRelayTopic('a/_edge/e1')).to.deep.equal({ kind: 'edge', base: 'a', edge: 'e1' });
      expect(parseRelayTopic('a/b/_edgeAndPlatform/e2')).to.deep.equal({
        kind: 'edgeAndPlatform',
        base: 'a/b',
        edge: 'e2',
      });
    });

    it('leaves ordinary, bare-suffix and $ topics alone', () => {
      for (const t of [
        'a/b',
        '_platform',
        '/_platform',
        '_edge/e1',
        'a/_edge/',
        'a/_edge',
        '$trigger/x/_broadcast',
        '$edge/e1/up/a/_platform',
        'a/_platform/more',
      ]) {
        expect(parseRelayTopic(t), t).to.equal(undefined);
      }
    });
  });

  describe('routeRelay (the seed table)', () => {
    const edges = ['e1', 'e2', 'e3'];
    const route = (topic: string, origin: { platform: true } | { edge: string }) => {
      const parsed = parseRelayTopic(topic);
      if (parsed === undefined) throw new Error(topic);
      return routeRelay(parsed, origin, edges);
    };

    it('edge to platform: <t>/_platform reaches the platform only', () => {
      expect(route('t/_platform', { edge: 'e1' })).to.deep.equal({ platform: true, edges: [] });
    });

    it('platform to edge: <t>/_edge/<name> reaches that edge only', () => {
      expect(route('t/_edge/e2', { platform: true })).to.deep.equal({ platform: false, edges: ['e2'] });
    });

    it('edge to edge: <t>/_edge/<name> reaches that edge, not the platform', () => {
      expect(route('t/_edge/e2', { edge: 'e1' })).to.deep.equal({ platform: false, edges: ['e2'] });
    });

    it('platform broadcast reaches every edge', () => {
      expect(route('t/_broadcast', { platform: true })).to.deep.equal({ platform: false, edges });
    });

    it('edge broadcast reaches the platform and every other edge, never its origin', () => {
      expect(route('t/_broadcast', { edge: 'e2' })).to.deep.equal({ platform: true, edges: ['e1', 'e3'] });
    });

    it('edge to edge and platform reaches both', () => {
      expect(route('t/_edgeAndPlatform/e3', { edge: 'e1' })).to.deep.equal({
        platform: true,
        edges: ['e3'],
      });
      expect(route('t/_edgeAndPlatform/e3', { platform: true })).to.deep.equal({
        platform: false,
        edges: ['e3'],
      });
    });

    it('never sends a message back to the edge it came from', () => {
      expect(route('t/_edge/e1', { edge: 'e1' })).to.deep.equal({ platform: false, edges: [] });
      expect(route('t/_edgeAndPlatform/e1', { edge: 'e1' })).to.deep.equal({ platform: true, edges: [] });
    });

    it('reports an edge name that is not registered instead of delivering', () => {
      expect(route('t/_edge/ghost', { platform: true })).to.deep.equal({
        platform: false,
        edges: [],
        missingEdge: 'ghost',
      });
      expect(route('t/_edgeAndPlatform/ghost', { edge: 'e1' })).to.include({
        platform: true,
        missingEdge: 'ghost',
      });
    });
  });

  it('an edge sends up everything except messages addressed to itself', () => {
    const parse = (t: string) => {
      const p = parseRelayTopic(t);
      if (p === undefined) throw new Error(t);
      return p;
    };
    expect(sendsUp(parse('t/_platform'), 'e1')).to.equal(true);
    expect(sendsUp(parse('t/_edge/e2'), 'e1')).to.equal(true);
    expect(sendsUp(parse('t/_edge/e1'), 'e1')).to.equal(false);
    expect(sendsUp(parse('t/_broadcast'), 'e1')).to.equal(true);
    expect(sendsUp(parse('t/_edgeAndPlatform/e1'), 'e1')).to.equal(true);
  });
});
