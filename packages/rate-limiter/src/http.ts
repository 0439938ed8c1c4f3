import type { IncomingMessage, ServerResponse } from 'node:http';
import { rejectUnknownOptions } from '@bulwark/engine-kit';
import type { Limit } from './all-limits.js';
import type { RateLimitResult } from './result.js';

export interface HttpRateLimitOptions<Req = IncomingMessage> {
  /** The key of a request, e.g. its client's address or API key. Required. */
  key: (request: Req) => string;
  /** The cost of a request. Default 1. */
  cost?: (request: Req) => number;
  /** Requests this returns true for are not limited (health checks, say). Default: none. */
  skip?: (request: Req) => boolean;
  /** The policy's name in the `RateLimit` and `RateLimit-Policy` fields. Default `default`. */
  policy?: string;
  /** The window the quota is over, in seconds, for `RateLimit-Policy` (`w`). Default: left out. */
  windowSeconds?: number;
  /** The 429 response body. Default `Too Many Requests`. */
  message?: string;
  /**
   * Gives an admitted request's cost back once its response is done, when this returns
   * true: count only failed logins with `({ statusCode }) => statusCode < 400`, or only
   * successes with `>= 400`. `completed` is false when the client went away before the
   * response was sent. Default: none (every admitted request counts). A refund that the
   * store fails to make is dropped: the request stays counted.
   */
  refundIf?: (response: ResponseOutcome, request: Req) => boolean;
}

/** How a response ended, as `refundIf` sees it. */
export interface ResponseOutcome {
  statusCode: number;
  /** The whole response was handed to the connection (false: the client left first). */
  completed: boolean;
}

/** The events of a node:http response that say it is done (Fastify's `reply.raw` too). */
interface ResponseEvents {
  statusCode: number;
  once(event: 'finish' | 'close', listener: () => void): unknown;
}

/**
 * The header fields of the IETF RateLimit draft (draft-ietf-httpapi-ratelimit-headers):
 * `RateLimit-Policy: "default";q=100;w=60` (the quota), `RateLimit: "default";r=42;t=17`
 * (what remains, and seconds until it is back), and `Retry-After` (seconds) when limited.
 */
export function rateLimitHeaders(
  result: RateLimitResult,
  policy = 'default',
  windowSeconds?: number,
): Record<string, string> {
  const name = JSON.stringify(policy);
  const headers: Record<string, string> = {
    'RateLimit-Policy': `${name};q=${result.limit}${windowSeconds === undefined ? '' : `;w=${windowSeconds}`}`,
    RateLimit: `${name};r=${result.remaining};t=${Math.ceil(result.resetMs / 1000)}`,
  };
  if (!result.allowed)
    headers['Retry-After'] = String(Math.max(1, Math.ceil(result.retryAfterMs / 1000)));
  return headers;
}

const KNOWN_OPTIONS: Record<keyof HttpRateLimitOptions, true> = {
  key: true,
  cost: true,
  skip: true,
  policy: true,
  windowSeconds: true,
  message: true,
  refundIf: true,
};

function checkOptions(options: HttpRateLimitOptions<never>): void {
  if (typeof options === 'object' && options !== null) {
    rejectUnknownOptions('rate limit middleware', options, Object.keys(KNOWN_OPTIONS));
  }
  if (typeof options?.key !== 'function') {
    throw new TypeError('rate limit middleware: key must be a function of the request');
  }
  for (const name of ['cost', 'skip', 'refundIf'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') {
      throw new TypeError(`rate limit middleware: ${name} must be a function of the request`);
    }
  }
}

/**
 * Middleware for node:http and Express: `(req, res, next)`. A request within the limit
 * gets the RateLimit fields and goes on to `next` (or, with no `next`, the promise
 * resolves true); one over it gets them with `Retry-After` and a 429, and goes no
 * further. A store failure goes to `next(error)` (Express's error handling), or rejects.
 */
/**
 * After `response` ends, refunds `cost` of `key` if `refundIf` says so. 'finish' comes when
 * the response was sent, 'close' also when the client left first; whichever is first decides.
 */
function refundAfter<Req>(
  limiter: Limit,
  response: ResponseEvents,
  request: Req,
  key: string,
  cost: number,
  refundIf: NonNullable<HttpRateLimitOptions<Req>['refundIf']>,
): void {
  let decided = false;
  const decide = (completed: boolean) => {
    if (decided) return;
    decided = true;
    let refund = false;
    try {
      refund = refundIf({ statusCode: response.statusCode, completed }, request);
    } catch {
      // A refundIf that throws refunds nothing: the request stays counted.
    }
    if (refund) limiter.refund(key, cost).catch(() => {});
  };
  response.once('finish', () => decide(true));
  response.once('close', () => decide(false));
}

/**
 * Typed on the request your framework hands the middleware (`httpRateLimit<express.Request>`),
 * so `key`, `cost`, `skip` and `refundIf` can read what it adds (`req.body`, `req.ip`);
 * node:http's `IncomingMessage` by default.
 */
export function httpRateLimit<Req extends IncomingMessage = IncomingMessage>(
  limiter: Limit,
  options: HttpRateLimitOptions<Req>,
) {
  checkOptions(options as HttpRateLimitOptions<never>);
  const { key, cost, skip, policy, windowSeconds, refundIf } = options;
  const message = options.message ?? 'Too Many Requests';
  return async (
    req: Req,
    res: ServerResponse,
    next?: (error?: unknown) => void,
  ): Promise<boolean> => {
    try {
      if (skip?.(req)) {
        next?.();
        return true;
      }
      const k = key(req);
      const c = cost ? cost(req) : 1;
      const result = await limiter.consume(k, c);
      for (const [field, value] of Object.entries(
        rateLimitHeaders(result, policy, windowSeconds),
      )) {
        res.setHeader(field, value);
      }
      if (!result.allowed) {
        res.statusCode = 429;
        res.setHeader('Content-Type', 'text/plain; charset=utf-8');
        res.end(message);
        return false;
      }
      if (refundIf) refundAfter(limiter, res, req, k, c, refundIf);
      next?.();
      return true;
    } catch (error) {
      if (!next) throw error;
      next(error);
      return false;
    }
  };
}

/** What the Fastify hook uses of a reply. */
interface FastifyReplyLike {
  header(field: string, value: string): unknown;
  code(status: number): FastifyReplyLike;
  send(payload: string): unknown;
  /** The node:http response underneath, for `refundIf`. */
  raw: ResponseEvents;
}

/**
 * A Fastify `onRequest` hook: `fastify.addHook('onRequest', fastifyRateLimit(limiter, { key }))`.
 * Within the limit the request goes on with the RateLimit fields set; over it the reply
 * is a 429 with `Retry-After`.
 */
export function fastifyRateLimit<Req>(limiter: Limit, options: HttpRateLimitOptions<Req>) {
  checkOptions(options as HttpRateLimitOptions<never>);
  const { key, cost, skip, policy, windowSeconds, refundIf } = options;
  const message = options.message ?? 'Too Many Requests';
  return async (request: Req, reply: FastifyReplyLike): Promise<void> => {
    if (skip?.(request)) return;
    const k = key(request);
    const c = cost ? cost(request) : 1;
    const result = await limiter.consume(k, c);
    for (const [field, value] of Object.entries(rateLimitHeaders(result, policy, windowSeconds))) {
      reply.header(field, value);
    }
    if (!result.allowed) {
      await reply.code(429).send(message);
      return;
    }
    if (refundIf) refundAfter(limiter, reply.raw, request, k, c, refundIf);
  };
}
