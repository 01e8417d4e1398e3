// Types for Isobar code services: the globals the runtime API puts in every isolate.
// Shapes and names follow @clearblade/code-service-types (namespace CbServer) for everything Isobar implements,
// so code written against those types compiles here unchanged. See runtime-api/README.md for behaviour.

declare namespace CbServer {
  /** ClearBlade's callback convention: `err` true means `response` is the error message. */
  type CbCallback<T = unknown> = (error: boolean, response: T) => void;

  interface CallerInfo {
    userid: string;
    userToken: string;
    userEmail: string;
  }

  interface TriggerParams {
    /** e.g. "Messaging::Publish" when a trigger started the run. */
    trigger?: string;
    topic?: string;
    body?: string;
    userId?: string;
  }

  interface BasicReq<T = {}> extends CallerInfo {
    readonly isLogging: boolean;
    readonly params: T & TriggerParams;
    readonly systemKey: string;
    readonly systemSecret: string;
    readonly service_instance_id: string;
    readonly caller: CallerInfo;
  }
  type ReqTypes = BasicReq;

  /** success/error/send end the run: code after them does not run. */
  interface Resp {
    error(msg?: unknown): never;
    success(msg?: unknown): never;
    send(msg?: unknown): never;
    /**
     * Headers of a REST execute answer: a JSON Content-Type, Cache-Control, ETag, Expires, Last-Modified,
     * Pragma, Content-Language or your own X-* headers; anything else answers 502 CB_ERR_CODE_RESPONSE_HEADER.
     */
    set(headers: object): void;
    set(name: string, value: string): void;
    /** HTTP status of a REST execute answer, an integer 200-599 (else 502 CB_ERR_CODE_RESPONSE_STATUS). */
    status(status_code: number): void;
  }

  enum MessagingQOS {
    MESSAGING_QOS_AT_MOST_ONCE = 0,
    MESSAGING_QOS_AT_LEAST_ONCE = 1,
    MESSAGING_QOS_EXACTLY_ONCE = 2,
  }

  interface APIUser {
    email: string;
    authToken: string;
    user_id?: string;
  }

  interface InitOptions {
    systemKey: string;
    systemSecret: string;
    logging?: boolean;
    callback?: CbCallback;
    authToken?: string;
    userToken?: string;
    email?: string;
    password?: string;
    registerUser?: boolean;
    useUser?: APIUser;
    URI?: string;
    messagingURI?: string;
    messagingPort?: number;
    defaultQoS?: MessagingQOS;
    callTimeout?: number;
  }

  interface KeyValuePair {
    [key: string]: unknown;
  }

  type WaitForMessageCallback = (error: boolean, message: string, topic: string) => void;

  interface MessagingOptions {}

  interface Messaging {
    publish(
      topic: string,
      payload: string | ArrayBuffer | ArrayBufferView,
      qos?: 0 | 1 | 2,
      retain?: boolean,
    ): void;
    subscribe(topic: string, callback: CbCallback<string | null>): void;
    unsubscribe(topic: string, callback?: CbCallback<string | null>): void;
    waitForMessage(topics: string[], wfmCallback: WaitForMessageCallback): void;
    getMessageHistory(topic: string, start: number, count: number, callback: CbCallback): void;
    getMessageHistoryWithTimeFrame(
      topic: string,
      count: number,
      last: number,
      start: number,
      stop: number,
      callback: CbCallback,
    ): void;
    getAndDeleteMessageHistory(
      topic: string,
      count: number,
      last: number,
      start: number,
      stop: number,
      callback: CbCallback,
    ): void;
    getCurrentTopics(callback: CbCallback): void;
    setTimeout(timeout: number, topic: string, data: string, cb: CbCallback<string>): void;
    cancelCBTimeout(id: string, cb: CbCallback<string>): void;
    setInterval(
      timeout: number,
      topic: string,
      data: string,
      iterations: number,
      cb: CbCallback<string>,
    ): void;
    cancelCBInterval(id: string, cb: CbCallback<string>): void;
  }

  interface Code {
    user: APIUser;
    systemKey: string;
    systemSecret: string;
    execute(name: string, params: object, loggingEnabled: boolean, callback: CbCallback): void;
    execute(name: string, params: object, callback: CbCallback): void;
    getAllServices(callback: CbCallback): void;
  }

  enum TriggerModule {
    DEVICE = 'Device',
    Data = 'Data',
    MESSAGING = 'Messaging',
    USER = 'User',
  }

  interface TriggerCreateOptions {
    system_key?: string;
    name?: string;
    def_module: TriggerModule | string;
    def_name: string;
    key_value_pairs: KeyValuePair | KeyValuePair[];
    service_name: string;
  }

  interface TriggerInstance {
    name: string;
    systemKey: string;
    Update(options: object, callback: CbCallback): void;
    Delete(callback: CbCallback): void;
  }

