/**
 * What `npm start` makes sure of before it starts anything: that no other stack uses its data
 * directory and that its gateways can listen. A stack stopped a moment ago may still be
 * finishing (npm returns as soon as it has passed the signal on, and a restart follows at
 * once), so both wait until a deadline before they give up.
 */
import { createServer } from 'node:net';
import { DataDirInUseError, lockDataDir, type DirLock } from '@chat/runtime';

const POLL_MS = 250;
const pause = () => new Promise((r) => setTimeout(r, POLL_MS));

/** Locks `dataDir` for this stack, or throws DataDirInUseError once `deadline` has passed. */
export async function claimDataDir(dataDir: string, deadline: number, onWait: (err: DataDirInUseError) => void): Promise<DirLock> {
  for (let waited = false; ; waited = true) {
    try {
      return lockDataDir(dataDir, 'npm start');
    } catch (err) {
      if (!(err instanceof DataDirInUseError) || Date.now() > deadline) throw err;
      if (!waited) onWait(err);
      await pause();
    }
  }
}

function listenProblem(port: number, host: string): Promise<string | undefined> {
  const probe = createServer();
  return new Promise((resolve) => {
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    probe.listen({ port, host }, () => probe.close(() => resolve(undefined)));
  });
}

/** Why a gateway could not listen on `port` (an errno code such as EADDRINUSE), waiting until `deadline` for one in use to be freed. */
export async function portProblem(port: number, host: string, deadline: number): Promise<string | undefined> {
  let problem = await listenProblem(port, host);
  while (problem === 'EADDRINUSE' && Date.now() < deadline) {
    await pause();
    problem = await listenProblem(port, host);
  }
  return problem;
}
