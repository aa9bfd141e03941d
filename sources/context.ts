import type { Logger } from '@aws-lambda-powertools/logger';
import type { PinpointClient } from '@aws-sdk/client-pinpoint';
import type { SdkClientConfig } from '../core/settings.ts';
import type { SourceContext } from './types.ts';

/** What a function core's deps give the sources' calls. */
export interface SourceDeps {
  /** Pinpoint clients the caller made (tests with a mocked client); left out, the source makes its own. */
  pinpoint?: PinpointClient | undefined;
  pinpointCreate?: PinpointClient | undefined;
  /** SDK clients of any source, by the name its runtime gives them (made once per container). */
  clients?: Record<string, unknown>;
  /** Timeouts for the clients a source makes (the handler's loadSdkClientConfig()). */
  sdk?: SdkClientConfig | undefined;
  logger: Logger;
}

/** The context of a source's calls from `caller` (a function's key in serverless.yml). */
export function sourceContextOf(deps: SourceDeps, caller: string, now: () => Date): SourceContext {
  deps.clients ??= {};
  if (deps.pinpoint) deps.clients.pinpoint = deps.pinpoint;
  if (deps.pinpointCreate) deps.clients.pinpointCreate = deps.pinpointCreate;
  return { logger: deps.logger, now, sdk: deps.sdk ?? {}, caller, clients: deps.clients };
}
