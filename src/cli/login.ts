import { spawn } from 'node:child_process';
import { AopCluster, parseClusterConfig, loopbackApprover, FileCredentialStore, credentialKey } from '../core';
import { cliAuth } from './cli-auth';
import type { CliCommand } from './usage';
import { UsageError, optString } from './usage';
import { LOGIN_SPEC, LOGOUT_SPEC } from './command-specs';

function checkUrl(raw: string | undefined): string {
  if (!raw) throw new UsageError('give the URL of the MCP server');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`not an http(s) URL: ${raw}`);
  return url.href;
}

/** Opens `url` in the user's browser, best effort (the URL is printed anyway). Nothing secret is in it. */
function openBrowser(url: URL): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url.href]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.href]] : ['xdg-open', [url.href]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true, env: { PATH: process.env.PATH ?? '', DISPLAY: process.env.DISPLAY ?? '' } });
    child.on('error', () => {});
    child.unref();
  } catch {
    /* no browser here: the printed URL is enough */
  }
}

export const loginCommand: CliCommand = {
  ...LOGIN_SPEC,
  async run(values, positionals) {
    const url = checkUrl(positionals[0]);
    const secretEnv = optString(values, 'client-secret-env');
    const secret = secretEnv ? process.env[secretEnv] : undefined;
    if (secretEnv && !secret) throw new UsageError(`--client-secret-env ${secretEnv}: that variable is not set`);
    const store = new FileCredentialStore();
    const approver = loopbackApprover((authUrl) => {
      process.stderr.write(`Sign in to ${url} in your browser:\n\n  ${authUrl.href}\n\nWaiting for the sign-in…\n`);
      if (values['no-browser'] !== true) openBrowser(authUrl);
    });
    const oauth = {
      client_id: optString(values, 'client-id'),
      client_secret: secret,
      client_metadata_url: optString(values, 'client-metadata-url'),
      scope: optString(values, 'scope'),
    };
    const config = parseClusterConfig(
      { name: 'login', servers: [{ url, oauth: Object.fromEntries(Object.entries(oauth).filter(([, v]) => v !== undefined)) }], timeout_ms: 600_000 },
      'command line',
    );
    const cluster = new AopCluster(config, { auth: { ...cliAuth(store), approver } });
    try {
      const registry = await cluster.refresh();
      const h = cluster.health()[0];
      if (h.status === 'down') {
        process.stderr.write(`aop login: ${h.lastError ?? 'sign-in failed'}\n`);
        return 1;
      }
      const signedIn = (await store.load(credentialKey(url)))?.tokens !== undefined;
      process.stdout.write(
        signedIn
          ? `Signed in to ${url} (${registry.size} tools). The sign-in is kept in ${store.file}; "aop logout ${url}" forgets it.\n`
          : `${url} did not ask for a sign-in (${registry.size} tools).\n`,
      );
      return 0;
    } finally {
      approver.close();
      await cluster.close();
    }
  },
};

export const logoutCommand: CliCommand = {
  ...LOGOUT_SPEC,
  async run(values, positionals) {
    const store = new FileCredentialStore();
    const keys = values.all === true ? await store.keys() : [credentialKey(checkUrl(positionals[0]))];
    let n = 0;
    for (const key of keys) {
      if (!(await store.load(key))) continue;
      await store.delete(key);
      n++;
      process.stdout.write(`Signed out of ${key}\n`);
    }
    if (n === 0) process.stdout.write(values.all === true ? 'No saved sign-ins.\n' : `No saved sign-in for ${keys[0]}.\n`);
    return 0;
  },
};
