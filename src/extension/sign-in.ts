import { type CredentialStore, type OAuthRecord, codeFromRedirect, type Approver } from '../core';

/** The parts of `vscode.SecretStorage` the store needs. */
export interface SecretsLike {
  get(key: string): Thenable<string | undefined>;
  store(key: string, value: string): Thenable<void>;
  delete(key: string): Thenable<void>;
}

const PREFIX = 'aop.oauth.';
const INDEX = 'aop.oauth.index';

/** Sign-ins in VS Code's SecretStorage (the OS keychain): one secret per server plus an index of their keys. */
export class SecretStorageCredentialStore implements CredentialStore {
  private queue: Promise<unknown> = Promise.resolve();
  constructor(private readonly secrets: SecretsLike) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  private async index(): Promise<string[]> {
    try {
      const list = JSON.parse((await this.secrets.get(INDEX)) ?? '[]');
      return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
    } catch {
      return [];
    }
  }

  async load(key: string): Promise<OAuthRecord | undefined> {
    const text = await this.secrets.get(PREFIX + key);
    if (!text) return undefined;
    try {
      return JSON.parse(text) as OAuthRecord;
    } catch {
      return undefined;
    }
  }

  save(key: string, record: OAuthRecord): Promise<void> {
    return this.serial(async () => {
      await this.secrets.store(PREFIX + key, JSON.stringify(record));
      const keys = await this.index();
      if (!keys.includes(key)) await this.secrets.store(INDEX, JSON.stringify([...keys, key]));
    });
  }

  delete(key: string): Promise<void> {
    return this.serial(async () => {
      await this.secrets.delete(PREFIX + key);
      const keys = await this.index();
      if (keys.includes(key)) await this.secrets.store(INDEX, JSON.stringify(keys.filter((k) => k !== key)));
    });
  }

  keys(): Promise<string[]> {
    return this.serial(() => this.index());
  }
}

/** The parts of the `vscode` API the URI-handler sign-in needs (a fake in unit tests). */
export interface UriLike {
  toString(skipEncoding?: boolean): string;
  readonly query: string;
  readonly path: string;
}
export interface SignInHost {
  env: {
    uriScheme: string;
    openExternal(target: UriLike): Thenable<boolean>;
    asExternalUri(target: UriLike): Thenable<UriLike>;
  };
  Uri: { parse(value: string, strict?: boolean): UriLike };
}

const CALLBACK_PATH = '/oauth-callback';

/**
 * Sign-in in VS Code: the browser opens with `env.openExternal`, the authorization server
 * redirects to `vscode://<extension id>/oauth-callback`, and VS Code hands that URI to this
 * handler (`window.registerUriHandler`), which gives the code to the sign-in whose `state` it
 * carries. Each sign-in gives up after `timeoutMs` (default 5 minutes).
 */
export class UriHandlerSignIn {
  private readonly pending = new Map<string, { resolve: (code: string) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly host: SignInHost,
    private readonly extensionId: string,
    private readonly timeoutMs = 300_000,
  ) {}

  /** An Approver for one sign-in. */
  approver(): Approver {
    return {
      redirectUrl: async () => {
        const local = this.host.Uri.parse(`${this.host.env.uriScheme}://${this.extensionId}${CALLBACK_PATH}`);
        return (await this.host.env.asExternalUri(local)).toString(true);
      },
      approve: async (authorizationUrl, state) => {
        if (!state) throw new Error('sign-in without a state cannot be matched to its redirect');
        const code = new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.pending.delete(state);
            reject(new Error(`no sign-in arrived within ${Math.round(this.timeoutMs / 1000)} s`));
          }, this.timeoutMs);
          this.pending.set(state, { resolve, reject, timer });
        });
        const opened = await this.host.env.openExternal(this.host.Uri.parse(authorizationUrl.href, true));
        if (!opened) this.settle(state, new Error('the browser was not opened'));
        return code;
      },
    };
  }

  /** `vscode.UriHandler.handleUri`: a redirect back from the authorization server. */
  handleUri(uri: UriLike): void {
    if (uri.path !== CALLBACK_PATH) return;
    const url = new URL(`http://callback/?${uri.query}`);
    const state = url.searchParams.get('state') ?? '';
    if (!this.pending.has(state)) return; // not ours (stale, forged or already used): ignored
    try {
      this.settle(state, codeFromRedirect(url, state));
    } catch (err) {
      this.settle(state, err as Error);
    }
  }

  private settle(state: string, outcome: string | Error): void {
    const p = this.pending.get(state);
    if (!p) return;
    this.pending.delete(state);
    clearTimeout(p.timer);
    if (typeof outcome === 'string') p.resolve(outcome);
    else p.reject(outcome);
  }

  dispose(): void {
    for (const state of [...this.pending.keys()]) this.settle(state, new Error('sign-in cancelled'));
  }
}
