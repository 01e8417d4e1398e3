// The smallest XMLHttpRequest the browser JS SDK needs, over node:http: open/setRequestHeader/send/abort,
// onreadystatechange at readyState 4 with status and responseText. Nothing else of XHR is used by the SDK.
import { request, type ClientRequest } from 'node:http';

/** A browser XMLHttpRequest as far as clearblade-js-client calls it. */
export class NodeXMLHttpRequest {
  readyState = 0;
  status = 0;
  responseText = '';
  withCredentials = false;
  onreadystatechange: (() => void) | null = null;
  #method = 'GET';
  #url = '';
  #headers: Record<string, string> = {};
  #req: ClientRequest | undefined;

  /** Remembers the request line; the SDK always opens async. */
  open(method: string, url: string): void {
    this.#method = method;
    this.#url = url;
    this.readyState = 1;
  }

  /** Header names as the SDK spells them (HTTP is case-insensitive). */
  setRequestHeader(name: string, value: string): void {
    this.#headers[name] = value;
  }

  /** Sends the body as given: XHR adds no Content-Type of its own for a string body... */
  send(body?: string): void {
    // ...except that a browser labels a string body text/plain when the page set none — as the SDK's
    // empty-body POSTs (anonymous login, logout, checkauth, execute with {}) arrive from a browser.
    const headers = { ...this.#headers };
    const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (body !== undefined && !hasType && this.#method !== 'GET') {
      headers['Content-Type'] = 'text/plain;charset=UTF-8';
    }
    const withBody = body !== undefined && this.#method !== 'GET' && this.#method !== 'HEAD';
    // A browser always states the length; node:http would send a DELETE body with neither a length nor
    // chunking, which no server can frame.
    if (withBody) headers['Content-Length'] = String(Buffer.byteLength(body));
    const req = request(this.#url, { method: this.#method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        this.status = res.statusCode ?? 0;
        this.responseText = Buffer.concat(chunks).toString('utf8');
        this.readyState = 4;
        this.onreadystatechange?.();
      });
    });
    this.#req = req;
    req.on('error', () => {
      this.status = 0;
      this.readyState = 4;
      this.onreadystatechange?.();
    });
    req.end(withBody ? body : undefined);
  }

  /** Drops the request (the SDK's own timeout). */
  abort(): void {
    this.#req?.destroy();
  }
}
