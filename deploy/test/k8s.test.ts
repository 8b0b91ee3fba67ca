import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { configProblems, deployDir, isServiceName, natsConfEnvRefs, parseNatsConf, parseNatsUsers, parseYamlStream, readDeploy, SERVICES, unknownVars } from './helpers.ts';
import { findKustomize, missing, run } from './tools.ts';

interface Meta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
type Ref = { name: string; key: string };
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: Ref; configMapKeyRef?: Ref };
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: EnvVar[];
  envFrom?: Array<{ configMapRef?: { name: string }; secretRef?: { name: string } }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  affinity?: { podAntiAffinity?: Record<string, unknown[]> };
  volumes?: Array<{ name: string; configMap?: { name: string }; secret?: { secretName: string } }>;
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  data?: Record<string, string>;
  // Every kind's spec differs; each test reads the fields of the kind it checks.
  spec?: any;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'IngressClass', 'PersistentVolume']);
/** Keys of the Secret `chat-secrets` that prod expects to exist (README lists them). */
const PROD_SECRET = 'chat-secrets';
/** Values standing in for prod's external Secret when the schemas parse the env. */
const EXTERNAL_SAMPLES: Record<string, string> = {
  DATABASE_URL: 'postgres://chat:pw@db.example.com:5432/chat',
  JWT_SECRET: 'a-secret-of-at-least-16-chars',
  NATS_GATEWAY_PASS: 'nats-gateway-password',
  NATS_CHAT_PASS: 'nats-chat-password',
  NATS_BROADCAST_PASS: 'nats-broadcast-password',
};

const OVERLAYS = [
  { overlay: 'dev', namespace: 'chat-dev', image: 'chat-backend:dev', hasPostgres: true },
  { overlay: 'prod', namespace: 'chat', image: 'registry.example.com/chat/chat-backend:0.1.0', hasPostgres: false },
];

