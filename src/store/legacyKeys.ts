import type { Entry } from './memoryStore';

/**
 * State files written before the store had maps and sets kept one key per decision, subscription and
 * mismatch, found again by listing keys by prefix. On load they move into the keys the services read
 * now, so an upgrade keeps every opt-out, DM record and "Approved by" line.
 */
export function migrateLegacyKeys(entries: Map<string, Entry>): boolean {
  let changed = false;
  // A map expires with its last field; a field that never expires keeps the map for good.
  const addField = (key: string, field: string, from: Entry) => {
    const existing = entries.get(key);
    const target: Entry = existing ?? { t: 'map', v: {}, e: from.e };
    (target.v as Record<string, unknown>)[field] = from.v;
    if (existing) target.e = target.e === undefined || from.e === undefined ? undefined : Math.max(target.e, from.e);
    if (target.e === undefined) delete target.e;
    entries.set(key, target);
  };
  const addMember = (key: string, member: string) => {
    const target = entries.get(key) ?? { t: 'set', v: [] };
    const members = target.v as string[];
    if (!members.includes(member)) members.push(member);
    entries.set(key, target);
  };
  for (const [key, entry] of [...entries]) {
    if (entry.t) continue;
    let m: RegExpExecArray | null;
    if ((m = /^decision:([^:]+):(.+)$/.exec(key))) {
      addField(`decisions:${m[1]}`, m[2], entry);
      entries.delete(key);
    } else if ((m = /^notify:sub:(.+)$/.exec(key))) {
      addField('notify:subs', m[1], entry);
      entries.delete(key);
    } else if ((m = /^link-mismatch:([^:]+):(.+)$/.exec(key))) {
      addField(`link-mismatch:${m[1]}`, m[2], entry);
      entries.delete(key);
    } else if ((m = /^notify:dm:([^:]+):(.+)$/.exec(key))) {
      // The records stay; the indexes that replace the prefix listing are built.
      addMember(`notify:dm-items:${m[1]}`, m[2]);
      addMember(`notify:dm-holders:${m[2]}`, m[1]);
      continue;
    } else continue;
    changed = true;
  }
  return changed;
}
