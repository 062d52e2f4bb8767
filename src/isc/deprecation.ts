import type { Logger } from '../log';
import { successorPath } from './paths';

/**
 * ISC answers a deprecated endpoint with `X-Deprecated: true` (v3, v2024, v2025, v2026 and beta since
 * August 2026, working until early 2027). Each operation is reported once per process, not on every
 * request, with the per-service path that replaces it when it is known.
 */
export class DeprecationNotices {
  private readonly warned = new Set<string>();

  constructor(private readonly logger: Logger) {}

  observe(req: { operation: string; method: string; path: string }, header: (name: string) => string | undefined): void {
    if (header('x-deprecated')?.trim().toLowerCase() !== 'true' || this.warned.has(req.operation)) return;
    this.warned.add(req.operation);
    const successor = successorPath(req.path);
    this.logger.warn(
      `ISC marks ${req.operation} (${req.method} ${req.path}) as deprecated` +
        (successor ? `; its successor is ${req.method} ${successor}` : '') +
        '. Reported once per operation; see SAIL_*_API in the README.',
      { operation: req.operation, method: req.method, path: req.path, successor },
    );
  }
}
