/**
 * What an HTTP client transport asks of an authorization scheme: the Authorization header for the
 * next request, and what to do when the server answers 401/403. McpOAuth implements it with the
 * MCP authorization flow (OAuth 2.1).
 */
export interface HttpAuth {
  /** The Authorization header value for the next request (refreshing an expired token first), or undefined. */
  authorization(): Promise<string | undefined>;
  /**
   * The server refused a request (401, or 403 with a Bearer challenge). Resolves true when new
   * credentials are in place and the request should be sent again; false to fail it with the HTTP
   * error; throws an error that explains what the user must do (sign in, fix the server).
   */
  challenge(c: AuthChallenge): Promise<boolean>;
}

export interface AuthChallenge {
  status: number;
  /** The WWW-Authenticate header of the answer, if any. */
  wwwAuthenticate?: string;
  /** How many times this request was already retried after a challenge. */
  attempt: number;
  /** The Authorization header the refused request carried. */
  sent?: string;
}

/**
 * Sends with the current token; a 401/403 answer (an error with `status` and `wwwAuthenticate`)
 * goes to `auth.challenge`, which may let the request be sent again.
 */
export async function sendAuthorized(
  auth: HttpAuth,
  setAuthorization: (value: string | undefined) => void,
  send: () => Promise<void>,
  closed: () => boolean,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const sent = await auth.authorization();
    setAuthorization(sent);
    try {
      return await send();
    } catch (err) {
      const { status, wwwAuthenticate } = err as { status?: unknown; wwwAuthenticate?: string };
      if ((status !== 401 && status !== 403) || closed()) throw err;
      if (!(await auth.challenge({ status, wwwAuthenticate, attempt, sent }))) throw err;
    }
  }
}
