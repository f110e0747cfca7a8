import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { type ConsoleConfig, completeSignIn, currentSession, type Session, signIn, signOut } from './auth';
import { FinancePage } from './pages/finance';
import { OperatorsPage } from './pages/operators';
import { UsersPage } from './pages/users';
import './styles.css';

/** The page a hash names: `#/users`, `#/finance`, `#/operators`, `#/operators/<video id>`. */
function route(hash: string): { page: 'users' | 'finance' | 'operators'; videoId?: string } {
  const [, page, videoId] = hash.replace(/^#/, '').split('/');
  if (page === 'finance') return { page };
  if (page === 'operators') return { page, videoId: videoId ? decodeURIComponent(videoId) : undefined };
  return { page: 'users' };
}

function App({ config, session }: { config: ConsoleConfig; session: Session }) {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onHash = () => setHash(location.hash);
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const current = route(hash);
  const link = (page: string, label: string) => (
    <a href={`#/${page}`} class={current.page === page ? 'active' : ''}>
      {label}
    </a>
  );
  return (
    <>
      <header>
        <h1>reelflow</h1>
        <nav>
          {link('users', 'Users')}
          {link('finance', 'Finance')}
          {link('operators', 'Operators')}
        </nav>
        <span class="who">
          {session.userId}
          {session.groups.length > 0 && ` (${session.groups.join(', ')})`}{' '}
          <button type="button" onClick={() => signOut(config)}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        {current.page === 'users' && <UsersPage session={session} />}
        {current.page === 'finance' && <FinancePage session={session} />}
        {current.page === 'operators' && <OperatorsPage session={session} videoId={current.videoId} />}
      </main>
    </>
  );
}

async function start(root: HTMLElement): Promise<void> {
  const config = (await (await fetch('./config.json', { cache: 'no-store' })).json()) as ConsoleConfig;
  const session = (await completeSignIn(config)) ?? currentSession();
  if (!session) {
    render(
      <main class="signin">
        <h1>reelflow console</h1>
        <button type="button" onClick={() => signIn(config)}>
          Sign in
        </button>
      </main>,
      root,
    );
    return;
  }
  render(<App config={config} session={session} />, root);
  // The first render with data is what the console benchmark times.
  performance.mark('console-rendered');
}

const root = document.getElementById('app')!;
start(root).catch((error: unknown) => {
  root.textContent = `The console could not start: ${error instanceof Error ? error.message : String(error)}`;
});
