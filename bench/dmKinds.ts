// How the soak tells the bot's notification DMs apart in what the Slack stand-in recorded
// (chat.postMessage arguments). Kept beside the soak and tested against the bot's own builders
// (test/bench/dmKinds.test.ts), so a change to their wording cannot silently blind the soak's checks.

type Block = { block_id?: unknown };

export interface PostArgs {
  text?: unknown;
  blocks?: unknown;
  thread_ts?: unknown;
}

const firstBlockId = (args: PostArgs) => (Array.isArray(args.blocks) ? (args.blocks[0] as Block | undefined)?.block_id : undefined);

/**
 * A first-poll summary: its first block is the `summary_head` section (src/blocks/notifications.ts).
 * Not its text, which counts every kind of item ("You have 9 work items, 1 access request and 1
 * generic approval pending in ISC") since the inbox took in approvals.
 */
export const isFirstPollSummary = (args: PostArgs): boolean => !args.thread_ts && firstBlockId(args) === 'summary_head';

/** The DM announcing one new work item: `New work item: <title>`. */
export const isNewWorkItemDm = (args: PostArgs): boolean => !args.thread_ts && String(args.text).startsWith('New work item: ');

/** A reminder: a reply in the thread of a DM or of a summary. */
export const isReminder = (args: PostArgs): boolean => Boolean(args.thread_ts);
