import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RateLimiter } from './rate-limiter.js';
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

function checkOptions(options: HttpRateLimitOptions<never>): void {
  if (typeof options?.key !== 'function') {
    throw new TypeError('rate limit middleware: key must be a function of the request');
  }
  for (const name of ['cost', 'skip'] as const) {
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
export function httpRateLimit(limiter: RateLimiter, options: HttpRateLimitOptions) {
  checkOptions(options as HttpRateLimitOptions<never>);
  const { key, cost, skip, policy, windowSeconds, message = 'Too Many Requests' } = options;
  return async (
    req: IncomingMessage,
    res: ServerResponse,
    next?: (error?: unknown) => void,
  ): Promise<boolean> => {
    try {
      if (skip?.(req)) {
        next?.();
        return true;
      }
      const result = await limiter.consume(key(req), cost ? cost(req) : 1);
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
}

/**
 * A Fastify `onRequest` hook: `fastify.addHook('onRequest', fastifyRateLimit(limiter, { key }))`.
 * Within the limit the request goes on with the RateLimit fields set; over it the reply
 * is a 429 with `Retry-After`.
 */
export function fastifyRateLimit<Req>(limiter: RateLimiter, options: HttpRateLimitOptions<Req>) {
  checkOptions(options as HttpRateLimitOptions<never>);
  const { key, cost, skip, policy, windowSeconds, message = 'Too Many Requests' } = options;
  return async (request: Req, reply: FastifyReplyLike): Promise<void> => {
    if (skip?.(request)) return;
    const result = await limiter.consume(key(request), cost ? cost(request) : 1);
    for (const [field, value] of Object.entries(rateLimitHeaders(result, policy, windowSeconds))) {
      reply.header(field, value);
    }
    if (!result.allowed) await reply.code(429).send(message);
  };
}
