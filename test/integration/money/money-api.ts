import { expect } from 'vitest';
import { callApi } from '../../helpers/api';
import type { LocalStackClient } from '../../helpers/local-stack';

/** Helpers for the money integration tests (through the HTTP API only). */

/** A user id no other test uses. */
export function uniqueUser(label: string): string {
  return `money-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Sets a user's limits through the finance route and checks the answer. */
export async function setLimits(
  stack: LocalStackClient,
  financeToken: string,
  userId: string,
  limits: { budget_micros?: number; max_active?: number; max_per_day?: number },
): Promise<void> {
  const reply = await callApi(stack, `/v1/admin/users/${encodeURIComponent(userId)}/limits`, {
    method: 'PUT',
    token: financeToken,
    json: limits,
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(reply.body).toMatchObject({ user_id: userId, ...limits });
}

/** The caller's usage for a month. */
export async function usageOf(stack: LocalStackClient, token: string, month?: string) {
  const reply = await callApi(stack, `/v1/usage${month ? `?month=${month}` : ''}`, { token });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return reply.body as {
    videos: number;
    seconds: number;
    charged_micros: number;
    reserved_micros: number;
    budget_micros: number;
    active_videos: number;
  };
}

export { currentMonth } from '../../helpers/money-invariants';
