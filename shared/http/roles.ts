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
