/**
 * deploy/: the Containerfile and the Kubernetes manifests agree with the CLI — every flag they pass
 * exists in `aop serve`, ports line up from Service to container to probe, the readiness path is
 * one the server answers without a token, the registry URL parses and names the etcd Service, and
 * the agent files of the ConfigMap are valid agents.
 */
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { serveCommand } from '../../src/cli/serve';
import { parseRegistryUrl } from '../../src/core/registry/url';
import { parseAgentFile } from '../../src/core/agents/parse';
import { startServer } from '../support/aop';

const ROOT = join(__dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

type K8s = { kind: string; metadata: { name: string }; spec?: any; data?: Record<string, string>; stringData?: Record<string, string> };
function manifests(file: string): K8s[] {
  return parseAllDocuments(read(file)).map((d) => {
    assert.deepEqual(d.errors, [], `${file} parses`);
    return d.toJS() as K8s;
  });
}
const find = (docs: K8s[], kind: string, name: string) => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(d, `${kind}/${name} exists`);
  return d!;
};

/** Parses `serve …` arguments the way the CLI does (strict: an unknown flag throws). */
function serveArgs(args: string[]) {
  assert.equal(args[0], 'serve');
  const options = Object.fromEntries(Object.entries(serveCommand.options).map(([k, { description: _d, ...o }]) => [k, o]));
  return parseArgs({ args: args.slice(1), options, allowPositionals: true, strict: true });
}

describe('deploy/kubernetes', () => {
  let docs: K8s[] = [];
  let deployment: K8s;
  let container: any;
  let values: Record<string, unknown>;
  let positionals: string[];
  before(() => {
    docs = [...manifests('deploy/kubernetes/aop.yaml'), ...manifests('deploy/kubernetes/etcd.yaml')];
    deployment = find(docs, 'Deployment', 'aop');
    container = deployment.spec.template.spec.containers[0];
    ({ values, positionals } = serveArgs(container.args));
  });

  it('the Deployment runs aop serve with flags the CLI has, on the port the Service and probes use', () => {
    const port = Number(values.port);
    assert.ok(port > 0);
    assert.equal(values.host, '0.0.0.0');
    assert.deepEqual(container.ports.map((p: { containerPort: number }) => p.containerPort), [port]);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      assert.equal(probe.httpGet.path, '/healthz');
      assert.equal(probe.httpGet.port, port);
    }
    const service = find(docs, 'Service', 'aop');
    assert.deepEqual(service.spec.selector, deployment.spec.template.metadata.labels);
    assert.equal(service.spec.ports[0].targetPort, port);
  });

  it('--registry points at the etcd Service; --advertise is this pod on the same port', () => {
    const target = parseRegistryUrl(String(values.registry));
    assert.equal(target.prefix, '/aop');
    const etcd = find(docs, 'Service', 'etcd');
    assert.deepEqual(target.endpoints, [`http://${etcd.metadata.name}:${etcd.spec.ports[0].port}`]);
    const advertise = String(values.advertise);
    assert.match(advertise, /^http:\/\/\$\(POD_IP\):(\d+)\/mcp$/);
    assert.equal(Number(/:(\d+)\//.exec(advertise)![1]), Number(values.port));
    const podIp = container.env.find((e: { name: string }) => e.name === 'POD_IP');
    assert.equal(podIp.valueFrom.fieldRef.fieldPath, 'status.podIP');
    assert.ok(Number(values['registry-ttl']) >= 1);
  });

  it('the token comes from the Secret, the agents from the ConfigMap mounted where serve reads them', () => {
    const token = container.env.find((e: { name: string }) => e.name === 'AOP_TOKEN');
    const secret = find(docs, 'Secret', token.valueFrom.secretKeyRef.name);
    assert.ok(secret.stringData?.[token.valueFrom.secretKeyRef.key] !== undefined, 'the Secret has the key');
    const mount = container.volumeMounts.find((m: { mountPath: string }) => positionals.includes(m.mountPath));
    assert.ok(mount, 'the agents folder is a mounted volume');
    const volume = deployment.spec.template.spec.volumes.find((v: { name: string }) => v.name === mount.name);
    const configMap = find(docs, 'ConfigMap', volume.configMap.name);
    const files = Object.entries(configMap.data ?? {});
    assert.ok(files.length > 0);
    for (const [name, text] of files) {
      assert.match(name, /\.agent\.md$/);
      const parsed = parseAgentFile(text, `/agents/${name}`);
      assert.deepEqual(parsed.diagnostics.filter((d) => d.severity === 'error'), [], `${name} is a valid agent`);
    }
  });

  it('the probe path is answered by a token-protected server without the token', async () => {
    const s = await startServer([], { token: 'secret-token' });
    try {
      const health = await fetch(new URL('/healthz', s.url));
      assert.equal(health.status, 200);
      const mcp = await fetch(s.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(mcp.status, 401);
    } finally {
      await s.close();
    }
  });
});

describe('deploy/Containerfile', () => {
  const text = read('deploy/Containerfile');
  it('runs the bundled CLI with its protocol files, serving on the exposed port', () => {
    assert.match(text, /COPY --from=build \/src\/dist\/cli\.js \/app\/dist\/cli\.js/);
    // the bundles dist/cli.js requires at run time (esbuild.mjs: one per command, the A2A SDK)
    assert.match(text, /COPY --from=build \/src\/dist\/cli-\*\.js \/src\/dist\/a2a-sdk\.js \/app\/dist\//);
    assert.match(text, /COPY --from=build \/src\/dist\/etcd3-proto \/app\/dist\/etcd3-proto/);
    assert.match(text, /COPY --from=build \/src\/dist\/etcd3\.js \/app\/dist\/etcd3\.js/);
    assert.match(text, /ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]/);
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(text)![1]) as string[];
    const { values } = serveArgs(cmd);
    const expose = Number(/^EXPOSE (\d+)$/m.exec(text)![1]);
    assert.equal(Number(values.port), expose);
    assert.equal(values.host, '0.0.0.0');
  });
});
