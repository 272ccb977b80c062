// contrib/kubernetes and contrib/container: the manifests are valid Kubernetes objects
// (checked against the API's own JSON schemas by kubernetes-models), the DaemonSet asks
// for what reapd needs and no more, its ConfigMap is a configuration reapd accepts, and
// the entry point the image and the DaemonSet run is the one these tests run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Namespace, ConfigMap, Service } from 'kubernetes-models/v1';
import { DaemonSet } from 'kubernetes-models/apps/v1';
import { REAPD_BIN, REPO_ROOT } from '../helpers/paths.js';

const K8S_DIR = join(REPO_ROOT, 'contrib', 'kubernetes');

interface Manifest {
  kind: string;
  [key: string]: unknown;
}

function manifests(): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(K8S_DIR).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(K8S_DIR, file), 'utf8'))) {
      assert.equal(doc.errors.length, 0, `${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
      out.push(doc.toJS() as Manifest);
    }
  }
  return out;
}

function only<T extends Manifest>(kind: string): T {
  const found = manifests().filter((m) => m.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0] as T;
}

test('every manifest validates against the Kubernetes API schema', () => {
  const validators: Record<string, (m: Manifest) => void> = {
    Namespace: (m) => new Namespace(m as never).validate(),
    ConfigMap: (m) => new ConfigMap(m as never).validate(),
    DaemonSet: (m) => new DaemonSet(m as never).validate(),
    Service: (m) => new Service(m as never).validate(),
  };
  const all = manifests();
  assert.deepEqual(all.map((m) => m.kind).sort(), ['ConfigMap', 'DaemonSet', 'Namespace', 'Service']);
  for (const m of all) {
    const validate = validators[m.kind];
    assert.ok(validate, `no validator for ${m.kind}`);
    validate(m);
  }
  // The validator is not a rubber stamp: a wrong type is refused.
  const broken = structuredClone(only<Manifest>('DaemonSet')) as unknown as { spec: { template: { spec: { hostPID: unknown } } } };
  broken.spec.template.spec.hostPID = 'yes';
  assert.throws(() => new DaemonSet(broken as never).validate());
});

interface PodSpecLike {
  hostPID?: boolean;
  containers: Array<{
    command: string[];
    args: string[];
    securityContext: { privileged?: boolean; allowPrivilegeEscalation?: boolean; capabilities: { drop: string[]; add: string[] } };
    volumeMounts: Array<{ name: string; mountPath: string }>;
  }>;
  volumes: Array<{ name: string; hostPath?: { path: string }; configMap?: { name: string } }>;
}

test('the DaemonSet sees the node, is not privileged and holds exactly reapd’s capabilities', () => {
  const ds = only<Manifest & { spec: { template: { spec: PodSpecLike } } }>('DaemonSet');
  const pod = ds.spec.template.spec;
  assert.equal(pod.hostPID, true, 'hostPID: reapd must see and kill every process on the node');
  const [c] = pod.containers;
  assert.ok(c);
  assert.equal(c.securityContext.privileged, false);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  assert.deepEqual([...c.securityContext.capabilities.add].sort(), ['IPC_LOCK', 'KILL', 'SYS_NICE', 'SYS_PTRACE', 'SYS_RESOURCE']);
  const mount = (path: string): string | undefined => c.volumeMounts.find((m) => m.mountPath === path)?.name;
  const cgroupVolume = pod.volumes.find((v) => v.name === mount('/sys/fs/cgroup'));
  assert.equal(cgroupVolume?.hostPath?.path, '/sys/fs/cgroup', 'the host cgroup tree at /sys/fs/cgroup');
  const configVolume = pod.volumes.find((v) => v.name === mount('/etc/reapd'));
  assert.equal(configVolume?.configMap?.name, only<Manifest & { metadata: { name: string } }>('ConfigMap').metadata.name);
  assert.deepEqual(c.args, ['run', '--config', '/etc/reapd/reapd.toml']);
});

test('the ConfigMap holds a configuration that `reapd check-config` accepts', () => {
  const cm = only<Manifest & { data: Record<string, string> }>('ConfigMap');
  const toml = cm.data['reapd.toml'];
  assert.ok(toml);
  const dir = mkdtempSync(join(tmpdir(), 'reapd-k8s-'));
  try {
    const file = join(dir, 'reapd.toml');
    writeFileSync(file, toml);
    const r = spawnSync(process.execPath, [REAPD_BIN, 'check-config', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /valid/);
    assert.match(r.stdout, /domain "node"/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function containerfileEntry(): { entrypoint: string[]; cmd: string[] } {
  const text = readFileSync(join(REPO_ROOT, 'contrib', 'container', 'Containerfile'), 'utf8');
  const json = (key: string): string[] => {
    const m = new RegExp(`^${key} (\\[.*\\])$`, 'm').exec(text);
    assert.ok(m?.[1], `${key} in exec form`);
    return JSON.parse(m[1]) as string[];
  };
  return { entrypoint: json('ENTRYPOINT'), cmd: json('CMD') };
}

test('the image, the DaemonSet and these tests run the same entry point', () => {
  const { entrypoint, cmd } = containerfileEntry();
  const ds = only<Manifest & { spec: { template: { spec: PodSpecLike } } }>('DaemonSet');
  assert.deepEqual(ds.spec.template.spec.containers[0]?.command, entrypoint);
  assert.deepEqual(cmd, ['run']);
  // /opt/reapd/<x> in the image is <repo>/<x> here.
  const script = entrypoint[1] ?? '';
  assert.ok(script.startsWith('/opt/reapd/'));
  assert.equal(join(REPO_ROOT, script.slice('/opt/reapd/'.length)), REAPD_BIN);
  const r = spawnSync(process.execPath, [REAPD_BIN, ...cmd, '--help'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /--config/);
});

test('the container image builds where a container builder runs', (t) => {
  const builder = ['podman', 'buildah'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0)
    ?? (spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0 ? 'docker' : undefined);
  if (!builder) {
    t.skip('no container builder here (no podman or buildah; `docker` is only a client without an engine)');
    return;
  }
  const args = builder === 'buildah' ? ['bud'] : ['build'];
  const r = spawnSync(builder, [...args, '-f', 'contrib/container/Containerfile', '-t', 'reapd-test:ci', '.'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr.slice(-2000));
});

test('the metrics Service selects the DaemonSet\'s pods and its named port; the ServiceMonitor selects the Service', () => {
  const ds = only<Manifest>('DaemonSet') as unknown as { spec: { template: { metadata: { labels: Record<string, string> }; spec: { containers: Array<{ ports?: Array<{ name: string; containerPort: number }> }> } } } };
  const svc = only<Manifest>('Service') as unknown as { metadata: { labels: Record<string, string> }; spec: { selector: Record<string, string>; ports: Array<{ name: string; port: number; targetPort: string }> } };
  for (const [k, v] of Object.entries(svc.spec.selector)) assert.equal(ds.spec.template.metadata.labels[k], v, `selector ${k}`);
  const port = ds.spec.template.spec.containers[0]?.ports?.find((p) => p.name === 'metrics');
  assert.ok(port, 'the container names its metrics port');
  assert.equal(svc.spec.ports[0]?.targetPort, 'metrics');
  const cm = only<Manifest>('ConfigMap') as unknown as { data: Record<string, string> };
  assert.match(cm.data['reapd.toml'] ?? '', new RegExp(`^metrics = "0\\.0\\.0\\.0:${port.containerPort}"`, 'm'), 'the ConfigMap serves metrics on the container port');
  const text = readFileSync(join(K8S_DIR, 'monitoring', 'servicemonitor.yaml'), 'utf8');
  const sm = parseAllDocuments(text)[0]?.toJS() as { kind: string; spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; path: string }> } };
  assert.equal(sm.kind, 'ServiceMonitor');
  for (const [k, v] of Object.entries(sm.spec.selector.matchLabels)) assert.equal(svc.metadata.labels[k], v, `ServiceMonitor selector ${k}`);
  assert.deepEqual(sm.spec.endpoints.map((e) => [e.port, e.path]), [['metrics', '/metrics']]);
});
