import { AopCluster, loadClusterFile, urlCluster, type ClusterConfig } from '../core';
import { UsageError } from './usage';
import { cliAuth } from './cli-auth';

/** A cluster from `--cluster FILE`, or an ad-hoc one from URLs given on the command line. */
export async function clusterFrom(
  file: string | undefined,
  urls: string[],
  headers: Record<string, string>,
): Promise<AopCluster> {
  let config: ClusterConfig;
  if (file) {
    config = await loadClusterFile(file);
    if (Object.keys(headers).length) {
      config = {
        ...config,
        servers: config.servers.map((s) => ({ ...s, headers: { ...headers, ...s.headers } })),
        headers: { ...headers, ...config.headers },
      };
    }
  } else {
    if (urls.length === 0) throw new UsageError('give server URLs or --cluster FILE');
    for (const url of urls) {
      if (!isHttpUrl(url)) throw new UsageError(`"${url}" is not a server URL; expected e.g. http://127.0.0.1:8000/mcp`);
    }
    config = urlCluster('cli', urls, headers);
  }
  return new AopCluster(config, {
    // one discovery or one call, then the command ends: no server notifications to listen for
    serverStreams: false,
    auth: cliAuth(),
    registry: { log: (level, message) => process.stderr.write(`[${level}] ${message}\n`) },
  });
}

export function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
