import * as z from 'zod/mini';
import { lazy } from '../lazy';

/* The query parameters every paged list takes (the user's videos, the admin lists, the audit, the webhook lists). */

const LIMIT_ERROR = { error: 'limit must be an integer from 1 to 100' };

/** `limit`: how many items a page holds, 1 to 100, 20 when not given. */
export const pageLimitSchema = lazy(() =>
  z
    ._default(
      z.coerce.number(LIMIT_ERROR).check(z.int(LIMIT_ERROR), z.gte(1, LIMIT_ERROR), z.lte(100, LIMIT_ERROR)),
      20,
    )
    .check(z.describe('Page size, 1 to 100')),
);

/** `after`: where the next page starts, the previous page's next_cursor. */
export const pageCursorSchema = lazy(() =>
  z
    .optional(z.string().check(z.minLength(1), z.maxLength(2048)))
    .check(z.describe('The next_cursor of the previous page')),
);
