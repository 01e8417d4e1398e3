// The browser globals the JS SDK and its bundled Paho client (lib/mqttws31.js, the script the SDK asks the
// page to include) touch: window, XMLHttpRequest, WebSocket (the `ws` package) and localStorage.
import { createRequire } from 'node:module';
import { WebSocket } from 'ws';
import { NodeXMLHttpRequest } from './xhr.js';

/** localStorage as Paho uses it (it keeps in-flight QoS>0 messages there). */
class MemoryStorage {
  #items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
}

let paho: unknown;
const GLOBALS = ['window', 'XMLHttpRequest', 'WebSocket', 'localStorage', 'Paho'] as const;

/** The SDK factory as the package exports it. */
export interface JsSdkModule {
  ClearBlade(options?: Record<string, unknown>): unknown;
}

/**
 * Installs the browser globals and loads the SDK (Paho first, as a page would); answers the module and a
 * function that puts the globals back, so no other test in the process sees a `window`.
 */
export function installBrowser(): { sdk: JsSdkModule; uninstall: () => void } {
  const g = globalThis as Record<string, unknown>;
  const saved = new Map(GLOBALS.map((k) => [k, g[k]]));
  g.window = globalThis;
  g.XMLHttpRequest = NodeXMLHttpRequest;
  g.WebSocket = g.WebSocket ?? WebSocket;
  g.localStorage = new MemoryStorage();
  const require = createRequire(import.meta.url);
  // Paho defines window.Paho when it is evaluated, once per process: keep it for later installs.
  if (paho === undefined) {
    require('clearblade-js-client/lib/mqttws31.js');
    paho = g.Paho;
  }
  g.Paho = paho;
  const sdk = require('clearblade-js-client') as JsSdkModule;
  return {
    sdk,
    uninstall() {
      for (const [k, v] of saved) {
        if (v === undefined) Reflect.deleteProperty(g, k);
        else g[k] = v;
      }
    },
  };
}