  interface TriggerClass {
    Create(name: string, options: TriggerCreateOptions, callback: CbCallback<TriggerInstance>): void;
    Fetch(name: string, callback: CbCallback<TriggerInstance>): void;
  }

  interface TimerCreateOptions {
    description?: string;
    /** ISO 8601 in UTC, e.g. "2021-02-05T17:28:58.587Z". */
    start_time: string;
    /** -1 forever, 0 once. */
    repeats: number;
    /** seconds */
    frequency: number;
    service_name: string;
    cron?: string;
  }
  type TimerUpdateOptions = Partial<TimerCreateOptions>;

  interface TimerInstance {
    name: string;
    systemKey: string;
    Update(options: TimerUpdateOptions, callback: CbCallback<TimerInstance>): void;
    Delete(callback: CbCallback): void;
  }

  interface TimerClass {
    Create(name: string, options: TimerCreateOptions, callback: CbCallback<TimerInstance>): void;
    Fetch(name: string, callback: CbCallback<TimerInstance>): void;
  }

  interface ClearBladeInt {
    URI: string;
    systemKey: string;
    systemSecret: string;
    Trigger: TriggerClass;
    Timer: TimerClass;
    about(): string;
    Code(): Code;
    edgeId(): string;
    init(options: InitOptions | { request: BasicReq }): void;
    isEdge(): boolean;
    isObjectEmpty(obj: object): boolean;
    logger(message: string): void;
    makeKVPair(key: string, value: string): KeyValuePair;
    Messaging(options?: MessagingOptions, callback?: CbCallback): Messaging;
    /** A shared cache of this system (created by a developer: /admin/v/4/service_caches). */
    Cache(name: string): Cache;
    /** A collection of this system by id string, `{collectionID}` or `{collectionName}`. */
    Collection(ref: CollectionRef): Collection;
    /** A query; with a `ref` it can fetch/update/remove by itself. */
    Query(ref?: CollectionRef): Query;
    /** One item (`data.item_id` names it) of a collection. */
    Item(data: Record<string, unknown>, ref: CollectionRef): Item;
  }

  /** How a Collection, Query or Item names its collection. */
  type CollectionRef = string | { collectionID?: string; collectionName?: string; collection?: string };

  /** A stored value as a collection answers it (timestamps as ISO text, blobs as text). */
  type ItemValue = string | number | boolean | null;
  type ItemData = Record<string, ItemValue>;

  /** ClearBlade's wire query: FILTERS is an OR of AND groups of `{OP: [{column: value}]}`. */
  interface QueryBody {
    FILTERS?: Array<Array<Partial<Record<QueryOperator, Array<Record<string, unknown>>>>>>;
    SORT?: Array<{ ASC: string } | { DESC: string }>;
    PAGESIZE?: number;
    PAGENUM?: number;
    SELECTCOLUMNS?: string[];
  }
  type QueryOperator = 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'LT' | 'LTE' | 'RE' | 'IN' | 'LIKE';

  /** A fetch answer. */
  interface FetchData {
    DATA: ItemData[];
    TOTAL: number;
    CURRENTPAGE: number;
    NEXTPAGEURL: string | null;
    PREVPAGEURL: string | null;
  }
  interface ColumnInfo {
    ColumnName: string;
    ColumnType: string;
    PK: boolean;
  }

  /** ClearBlade.Collection(ref): every call is `cb(err, data)`; on an error `data` is `"<CODE>: message"`. */
  interface Collection {
    fetch(callback: CbCallback<FetchData>): void;
    fetch(query: Query | QueryBody, callback: CbCallback<FetchData>): void;
    /** One item or up to 10,000; answers one `{item_id}` per item. */
    create(
      items: Record<string, unknown> | Array<Record<string, unknown>>,
      callback: CbCallback<Array<{ item_id: string }>>,
    ): void;
    update(
      query: Query | QueryBody,
      changes: Record<string, unknown>,
      callback: CbCallback<{ count: number }>,
    ): void;
    remove(query: Query | QueryBody, callback: CbCallback<{ count: number }>): void;
    count(callback: CbCallback<{ count: number }>): void;
    count(query: Query | QueryBody, callback: CbCallback<{ count: number }>): void;
    columns(callback: CbCallback<ColumnInfo[]>): void;
  }

