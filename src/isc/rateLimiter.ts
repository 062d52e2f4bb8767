// The generic limiter lives in src/rateLimit/; this keeps the notification poller's import working
// until it imports from there.
export { RateLimiter } from '../rateLimit/rateLimiter';
