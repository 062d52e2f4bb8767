// The Home tab's data: the person's items of every kind (one read, no paging), filtered and most urgent
// first, what they decided today, their notification settings, access reviews and requests.
import type { View } from '@slack/types';
import { authModeLine } from '../auth/accountLinking';
import { HOME_REVIEWS, renderHome, renderHomeNoIdentity, type HomeEntry, type HomeSettings } from '../blocks/home';
import { decidedToday } from '../decisions/decidedToday';
import { applyFilter, isHomeFilter, isOverdue, isRisky, type HomeFilter } from '../home/filters';
import type { InboxItem } from '../inbox/inbox';
import { readPrefs } from '../notify/preferences';
import type { BotContext } from './context';
import type { Presenter } from './presenter';

/** The filter each person last chose, field = Slack user id: every replica renders their Home the same. */
export const HOME_FILTER_KEY = 'home:filter';
/** Items of the inbox's queue (most urgent first) the Home tab takes: more than fit, so the filters find what is risky or overdue among them. */
export const HOME_READ = 50;

export async function storedFilter(ctx: BotContext, userId: string): Promise<HomeFilter> {
  const stored = await ctx.store.getField<string>(HOME_FILTER_KEY, userId).catch(() => undefined);
  return isHomeFilter(stored) ? stored : 'all';
}

async function settingsOf(ctx: BotContext, userId: string): Promise<HomeSettings | undefined> {
  const subscriptions = ctx.notifier?.subscriptions;
  if (!subscriptions) return undefined;
  try {
    const [subscription, prefs] = await Promise.all([subscriptions.get(userId), readPrefs(ctx.store, userId)]);
    return { dms: subscription?.on ?? false, reminders: prefs.reminders !== false, workingHours: prefs.workingHours, quietHours: ctx.config.notify.quietHours };
  } catch (e) {
    ctx.logger.warn('Home: the notification settings could not be read', { userId, error: String(e) });
    return undefined;
  }
}

/** The auth line only when it asks the person to do something (connect, reconnect); the rest is in `/workitems help`. */
async function actionableAuthLine(ctx: BotContext, userId: string): Promise<string | undefined> {
  if (!ctx.linking) return undefined;
  const status = await ctx.linking.status(userId).catch(() => undefined);
  if (!status || status.state === 'linked') return undefined;
  return authModeLine(ctx.linking.mode, status);
}

export async function buildHomeView(ctx: BotContext, presenter: Presenter, userId: string, { notice, fresh = false, filter }: { notice?: string; fresh?: boolean; filter?: HomeFilter } = {}): Promise<View> {
  const resolved = await ctx.directory.resolve(userId);
  if (!('identity' in resolved)) return renderHomeNoIdentity(resolved.missing);
  const identityId = resolved.identity.id;
  const [opts, chosen, auth, settings, page, reviews, requests] = await Promise.all([
    presenter.cardOptions(userId, userId),
    filter ?? storedFilter(ctx, userId),
    actionableAuthLine(ctx, userId),
    settingsOf(ctx, userId),
    ctx.inbox.page(identityId, { offset: 0 }, HOME_READ, { fresh }),
    ctx.reviews.openCertifications(userId, identityId, HOME_REVIEWS + 1).catch((e: unknown) => {
      ctx.logger.warn('Could not read access reviews for the Home tab', { userId, error: String(e) });
      return null;
    }),
    ctx.requests.list(userId, { fresh }).catch(() => undefined),
  ]);
  const done = await decidedToday(ctx.store, userId, ctx.now(), opts.viewer.tz).catch(() => undefined);
  const staleAfterDays = ctx.config.digest.staleAfterDays;
  const now = opts.viewer.now;
  const read: HomeEntry[] = page.sections.flatMap((s) =>
    (s.items as Array<{ id?: string }>).map((item) => ({ entry: { kind: s.kind, item } as InboxItem, decisions: s.decisions[item.id ?? ''] })),
  );
  const all = page.sections.reduce((n, s) => n + (s.failure ? 0 : (s.total ?? s.items.length)), 0);
  const partial = page.sections.some((s) => !s.failure && (s.total ?? 0) > s.items.length);
  const counts = {
    all,
    risky: read.filter((e) => isRisky(e.entry)).length,
    overdue: read.filter((e) => isOverdue(e.entry, now, staleAfterDays)).length,
  };
  const kept = new Set(applyFilter(read.map((e) => e.entry), chosen, now, staleAfterDays));
  const byEntry = new Map(read.map((e) => [e.entry, e]));
  const items = [...kept].map((e) => byEntry.get(e)!);
  return renderHome({
    opts,
    filter: chosen,
    items,
    counts,
    partial,
    failures: page.sections.flatMap((s) => (s.failure ? [{ kind: s.kind, failure: s.failure }] : [])),
    decidedToday: done,
    settings,
    notice,
    authModeLine: auth,
    reviews,
    requests: requests && 'statuses' in requests ? requests : undefined,
  });
}