const matches = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe.each(OVERLAYS)('kustomize overlay $overlay', ({ overlay, namespace, image, hasPostgres }) => {
  let objects: K8sObject[] = [];
  const all = (kind: string) => objects.filter((o) => o.kind === kind);
  const get = (kind: string, name: string) => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
    if (!found) throw new Error(`${overlay}: no ${kind} ${name}`);
    return found;
  };
  const workloads = () => [...all('Deployment'), ...all('StatefulSet')];
  const podSpec = (o: K8sObject): PodSpec => o.spec.template.spec;
  const main = (o: K8sObject): Container => podSpec(o).containers[0]!;
  const portNumber = (c: Container, port: string | number) => (typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort);
  const decode = (o: K8sObject, key: string) => (o.data?.[key] === undefined ? undefined : Buffer.from(o.data[key], 'base64').toString('utf8'));
  const secret = (name: string) => objects.find((o) => o.kind === 'Secret' && o.metadata.name === name);

  /** The environment a container starts with, as the kubelet would build it. */
  const envOf = (c: Container): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, get('ConfigMap', from.configMapRef.name).data);
      if (from.secretRef) {
        const s = get('Secret', from.secretRef.name);
        for (const key of Object.keys(s.data ?? {})) env[key] = decode(s, key)!;
      }
    }
    for (const v of c.env ?? []) {
      const ref = v.valueFrom;
      if (v.value !== undefined) env[v.name] = v.value;
      else if (ref?.fieldRef) env[v.name] = `pod-${ref.fieldRef.fieldPath}`;
      else if (ref?.configMapKeyRef) env[v.name] = get('ConfigMap', ref.configMapKeyRef.name).data![ref.configMapKeyRef.key]!;
      else if (ref?.secretKeyRef) {
        const s = secret(ref.secretKeyRef.name);
        env[v.name] = s ? decode(s, ref.secretKeyRef.key)! : EXTERNAL_SAMPLES[ref.secretKeyRef.key]!;
      }
    }
    return env;
  };
  const secretRefs = (c: Container): Ref[] => (c.env ?? []).flatMap((v) => (v.valueFrom?.secretKeyRef ? [v.valueFrom.secretKeyRef] : []));

  beforeAll(() => {
    const tool = findKustomize();
    if (!tool) throw new Error(missing('kustomize or kubectl', 'kubernetes-client'));
    const r = run(tool, [resolve(deployDir, 'k8s/overlays', overlay)]);
    if (r.status !== 0) throw new Error(`${tool.cmd} ${tool.args.join(' ')} failed:\n${r.stderr}`);
    objects = parseYamlStream<K8sObject>(r.stdout);
  });

  it('renders objects with kind, name and the overlay namespace', () => {
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toBeTruthy();
      expect(o.kind).toBeTruthy();
      expect(o.metadata?.name, o.kind).toBeTruthy();
      if (!CLUSTER_SCOPED.has(o.kind)) expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe(namespace);
    }
    expect(get('Namespace', namespace)).toBeDefined();
  });

  it('deploys gateway, chat and broadcast from one image, each picked by SERVICE', () => {
    for (const name of SERVICES) {
      const c = main(get('Deployment', name));
      expect(c.image, name).toBe(image);
      expect(envOf(c).SERVICE, name).toBe(name);
    }
  });

  it('sets for each service only variables of its config schema, with values it accepts', () => {
    for (const d of all('Deployment')) {
      const env = envOf(main(d));
      const service = env.SERVICE;
      if (!isServiceName(service)) throw new Error(`Deployment ${d.metadata.name}: SERVICE=${service}`);
      expect(unknownVars(service, Object.keys(env)), d.metadata.name).toEqual([]);
      expect(configProblems(service, env), d.metadata.name).toBeUndefined();
    }
  });

  it('probes /ready and /health on the port each service listens on', () => {
    for (const name of SERVICES) {
      const c = main(get('Deployment', name));
      const env = envOf(c);
      const port = Number(name === 'gateway' ? env.PORT : env.HEALTH_PORT);
      expect(port, `${name}: fixed port`).toBeGreaterThan(0);
      expect(c.readinessProbe?.httpGet?.path, name).toBe('/ready');
      expect(c.livenessProbe?.httpGet?.path, name).toBe('/health');
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        if (probe) expect(portNumber(c, probe.httpGet!.port), name).toBe(port);
      }
    }
  });

  it('gives every workload resources, anti-affinity, matching selectors and time to drain', () => {
    for (const w of workloads()) {
      const id = `${w.kind}/${w.metadata.name}`;
      const spec = podSpec(w);
      expect(matches(w.spec.selector.matchLabels, w.spec.template.metadata.labels), id).toBe(true);
      for (const c of spec.containers) {
        expect(c.resources?.requests?.cpu, id).toBeTruthy();
        expect(c.resources?.requests?.memory, id).toBeTruthy();
        expect(c.resources?.limits?.memory, id).toBeTruthy();
      }
      expect(spec.terminationGracePeriodSeconds ?? 30, id).toBeGreaterThanOrEqual(15);
      if (w.metadata.name !== 'postgres') expect(Object.keys(spec.affinity?.podAntiAffinity ?? {}), id).not.toHaveLength(0);
    }
    // The gateway drains within 10 s after a 5 s preStop pause.
    expect(podSpec(get('Deployment', 'gateway')).terminationGracePeriodSeconds).toBeGreaterThanOrEqual(15);
  });

  it('resolves every ConfigMap and Secret reference', () => {
    const refs: Array<{ kind: 'ConfigMap' | 'Secret'; name: string; key?: string; where: string }> = [];
    for (const w of workloads()) {
      const where = `${w.kind}/${w.metadata.name}`;
      for (const v of podSpec(w).volumes ?? []) {
        if (v.configMap) refs.push({ kind: 'ConfigMap', name: v.configMap.name, where });
        if (v.secret) refs.push({ kind: 'Secret', name: v.secret.secretName, where });
      }
      for (const c of podSpec(w).containers) {
        for (const from of c.envFrom ?? []) {
          if (from.configMapRef) refs.push({ kind: 'ConfigMap', name: from.configMapRef.name, where });
          if (from.secretRef) refs.push({ kind: 'Secret', name: from.secretRef.name, where });
        }
        for (const v of c.env ?? []) {
          if (v.valueFrom?.configMapKeyRef) refs.push({ kind: 'ConfigMap', ...v.valueFrom.configMapKeyRef, where });
          if (v.valueFrom?.secretKeyRef) refs.push({ kind: 'Secret', ...v.valueFrom.secretKeyRef, where });
        }
      }
    }
    const readme = readDeploy('README.md');
    for (const ref of refs) {
      const target = objects.find((o) => o.kind === ref.kind && o.metadata.name === ref.name);
      if (!target && ref.kind === 'Secret' && overlay === 'prod') {
        // Made outside the repository: the name is fixed and the README lists its keys.
        expect(ref.name, ref.where).toBe(PROD_SECRET);
        expect(readme, `README lists ${ref.key}`).toContain(`\`${ref.key}\``);
        continue;
      }
      expect(target, `${ref.where} -> ${ref.kind} ${ref.name}`).toBeDefined();
      if (ref.key) expect(target!.data, `${ref.where} -> ${ref.name}.${ref.key}`).toHaveProperty(ref.key);
    }
    if (overlay === 'prod') expect(all('Secret')).toHaveLength(0);
  });

  it('runs NATS as a 3-node JetStream StatefulSet that fsyncs before it acks', () => {
    const nats = get('StatefulSet', 'nats');
    const replicas: number = nats.spec.replicas;
    expect(replicas).toBe(3);
    const headless = get('Service', nats.spec.serviceName);
    expect(headless.spec.clusterIP).toBe('None');
    expect(headless.spec.publishNotReadyAddresses).toBe(true);
    expect(matches(headless.spec.selector, nats.spec.template.metadata.labels)).toBe(true);

    const c = main(nats);
    const configVolume = podSpec(nats).volumes!.find((v) => v.configMap)!;
    const configDir = c.volumeMounts!.find((m) => m.name === configVolume.name)!.mountPath;
    const configFile = c.args![c.args!.indexOf('--config') + 1]!;
    expect(configFile.startsWith(`${configDir}/`)).toBe(true);
    const files = get('ConfigMap', configVolume.configMap!.name).data!;
    const text = files[configFile.slice(configDir.length + 1)]!;
    const conf = parseNatsConf(text);
    // Includes are relative to nats.conf: the same ConfigMap must hold them.
    expect(conf.includes).toEqual(['permissions.conf']);
    for (const file of conf.includes) expect(files, `nats.conf includes ${file}`).toHaveProperty(file);
    expect(conf.syncInterval).toBe('always');
    const dataClaim = nats.spec.volumeClaimTemplates[0].metadata.name;
    expect(c.volumeMounts!.find((m) => m.name === dataClaim)?.mountPath).toBe(conf.storeDir);
    const expectedRoutes = Array.from({ length: replicas }, (_, i) => `nats://${nats.metadata.name}-${i}.${headless.metadata.name}:${conf.clusterPort}`);
    expect(conf.routes).toEqual(expectedRoutes);
    expect(portNumber(c, 'cluster')).toBe(conf.clusterPort);
    expect(portNumber(c, 'client')).toBe(conf.clientPort);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) {
      expect(probe?.httpGet?.path).toMatch(/^\/healthz/);
      expect(portNumber(c, probe!.httpGet!.port)).toBe(conf.monitorPort);
    }
    const env = envOf(c);
    for (const ref of natsConfEnvRefs(text, (file) => files[file]!)) expect(env[ref], `nats.conf uses $${ref}`).toBeTruthy();
  });

  it('points the services at the NATS Service, each with its own NATS user, on R3 streams', () => {
    const nats = get('StatefulSet', 'nats');
    const natsEnv = envOf(main(nats));
    const configMap = podSpec(nats).volumes!.find((v) => v.configMap)!.configMap!.name;
    const users = parseNatsUsers(get('ConfigMap', configMap).data!['permissions.conf']!);
    expect(users.map((u) => u.user).sort()).toEqual([...SERVICES].sort());
    const passwords = new Set<string>();
    for (const name of SERVICES) {
      const env = envOf(main(get('Deployment', name)));
      for (const u of env.NATS_URL!.split(',')) {
        const url = new URL(u.trim());
        const svc = get('Service', url.hostname);
        expect(matches(svc.spec.selector, nats.spec.template.metadata.labels), name).toBe(true);
        expect(svc.spec.ports.map((p: { port: number }) => p.port), name).toContain(Number(url.port));
      }
      expect(env.NATS_USER, name).toBe(name);
      const user = users.find((u) => u.user === name)!;
      expect(user.passwordEnv, `${name}: password from the environment`).toBeTruthy();
      expect(env.NATS_PASS, name).toBe(natsEnv[user.passwordEnv!]);
      passwords.add(env.NATS_PASS!);
      if (name !== 'gateway') {
        expect(env.STREAM_REPLICAS, name).toBe('3');
        expect(Number(env.STREAM_REPLICAS)).toBeLessThanOrEqual(nats.spec.replicas);
      }
    }
    // One password per user: a shared one would let any service log in as another.
    expect(passwords.size).toBe(SERVICES.length);
  });

  it('covers every workload with exactly one PodDisruptionBudget', () => {
    const pdbs = all('PodDisruptionBudget');
    for (const pdb of pdbs) {
      const covered = workloads().filter((w) => matches(pdb.spec.selector.matchLabels, w.spec.template.metadata.labels));
      expect(covered.map((w) => w.metadata.name), pdb.metadata.name).toHaveLength(1);
    }
    for (const w of workloads().filter((w) => w.spec.replicas > 1)) {
      const covering = pdbs.filter((p) => matches(p.spec.selector.matchLabels, w.spec.template.metadata.labels));
      expect(covering, w.metadata.name).toHaveLength(1);
    }
    expect(get('PodDisruptionBudget', 'nats').spec.maxUnavailable).toBe(1);
  });

  it('autoscales the gateway Deployment', () => {
    const hpa = get('HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'gateway' });
    get('Deployment', hpa.spec.scaleTargetRef.name);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('routes each Service to pods that have its target ports', () => {
    for (const svc of all('Service')) {
      const targets = workloads().filter((w) => matches(svc.spec.selector, w.spec.template.metadata.labels));
      expect(targets, svc.metadata.name).toHaveLength(1);
      const c = main(targets[0]!);
      for (const p of svc.spec.ports) expect(portNumber(c, p.targetPort ?? p.port), `${svc.metadata.name}:${p.name}`).toBeDefined();
    }
  });

  it('exposes the gateway through ingress-nginx with WebSocket timeouts', () => {
    const ingresses = all('Ingress');
    expect(ingresses).toHaveLength(1);
    const ing = ingresses[0]!;
    expect(ing.spec.ingressClassName).toBe('nginx');
    const annotations = ing.metadata.annotations ?? {};
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
    for (const rule of ing.spec.rules) {
      for (const path of rule.http.paths) {
        const svc = get('Service', path.backend.service.name);
        expect(svc.spec.ports.map((p: { name: string }) => p.name)).toContain(path.backend.service.port.name);
        expect(matches(svc.spec.selector, get('Deployment', 'gateway').spec.template.metadata.labels)).toBe(true);
      }
    }
  });

  it(hasPostgres ? 'runs PostgreSQL 16 with fsync and synchronous_commit on' : 'uses the external database of the Secret', () => {
    const chatEnv = envOf(main(get('Deployment', 'chat')));
    const dbRef = (main(get('Deployment', 'chat')).env ?? []).find((v) => v.name === 'DATABASE_URL');
    expect(dbRef?.valueFrom?.secretKeyRef?.name).toBeTruthy();
    const postgres = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
    if (!hasPostgres) {
      expect(postgres).toBeUndefined();
      expect(dbRef!.valueFrom!.secretKeyRef!.name).toBe(PROD_SECRET);
      return;
    }
    const c = main(postgres!);
    expect(c.image).toMatch(/^postgres:16/);
    const args = c.args!.join(' ');
    expect(args).toContain('fsync=on');
    expect(args).toContain('synchronous_commit=on');
    expect(args).not.toMatch(/fsync=off|synchronous_commit=(off|local)/);
    const url = new URL(chatEnv.DATABASE_URL!);
    const svc = get('Service', url.hostname);
    expect(matches(svc.spec.selector, postgres!.spec.template.metadata.labels)).toBe(true);
    const pgEnv = envOf(c);
    expect(decodeURIComponent(url.password)).toBe(pgEnv.POSTGRES_PASSWORD);
    expect(decodeURIComponent(url.username)).toBe(pgEnv.POSTGRES_USER);
    expect(url.pathname).toBe(`/${pgEnv.POSTGRES_DB}`);
  });

  it('leaves no secret of dev in prod and no placeholder secret in dev', () => {
    for (const w of workloads()) for (const c of podSpec(w).containers) for (const ref of secretRefs(c)) expect(ref.name.startsWith(PROD_SECRET), w.metadata.name).toBe(true);
    if (overlay === 'dev') expect(all('Secret').map((s) => s.metadata.name.replace(/-[a-z0-9]{10}$/, ''))).toEqual([PROD_SECRET]);
  });
});
