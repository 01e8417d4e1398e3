// What an ended run leaves for its author, from every source: its stack and log positions mapped back
// through the bundle's source map (source-map.ts), a log row when the service logs its runs or the run
// failed (failures are kept even with logging off), and an event on the live tail (run-tail.ts).
import type { InvokeResult, LogLine, RunningInstance, ServiceVersion } from '../../engine/types.js';
import type { Clock } from '../kernel/clock.js';
import type { CodeLogs, RunCaller } from './logs.js';
import type { RunEvent, RunFailure, RunSource, RunTail } from './run-tail.js';
import { firstPosition, mapPositions, readInlineMap, type DecodedMap } from './source-map.js';

export interface RunRecorder {
  /**
   * Records one ended micro run and answers it with positions in the author's source (stack, log lines);
   * `logging` says whether the run's successes are kept too.
   */
  ended(
    version: ServiceVersion,
    ttlMinutes: number,
    run: { source: RunSource; logging: boolean; startedAt: number; caller?: RunCaller },
    result: InvokeResult,
  ): InvokeResult;
  /** Records a stream instance that exited (crash, fault or return) as a run of source `stream`. */
  streamExited(version: ServiceVersion, ttlMinutes: number, instance: RunningInstance): void;
}

/** Builds the recorder over the log store and the live tail. */
export function createRunRecorder(deps: { logs: CodeLogs; tail: RunTail; clock: Clock }): RunRecorder {
  const { logs, tail, clock } = deps;
  const maps = new WeakMap<ServiceVersion, DecodedMap | null>();

  /** The decoded map of a version (cached per version object), if its bundle carries one. */
  const mapOf = (version: ServiceVersion): DecodedMap | undefined => {
    let map = maps.get(version);
    if (map === undefined) {
      map = readInlineMap(version.code) ?? null;
      maps.set(version, map);
    }
    return map ?? undefined;
  };

  /** Rewrites `<name>.js:L:C` only where it occurs: most runs log no positions and pay one `includes`. */
  const mapText = (version: ServiceVersion, text: string): string => {
    if (!text.includes(`${version.name}.js:`)) return text;
    const map = mapOf(version);
    return map === undefined ? text : mapPositions(text, version.name, map);
  };

  const mapLines = (version: ServiceVersion, lines: readonly LogLine[]): readonly LogLine[] =>
    lines.some((l) => l.message.includes(`${version.name}.js:`))
      ? lines.map((l) => ({ ...l, message: mapText(version, l.message) }))
      : lines;

  const failureOf = (
    version: ServiceVersion,
    code: string | undefined,
    message: string,
    stack: string | undefined,
    /** `stack` already mapped to the author's source, when the caller has it. */
    mapped = stack === undefined ? undefined : mapText(version, stack),
  ): RunFailure => {
    const position = stack === undefined ? undefined : firstPosition(stack, version.name, mapOf(version));
    return {
      ...(code === undefined ? {} : { code }),
      message,
      ...(position === undefined ? {} : { position }),
      ...(mapped === undefined ? {} : { stack: mapped }),
    };
  };

  const textOf = (value: unknown): string =>
    typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));

  const publish = (version: ServiceVersion, event: RunEvent) => tail.publish(version.systemKey, event);

  return {
    ended(version, ttlMinutes, run, raw) {
      const stack = raw.stack === undefined ? undefined : mapText(version, raw.stack);
      const result: InvokeResult = {
        ...raw,
        logs: mapLines(version, raw.logs),
        ...(stack === undefined ? {} : { stack }),
      };
      const failure = result.success
        ? undefined
        : failureOf(version, raw.code, raw.message ?? textOf(raw.results), raw.stack, stack);
      const keep = run.logging || !result.success;
      if (keep) {
        logs.record({
          systemKey: version.systemKey,
          name: version.name,
          version: version.version,
          instanceId: result.instanceId,
          startedAt: run.startedAt,
          durationMs: result.durationMs,
          success: result.success,
          lines: result.logs,
          ttlMinutes,
          source: run.source,
          ...(failure === undefined ? {} : { failure }),
          ...(run.caller === undefined ? {} : { caller: run.caller }),
        });
      }
      publish(version, {
        time: run.startedAt,
        name: version.name,
        version: version.version,
        instanceId: result.instanceId,
        source: run.source,
        success: result.success,
        ...(failure ?? {}),
        duration: result.durationMs,
        ...(keep ? { logs: result.logs } : {}),
      });
      return result;
    },
    streamExited(version, ttlMinutes, instance) {
      const success = instance.lastExit === 'returned';
      const code = instance.lastExit?.startsWith('CB_ERR_') === true ? instance.lastExit : undefined;
      const failure = success
        ? undefined
        : failureOf(version, code, instance.lastMessage ?? instance.lastExit ?? 'exited', instance.lastStack);
      const now = clock.now();
      if (failure !== undefined) {
        logs.record({
          systemKey: version.systemKey,
          name: version.name,
          version: version.version,
          // Its own row: the instance's running chunks stay apart from the record of its exit.
          instanceId: `${instance.instanceId}#exit${String(instance.restarts)}`,
          startedAt: now,
          durationMs: null,
          success: false,
          lines: [],
          ttlMinutes,
          source: 'stream',
          failure,
        });
      }
      publish(version, {
        time: now,
        name: version.name,
        version: version.version,
        instanceId: instance.instanceId,
        source: 'stream',
        success,
        ...(failure ?? { message: 'returned' }),
        duration: null,
      });
    },
  };
}
