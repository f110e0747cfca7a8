import { ForbiddenError } from '../errors';
import type { Caller } from './types';

/** Roles (Cognito groups, `cognito:groups`) that routes ask for. */
export type Role = 'finance' | 'operators';

/** Throws 403 `forbidden` unless the caller is in the group `role`. */
export function requireRole(caller: Caller, role: Role): void {
  if (!caller.groups.includes(role)) {
    throw new ForbiddenError(`This route needs the ${role} role`);
  }
}

/** Throws 403 `forbidden` unless the caller is in one of the groups `roles`; returns the first of them it holds. */
export function requireAnyRole(caller: Caller, roles: readonly Role[]): Role {
  const held = roles.find((role) => caller.groups.includes(role));
  if (held === undefined) throw new ForbiddenError(`This route needs the ${roles.join(' or ')} role`);
  return held;
}
