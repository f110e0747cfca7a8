/** The health document. The function answering at all is the check: it touches no dependency. */
export async function getHealth(): Promise<{ status: 'ok' }> {
  return { status: 'ok' };
}
