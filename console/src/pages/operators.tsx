import { useState } from 'preact/hooks';
import { api } from '../api';
import type { Session } from '../auth';
import { useLoad } from '../hooks';
import type { VideoExecution, VideoList } from '../types';

/** A video not terminal for longer than this is listed as stuck (a 12-second video usually takes minutes). */
const STUCK_AFTER_SECONDS = 30 * 60;
const WAITING = ['queued', 'in_progress', 'storing'] as const;

/** Operators: recent failures by code, videos waiting or stuck, and (with an id) one video's execution timeline. */
export function OperatorsPage({ session, videoId }: { session: Session; videoId: string | undefined }) {
  return (
    <section>
      <h2>Operators</h2>
      <VideoLookup />
      {videoId ? <Timeline session={session} videoId={videoId} /> : <Overview session={session} />}
    </section>
  );
}

function VideoLookup() {
  const [id, setId] = useState('');
  return (
    <form
      class="row"
      onSubmit={(event) => {
        event.preventDefault();
        if (id) location.hash = `#/operators/${id}`;
      }}
    >
      <input
        name="video_id"
        placeholder="vid_... (a video's timeline)"
        value={id}
        onInput={(e) => setId(e.currentTarget.value.trim())}
      />
      <button type="submit">Open timeline</button>
    </form>
  );
}

function Overview({ session }: { session: Session }) {
  const failedPath = '/v1/admin/videos?status=failed&limit=100';
  const failed = useLoad(failedPath, () => api<VideoList>(session.token, failedPath));
  const waiting = useLoad('waiting', async () =>
    (
      await Promise.all(
        WAITING.map((status) => api<VideoList>(session.token, `/v1/admin/videos?status=${status}&limit=100`)),
      )
    ).flatMap((list) => list.data),
  );
  const byCode = new Map<string, number>();
  for (const video of failed.value?.data ?? []) {
    const code = video.error?.code ?? 'unknown';
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }
  const now = Date.now() / 1000;
  return (
    <>
      <div class="panel">
        <h3>Recent failures by code</h3>
        {failed.error && <p class="error">{failed.error}</p>}
        <table class="failures">
          <tbody>
            {[...byCode].map(([code, count]) => (
              <tr key={code}>
                <td>{code}</td>
                <td>{count}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <ul>
          {failed.value?.data.slice(0, 20).map((video) => (
            <li key={video.id}>
              <a href={`#/operators/${video.id}`}>{video.id}</a> {video.user_id} {video.error?.code}
            </li>
          ))}
        </ul>
      </div>
      <div class="panel">
        <h3>Waiting or stuck</h3>
        {waiting.error && <p class="error">{waiting.error}</p>}
        <table>
          <thead>
            <tr>
              <th>Video</th>
              <th>User</th>
              <th>Status</th>
              <th>Age</th>
            </tr>
          </thead>
          <tbody>
            {waiting.value?.map((video) => {
              const age = Math.round(now - video.created_at);
              return (
                <tr key={video.id} class={age > STUCK_AFTER_SECONDS ? 'stuck' : ''}>
                  <td>
                    <a href={`#/operators/${video.id}`}>{video.id}</a>
                  </td>
                  <td>{video.user_id}</td>
                  <td>
                    {video.status} {video.progress}%
                  </td>
                  <td>
                    {age}s{age > STUCK_AFTER_SECONDS ? ' (stuck)' : ''}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}

/** One execution's states as bars on a time axis (offset and duration from its start), retries and errors shown. */
function Timeline({ session, videoId }: { session: Session; videoId: string }) {
  const path = `/v1/admin/videos/${encodeURIComponent(videoId)}/execution`;
  const execution = useLoad(path, () => api<VideoExecution>(session.token, path), {
    refreshMs: 1000,
    keepRefreshing: (value) => value.status === 'RUNNING',
  });
  const [message, setMessage] = useState<string>();
  const value = execution.value;
  const end = value ? Math.max(1, ...value.states.map((state) => state.offset_ms + (state.duration_ms ?? 0))) : 1;

  async function redrive() {
    try {
      const reply = await api<{ restarted_state: string }>(session.token, `${path.replace(/execution$/, 'redrive')}`, {
        method: 'POST',
      });
      setMessage(`redriven from ${reply.restarted_state}`);
      execution.reload();
    } catch (error) {
      setMessage((error as Error).message);
    }
  }

  return (
    <div class="panel timeline" data-video-id={videoId}>
      <h3>
        Execution of <code>{videoId}</code>
      </h3>
      {execution.error && <p class="error">{execution.error}</p>}
      {value && (
        <>
          <p>
            user <code>{value.user_id}</code>, status <strong class="execution-status">{value.status}</strong>, started{' '}
            {new Date(value.started_at * 1000).toISOString()}, {(end / 1000).toFixed(1)} s on the axis, redriven{' '}
            {value.redrive_count}×
            {value.error && (
              <span class="error">
                {' '}
                — {value.error.error}: {value.error.cause}
              </span>
            )}
          </p>
          <div class="axis">
            <span>0 s</span>
            <span>{(end / 2000).toFixed(1)} s</span>
            <span>{(end / 1000).toFixed(1)} s</span>
          </div>
          <ol class="states">
            {value.states.map((state, index) => (
              <li
                key={index}
                class={`state ${state.outcome}${state.retries ? ' retried' : ''}`}
                data-state={state.name}
                title={state.error ? `${state.error.error}: ${state.error.cause}` : state.name}
              >
                <span class="label">
                  {state.name}
                  {state.retries > 0 && <span class="retries"> ↻{state.retries}</span>}
                  {state.error && <span class="error-mark"> ⚠ {state.error.error}</span>}
                </span>
                <span class="track">
                  <span
                    class="bar"
                    style={{
                      left: `${(100 * state.offset_ms) / end}%`,
                      width: `max(2px, ${(100 * (state.duration_ms ?? end - state.offset_ms)) / end}%)`,
                    }}
                  />
                </span>
                <span class="duration">{state.duration_ms === null ? 'running' : `${state.duration_ms} ms`}</span>
              </li>
            ))}
          </ol>
          <button type="button" onClick={redrive} disabled={value.status !== 'FAILED'}>
            Redrive
          </button>{' '}
          {message && <span class="note">{message}</span>}
        </>
      )}
    </div>
  );
}