  /** ClearBlade.Query(ref?): chainable filters, sort, paging and columns; `query` is the wire object. */
  interface Query {
    query: QueryBody;
    equalTo(field: string, value: unknown): Query;
    notEqualTo(field: string, value: unknown): Query;
    greaterThan(field: string, value: unknown): Query;
    greaterThanEqualTo(field: string, value: unknown): Query;
    lessThan(field: string, value: unknown): Query;
    lessThanEqualTo(field: string, value: unknown): Query;
    /** RE, a pattern of at most 256 characters. */
    matches(field: string, pattern: string): Query;
    /** SQL LIKE: `%` any run, `_` one character. */
    like(field: string, pattern: string): Query;
    in(field: string, values: unknown[]): Query;
    ascending(field: string): Query;
    descending(field: string): Query;
    /** `pageNum` is 1-based; `pageSize` 0 = up to 10,000. */
    setPage(pageSize: number, pageNum: number): Query;
    columns(names: string[]): Query;
    /** The other query's AND groups become alternatives of this one's. */
    or(other: Query): Query;
    /** Only on a Query made with a collection ref. */
    fetch(callback: CbCallback<FetchData>): void;
    update(changes: Record<string, unknown>, callback: CbCallback<{ count: number }>): void;
    remove(callback: CbCallback<{ count: number }>): void;
  }

  /** ClearBlade.Item(data, ref): `save` updates by `data.item_id`, `refresh` re-reads it, `destroy` deletes it. */
  interface Item {
    data: Record<string, unknown>;
    save(callback?: CbCallback<{ count: number }>): void;
    refresh(callback?: CbCallback<Record<string, unknown>>): void;
    destroy(callback?: CbCallback<{ count: number }>): void;
  }

  /** What `fetch` answers: a Response-like object (no streams). */
  interface FetchResponse {
    status: number;
    statusText: string;
    ok: boolean;
    redirected: boolean;
    url: string;
    readonly bodyUsed: boolean;
    headers: {
      get(name: string): string | null;
      has(name: string): boolean;
      forEach(fn: (value: string, name: string) => void): void;
    };
    text(): Promise<string>;
    json(): Promise<unknown>;
  }
  interface FetchInit {
    method?: string;
    headers?: Record<string, string> | Array<[string, string]>;
    body?: string;
    /** 'manual' or 'error' follow no redirect. */
    redirect?: 'follow' | 'manual' | 'error';
  }

  /** ClearBlade.Cache(name): every method takes `cb(err, data)` last; `ttl` is seconds (else the cache default). */
  interface Cache {
    get(key: string, callback?: CbCallback): unknown;
    getAll(callback?: CbCallback): unknown;
    set(key: string, value: unknown, ttlOrCallback?: number | CbCallback, callback?: CbCallback): unknown;
    setnx(key: string, value: unknown, ttlOrCallback?: number | CbCallback, callback?: CbCallback): unknown;
    setMultiple(
      data: Record<string, unknown>,
      ttlOrCallback?: number | CbCallback,
      callback?: CbCallback,
    ): unknown;
    delete(key: string, callback?: CbCallback): unknown;
    flush(callback?: CbCallback): unknown;
  }

  /** Options of Requests().get/post/put/delete/patch (native-libraries http.md). */
  interface RequestOptions {
    uri: string;
    qs?: Record<string, unknown>;
    body?: unknown;
    form?: Record<string, unknown>;
    headers?: Record<string, string>;
    /** Seconds; only shortens ISOBAR_HTTP_OUT_TIMEOUT. */
    timeout?: number;
    followRedirect?: number | boolean;
    auth?: { user: string; pass?: string };
    /** Answer {Body, Header, Status} instead of the body text. */
    full?: boolean;
  }
  type RequestCallback = (
    err: null | { error: string; code?: string; status?: number; body?: string },
    data: unknown,
  ) => void;
  interface Requests {
    get(options: RequestOptions, callback?: RequestCallback): unknown;
    post(options: RequestOptions, callback?: RequestCallback): unknown;
    put(options: RequestOptions, callback?: RequestCallback): unknown;
    delete(options: RequestOptions, callback?: RequestCallback): unknown;
    patch(options: RequestOptions, callback?: RequestCallback): unknown;
  }

  interface ClearBladeGlobal extends ClearBladeInt {
    user: APIUser;
  }
}

/* eslint-disable no-var */
declare var ClearBlade: CbServer.ClearBladeGlobal;
type Logger = (message?: unknown, ...args: unknown[]) => void;
declare var log: Logger;
declare var cbmeta: {
  is_edge: boolean;
  edge_id?: string;
  edge_url?: string;
  platform_url: string;
  node_id: string;
  service_id: string;
  service_name: string;
  system_key: string;
  system_secret: string;
  code_versions: Record<string, number>;
};
declare function newUUID(): string;
/** Outbound HTTP through the platform (docs/security/outbound-http.md); `cb(err, body)`. */
declare function Requests(): CbServer.Requests;
/** A standard-shaped fetch through the same platform checks as Requests(); rejects with a TypeError carrying `code`. */
declare function fetch(
  url: string | { url: string },
  init?: CbServer.FetchInit,
): Promise<CbServer.FetchResponse>;
/** Blocks this service (not the platform) for `ms` milliseconds. */
declare function sleep(ms: number): void;
/* eslint-enable no-var */
