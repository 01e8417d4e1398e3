import { defineErrors } from './spec.js';

/** Outbound HTTP from services: `Requests()` and `fetch`, and the per-system allow-list. */
export const httpErrors = defineErrors({
  CB_ERR_OUTBOUND_BAD_REQUEST: {
    status: 400,
    fault: 'user',
    message: 'Invalid outbound HTTP request: {detail}',
    fix: 'Give an absolute http:// or https:// uri, a method of GET, POST, PUT, DELETE, PATCH or HEAD, string header values and a body that is a string or JSON.',
  },
  CB_ERR_OUTBOUND_DISALLOWED_HOST: {
    status: 403,
    fault: 'user',
    message: 'Outbound request to {host} refused: {reason}',
    fix: 'Loopback, private, link-local and other internal addresses are refused unless the system allow-list admits the host or its address: PUT /admin/v/4/http_allowlist/{systemKey} {"entries": ["host.example", "10.1.2.0/24"]} (developer).',
  },
  CB_ERR_OUTBOUND_TIMEOUT: {
    status: 408,
    fault: 'user',
    message: 'Outbound request to {host} took longer than {seconds} s',
    fix: 'Call a faster endpoint or raise the request timeout (seconds) up to ISOBAR_HTTP_OUT_TIMEOUT.',
  },
  CB_ERR_OUTBOUND_RESPONSE_TOO_LARGE: {
    status: 413,
    fault: 'user',
    message: 'Outbound response from {host} is larger than {limit} bytes',
    fix: 'Ask the endpoint for less (paging, filters); the limit is ISOBAR_HTTP_OUT_MAX_RESPONSE_BYTES.',
  },
  CB_ERR_OUTBOUND_TOO_MANY_REDIRECTS: {
    status: 424,
    fault: 'user',
    message: 'Outbound request to {host} was redirected more than {limit} times',
    fix: 'Call the final URL directly, or raise followRedirect up to ISOBAR_HTTP_OUT_MAX_REDIRECTS.',
  },
  CB_ERR_OUTBOUND_FAILED: {
    status: 424,
    fault: 'user',
    message: 'Outbound request to {host} failed: {reason}',
    fix: 'Check the host name, port and that the endpoint is up and speaks HTTP(S) with a valid certificate.',
  },
  CB_ERR_OUTBOUND_BAD_ALLOWLIST: {
    status: 400,
    fault: 'user',
    message: 'Invalid outbound HTTP allow-list: {detail}',
    fix: 'Send {"entries": [...]} with at most 256 host names (a leading *. admits subdomains) or IP addresses / CIDR ranges such as 10.0.0.0/8 or fd00::/8.',
  },
});
