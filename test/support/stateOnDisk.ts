import fs from 'node:fs';
import path from 'node:path';

/** Everything the file store keeps in `dir`: the state file and its journal, for checks on what reaches the disk. */
export function stateOnDisk(dir: string): string {
  return ['state.json', 'state.json.journal']
    .map((name) => path.join(dir, name))
    .filter((file) => fs.existsSync(file))
    .map((file) => fs.readFileSync(file, 'utf8'))
    .join('\n');
}
