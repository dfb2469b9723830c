import { existsSync, promises as fsp } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { OAuthDiscoveryState } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

/** Tokens as saved: the authorization server's answer plus when the access token expires (ms since epoch). */
export type SavedTokens = OAuthTokens & { expires_at?: number };

/** What one MCP server's sign-in leaves behind: tokens, the client registration, the discovery result. */
export interface OAuthRecord {
  tokens?: SavedTokens;
  client?: OAuthClientInformationMixed;
  discovery?: OAuthDiscoveryState;
}

/**
 * Where sign-ins are kept, one record per MCP server (keyed by its URL). The CLI keeps them in a
 * 0600 file, VS Code in SecretStorage, the conformance client in memory.
 */
export interface CredentialStore {
  load(key: string): Promise<OAuthRecord | undefined>;
  save(key: string, record: OAuthRecord): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
}

/** The key of a server's record: its URL without fragment (RFC 8707 resource form). */
export function credentialKey(serverUrl: string): string {
  const u = new URL(serverUrl);
  u.hash = '';
  return u.href;
}

export class MemoryCredentialStore implements CredentialStore {
  private readonly records = new Map<string, OAuthRecord>();
  async load(key: string): Promise<OAuthRecord | undefined> {
    const r = this.records.get(key);
    return r ? structuredClone(r) : undefined;
  }
  async save(key: string, record: OAuthRecord): Promise<void> {
    this.records.set(key, structuredClone(record));
  }
  async delete(key: string): Promise<void> {
    this.records.delete(key);
  }
  async keys(): Promise<string[]> {
    return [...this.records.keys()];
  }
}

/** `$XDG_CONFIG_HOME/aop/credentials.json` (default `~/.config`), `%APPDATA%\aop\credentials.json` on Windows. */
export function defaultCredentialsFile(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.AOP_CREDENTIALS_FILE) return env.AOP_CREDENTIALS_FILE;
  const base =
    platform === 'win32'
      ? env.APPDATA || join(homedir(), 'AppData', 'Roaming')
      : env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/')
        ? env.XDG_CONFIG_HOME
        : join(homedir(), '.config');
  return join(base, 'aop', 'credentials.json');
}

interface FileShape {
  version: 1;
  servers: Record<string, OAuthRecord>;
}

/** Largest credentials file read (a corrupt or hostile file is refused, not parsed). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Sign-ins in one JSON file only its owner may read (0600, directory 0700), written atomically
 * (temp file + rename), writes of this process serialised. A file others can read is tightened
 * on first use.
 */
export class FileCredentialStore implements CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string = defaultCredentialsFile()) {}

  private async read(): Promise<FileShape> {
    // No file, no sign-ins: answered without the async fs machinery (fs/promises, the thread pool),
    // which a cold `aop discover` would otherwise start for nothing (bench/NOTES.md, CLI cold start).
    if (!existsSync(this.file)) return { version: 1, servers: {} };
    let text: string;
    try {
      const st = await fsp.stat(this.file);
      if (st.size > MAX_FILE_BYTES) throw new Error(`credentials file ${this.file} is larger than ${MAX_FILE_BYTES} bytes`);
      if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) await fsp.chmod(this.file, 0o600);
      text = await fsp.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, servers: {} };
      throw err;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new Error(`credentials file ${this.file} is not valid JSON: remove it and sign in again`);
    }
    const servers = (data as FileShape)?.servers;
    if (!servers || typeof servers !== 'object' || Array.isArray(servers)) {
      throw new Error(`credentials file ${this.file} has no "servers" object: remove it and sign in again`);
    }
    return { version: 1, servers };
  }

  private async write(data: FileShape): Promise<void> {
    await fsp.mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    try {
      await fsp.writeFile(tmp, JSON.stringify(data, null, 2) + '\n', { mode: 0o600 });
      await fsp.rename(tmp, this.file);
    } catch (err) {
      await fsp.unlink(tmp).catch(() => {});
      throw err;
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  load(key: string): Promise<OAuthRecord | undefined> {
    return this.serial(async () => (await this.read()).servers[key]);
  }

  save(key: string, record: OAuthRecord): Promise<void> {
    return this.serial(async () => {
      const data = await this.read();
      data.servers[key] = record;
      await this.write(data);
    });
  }

  delete(key: string): Promise<void> {
    return this.serial(async () => {
      const data = await this.read();
      if (!(key in data.servers)) return;
      delete data.servers[key];
      await this.write(data);
    });
  }

  keys(): Promise<string[]> {
    return this.serial(async () => Object.keys((await this.read()).servers));
  }
}
