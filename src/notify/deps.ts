import type { Config } from '../config';
import type { IscClient } from '../isc/api';
import type { Logger } from '../log';
import type { StateStore } from '../store/store';
import type { IdentityDirectory } from '../workitems/identityDirectory';
import type { WorkItemService } from '../workitems/workItemService';

/** What notifications need from the bot: the ISC client, the store and the services (a BotContext has all of it). */
export interface NotifyDeps {
  config: Pick<Config, 'notify' | 'isc'>;
  isc: IscClient;
  directory: Pick<IdentityDirectory, 'identityFor' | 'peekIdentity' | 'slackUser' | 'timeZone'>;
  service: Pick<WorkItemService, 'decisionsFor'>;
  store: StateStore;
  logger: Logger;
  now: () => Date;
}
