// The console's only door to the platform: the public REST API, same origin, with the developer token.
// Every failure becomes an ApiError carrying the platform's stable code so <ErrorBox> can show it; nothing
// here swallows an error.

/** A failed API call as the console shows it: HTTP status, the platform's CB_ERR_* code and its message. */
export class ApiError extends Error {
  readonly status: number;
  /** `CB_ERR_*` from the REST error body; `NETWORK` when no answer came; `HTTP_<status>` for a non-JSON answer. */
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** REST client: JSON in and out, the developer token on every call. */
export interface Api {
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body?: unknown): Promise<T>;
  del<T = unknown>(path: string, body?: unknown): Promise<T>;
  /** Any method; extra headers (e.g. ClearBlade-SystemKey); answers the parsed JSON (or text). */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<T>;
}

export interface ApiOptions {
  /** Origin of the platform; the console is served by it, so `location.origin`. */
  readonly base: string;
  /** The developer token, or undefined before sign-in. */
  readonly token: () => string | undefined;
  /** Called on a 401 with a token sent (expired or revoked): the shell signs out. */
  readonly onUnauthorized?: (err: ApiError) => void;
}

/** Builds the API client the shell hands to every page (through Ctx). */
export function createApi(options: ApiOptions): Api {
  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const h: Record<string, string> = { accept: 'application/json', ...headers };
    const token = options.token();
    if (token !== undefined) h['ClearBlade-DevToken'] = token;
    if (body !== undefined) h['content-type'] = 'application/json';
    // Typed from fetch itself: with Node types also in the program (the mqtt client's), `Response` differs.
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(options.base + path, {
        method,
        headers: h,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, 'NETWORK', `The platform did not answer (${String(err)})`);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (!res.ok) {
      const e = errorOf(res.status, parsed, text);
      if (res.status === 401 && token !== undefined) options.onUnauthorized?.(e);
      throw e;
    }
    return (parsed === undefined ? text : parsed) as T;
  };
  return {
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body ?? {}),
    put: (path, body) => request('PUT', path, body ?? {}),
    del: (path, body) => request('DELETE', path, body),
  };
}

/** The REST error body `{statusCode, code, error, message}` as an ApiError (anything else keeps its text). */
export function errorOf(status: number, parsed: unknown, text: string): ApiError {
  if (typeof parsed === 'object' && parsed !== null) {
    const b = parsed as { code?: unknown; message?: unknown; error?: unknown };
    const code = typeof b.code === 'string' ? b.code : `HTTP_${String(status)}`;
    const message =
      typeof b.message === 'string'
        ? b.message
        : typeof b.error === 'string'
          ? b.error
          : JSON.stringify(parsed);
    return new ApiError(status, code, message);
  }
  return new ApiError(status, `HTTP_${String(status)}`, text.slice(0, 500) || `HTTP ${String(status)}`);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** What `GET /api/v/4/console/config` answers: where the browser reaches MQTT over WebSocket. */
export interface ConsoleConfig {
  /** e.g. `ws://host:8903/mqtt`; null when the WebSocket listener is disabled. */
  readonly wsUrl: string | null;
  readonly wssUrl: string | null;
}
