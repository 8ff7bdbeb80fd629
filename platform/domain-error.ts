/**
 * Errors a caller can act on, raised by domain modules (hierarchy, registry, auth, …) without any
 * knowledge of GraphQL. The API passes `code` on as `extensions.code` and `field` as
 * `extensions.field`; everything else a domain module throws is an internal error.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
