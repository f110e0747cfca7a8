import { useEffect, useState } from 'preact/hooks';
import { api, dollars, download, objectUrl } from '../api';
import type { Session } from '../auth';
import { useLoad } from '../hooks';
import type { Model, ModelList, Video, VideoList } from '../types';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Users: a user's videos, newest first, with thumbnail, status, progress and download; the signed-in user's own, or
 * (operators) anyone's by user id. A short form creates a video as the signed-in user, of a model picked from the
 * catalogue (GET /v1/models) at that model's default length and size. Refreshes while any generates.
 */
export function UsersPage({ session }: { session: Session }) {
  const [userId, setUserId] = useState('');
  const [prompt, setPrompt] = useState('');
  const [model, setModel] = useState<string>();
  const [message, setMessage] = useState<string>();
  const models = useLoad('/v1/models', () => api<ModelList>(session.token, '/v1/models'));
  // Until one is picked: the catalogue's first, the API's default.
  const chosen = models.value?.data.find((candidate) => candidate.id === model) ?? models.value?.data[0];
  const path = userId
    ? `/v1/admin/videos?${new URLSearchParams({ user_id: userId, limit: '50' })}`
    : '/v1/videos?limit=50';
  const videos = useLoad(path, () => api<VideoList>(session.token, path), {
    refreshMs: 1000,
    keepRefreshing: (list) => list.data.some((video) => !TERMINAL.has(video.status)),
  });

  async function create(event: Event) {
    event.preventDefault();
    try {
      const video = await api<Video>(session.token, '/v1/videos', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        // The model's own defaults decide seconds and size (GET /v1/models shows them in the picker).
        body: JSON.stringify(chosen === undefined ? { prompt } : { prompt, model: chosen.id }),
      });
      setMessage(`created ${video.id}`);
      setPrompt('');
      videos.reload();
    } catch (error) {
      setMessage((error as Error).message);
    }
  }

  return (
    <section>
      <h2>Videos</h2>
      <form class="row" onSubmit={(event) => event.preventDefault()}>
        <label>
          User id{' '}
          <input
            name="user_id"
            placeholder={`${session.userId} (you)`}
            value={userId}
            onChange={(event) => setUserId(event.currentTarget.value.trim())}
          />
        </label>
      </form>
      {!userId && (
        <form class="row" onSubmit={create}>
          <input
            name="prompt"
            placeholder={`A prompt for a new ${chosen ? `${chosen.default_seconds}-second ` : ''}video`}
            value={prompt}
            required
            onInput={(event) => setPrompt(event.currentTarget.value)}
          />
          <label>
            Model{' '}
            <select
              name="model"
              value={chosen?.id}
              disabled={models.value === undefined}
              onChange={(event) => setModel(event.currentTarget.value)}
            >
              {models.value?.data.map((option) => (
                <option key={option.id} value={option.id}>
                  {modelLabel(option)}
                </option>
              ))}
            </select>
          </label>
          <button type="submit">Create</button>
          {message && <span class="note">{message}</span>}
        </form>
      )}
      {models.error && <p class="error">{models.error}</p>}
      {videos.error && <p class="error">{videos.error}</p>}
      <table class="videos">
        <thead>
          <tr>
            <th>Preview</th>
            <th>Video</th>
            <th>Status</th>
            <th>Progress</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {videos.value?.data.map((video) => (
            <VideoRow key={video.id} video={video} session={session} />
          ))}
        </tbody>
      </table>
      {videos.value?.data.length === 0 && <p class="note">No videos.</p>}
    </section>
  );
}

/** A model as the picker shows it: its default video and that video's price, e.g. `sora-2 · 4 s 720x1280 · $0.40`. */
function modelLabel(model: Model): string {
  const perSecond = model.price.micros_per_second[model.default_size] ?? 0;
  const price = dollars(perSecond * Number(model.default_seconds));
  return `${model.id} · ${model.default_seconds} s ${model.default_size} · ${price}`;
}

function VideoRow({ video, session }: { video: Video; session: Session }) {
  return (
    <tr data-video-id={video.id} data-status={video.status}>
      <td>{video.status === 'completed' ? <Thumbnail video={video} session={session} /> : <div class="thumb" />}</td>
      <td>
        <code>{video.id}</code>
        <div class="note">{video.prompt}</div>
      </td>
      <td class={`status ${video.status}`}>
        {video.status}
        {video.error && <div class="note">{video.error.code}</div>}
      </td>
      <td>
        <progress max={100} value={video.progress} /> {video.progress}%
      </td>
      <td>
        {video.status === 'completed' && !video.user_id && (
          <button
            type="button"
            onClick={() => download(session.token, `/v1/videos/${video.id}/content`, `${video.id}.mp4`)}
          >
            Download
          </button>
        )}
        {session.groups.includes('operators') && <a href={`#/operators/${video.id}`}>Timeline</a>}
      </td>
    </tr>
  );
}

/** The video's thumbnail, fetched with the bearer token (its 302 leads to a presigned URL). */
function Thumbnail({ video, session }: { video: Video; session: Session }) {
  const [src, setSrc] = useState<string>();
  useEffect(() => {
    let url: string | undefined;
    // Only the owner's route serves content; an operator looking at another user's videos sees no preview.
    if (video.user_id) return;
    objectUrl(session.token, `/v1/videos/${video.id}/content?variant=thumbnail`).then(
      (made) => {
        url = made;
        setSrc(made);
      },
      () => setSrc(undefined),
    );
    return () => url && URL.revokeObjectURL(url);
  }, [video.id, video.user_id, session.token]);
  return src ? <img class="thumb" src={src} alt={`thumbnail of ${video.id}`} /> : <div class="thumb" />;
}
