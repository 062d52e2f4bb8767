import fs from 'node:fs';
import path from 'node:path';

// `npm ci` on a machine with an empty cache stops with "Invalid Version" on any lock entry that has no
// version (a lock written by an npm that dropped optional platform packages it could not fetch).
describe('package-lock.json', () => {
  const lock = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<string, { version?: string; link?: boolean }>;
  };
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };

  it('gives every installed package a version', () => {
    const missing = Object.entries(lock.packages)
      .filter(([key, entry]) => key !== '' && !entry.link && !entry.version)
      .map(([key]) => key);
    expect(missing).toEqual([]);
  });

  it('lists every dependency of package.json', () => {
    const declared = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
    const unlocked = declared.filter((name) => !lock.packages[`node_modules/${name}`]?.version);
    expect(unlocked).toEqual([]);
    expect(lock.lockfileVersion).toBeGreaterThanOrEqual(3);
  });
});
