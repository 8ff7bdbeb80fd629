/**
 * Who is calling: an authenticated subject with roles and a jurisdiction (a region whose subtree
 * they may see and act in). Every read and write of the API asks the viewer first; the checks live
 * here, once, so resolvers and domain services stay free of role logic.
 */
import { DomainError } from '../platform/errors.js';
import { isRegionCode, levelOfCode, rangeOfPrefix, scopePrefixOf } from '../platform/region-code.js';
import { ROLE_LEVELS, ROLE_PERMISSIONS, type Permission, type Role } from './roles.js';

export class AuthError extends DomainError {
  constructor(code: 'UNAUTHENTICATED' | 'FORBIDDEN', message: string) {
    super(code, message);
    this.name = 'AuthError';
  }
}

export const forbidden = (message: string) => new AuthError('FORBIDDEN', message);
export const unauthenticated = (message: string) => new AuthError('UNAUTHENTICATED', message);

export interface ViewerInit {
  subject: string;
  roles: readonly Role[];
  /** 12-digit region code. */
  jurisdiction: string;
  /** The token's id (jti), for the access log. */
  tokenId?: string | null;
}

export class Viewer {
  readonly subject: string;
  readonly roles: readonly Role[];
  readonly jurisdiction: string;
  readonly tokenId: string | null;
  /** Every code in scope starts with this prefix. */
  readonly scopePrefix: string;
  readonly permissions: ReadonlySet<Permission>;

  /** No credential: no permission, nothing in scope (the API rejects such requests before any resolver runs). */
  static anonymous(): Viewer {
    return new Viewer({ subject: 'anonymous', roles: [], jurisdiction: '' }, true);
  }

  get authenticated(): boolean {
    return this.roles.length > 0;
  }

  constructor(init: ViewerInit, anonymous = false) {
    if (anonymous) {
      this.subject = init.subject;
      this.roles = [];
      this.jurisdiction = '';
      this.tokenId = null;
      this.scopePrefix = '\u0000';
      this.permissions = new Set();
      return;
    }
    if (!isRegionCode(init.jurisdiction)) throw unauthenticated(`jurisdiction "${init.jurisdiction}" is not a 12-digit region code`);
    if (init.roles.length === 0) throw unauthenticated('the credential carries no role');
    const level = levelOfCode(init.jurisdiction);
    for (const role of init.roles) {
      if (!ROLE_LEVELS[role].includes(level)) {
        throw unauthenticated(`role ${role} cannot have a ${level.toLowerCase()}-level jurisdiction (allowed: ${ROLE_LEVELS[role].join(', ')})`);
      }
    }
    this.subject = init.subject;
    this.roles = [...init.roles];
    this.jurisdiction = init.jurisdiction;
    this.tokenId = init.tokenId ?? null;
    this.scopePrefix = scopePrefixOf(init.jurisdiction);
    this.permissions = new Set(init.roles.flatMap((role) => ROLE_PERMISSIONS[role]));
  }

  can(permission: Permission): boolean {
    return this.permissions.has(permission);
  }

  /** Throws FORBIDDEN unless the viewer holds the permission. */
  require(permission: Permission): void {
    if (!this.can(permission)) throw forbidden(`${this.roles.join('/')} may not do this (needs ${permission})`);
  }

  /** Is this 12-digit region code inside the viewer's jurisdiction? */
  inScope(regionCode: string | null | undefined): boolean {
    return typeof regionCode === 'string' && regionCode.startsWith(this.scopePrefix);
  }

  /** Throws FORBIDDEN unless the region is inside the viewer's jurisdiction. */
  requireInScope(regionCode: string | null | undefined, what = 'region'): void {
    // The message names what was asked for, never where an out-of-scope record is (ids can be enumerated).
    if (!this.inScope(regionCode)) throw forbidden(`${what} is outside your jurisdiction ${this.jurisdiction}`);
  }

  /**
   * Is the caller acting for this region itself — their jurisdiction is the region, not a region
   * above it? Scope alone lets an ancestor act anywhere below; some acts must be the region's own.
   */
  actsFor(regionCode: string | null | undefined): boolean {
    return this.authenticated && typeof regionCode === 'string' && regionCode === this.jurisdiction;
  }

  /**
   * Throws FORBIDDEN unless the region is in scope and the caller acts for it itself. Outside the
   * jurisdiction the message is requireInScope's (it names nothing); inside it, it names the region
   * whose own act this is and why (`act`, e.g. "a receipt is confirmed by the receiving region").
   */
  requireActingFor(regionCode: string | null | undefined, what: string, act: string): void {
    this.requireInScope(regionCode, what);
    if (!this.actsFor(regionCode)) {
      throw forbidden(`${what}: ${act} itself (${regionCode}), with a credential of that region; your jurisdiction ${this.jurisdiction} is above it`);
    }
  }

  /**
   * A region record may be seen when it is inside the jurisdiction or on the path above it (the
   * city and province of a county officer: their names are public and every `parent` chain needs
   * them). What lies below such an ancestor stays out of reach: see `requireInScope`.
   */
  canSeeRegion(regionCode: string | null | undefined): boolean {
    if (!this.can('hierarchy:read') || !isRegionCode(regionCode)) return false;
    return this.inScope(regionCode) || this.jurisdiction.startsWith(scopePrefixOf(regionCode));
  }

  /**
   * A ledger transaction may be seen by a ledger reader when the region that recorded it or its
   * counterpart (the other end of an allocation) is in scope: a county sees the allocations it
   * received from the city, not the city's other business.
   */
  canSeeTransaction(t: { regionCode: string; counterpartRegionCode: string | null }): boolean {
    return this.can('ledger:read') && (this.inScope(t.regionCode) || this.inScope(t.counterpartRegionCode));
  }

  /** The code range [low, high] of the jurisdiction's subtree, for SQL filters. */
  get scopeRange(): [string, string] {
    return rangeOfPrefix(this.scopePrefix);
  }

  /** Throws FORBIDDEN unless the viewer holds the permission and the region is in scope. */
  requireAt(permission: Permission, regionCode: string | null | undefined, what = 'region'): void {
    this.require(permission);
    this.requireInScope(regionCode, what);
  }
}
