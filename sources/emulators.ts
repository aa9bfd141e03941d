import type { SourceId } from '../core/types.ts';
import { createCustomerProfilesService, type ProfilesEmulatorOptions } from './customer-profiles/emulator.ts';
import { createDynamoDbService, type DynamoDbEmulatorOptions } from './dynamodb/emulator.ts';
import type { EmulatedService, ServiceContext } from './emulator/service.ts';
import { createPinpointService, type PinpointEmulatorOptions } from './pinpoint/emulator.ts';

/*
 * Every source's service on the local emulator (dev/emulator/), each its
 * `sources/<id>/emulator.ts`: an EmulatedService (sources/emulator/service.ts) made from
 * what the emulator gives every service and the emulator's options. Imported by
 * dev/emulator/index.ts only: nothing that ships loads an emulator.
 */

/** The options of the sources' services: `startEmulator`'s options extend them. */
export interface SourceEmulatorOptions extends PinpointEmulatorOptions {
  /** Amazon Connect Customer Profiles. */
  profiles?: ProfilesEmulatorOptions;
  /** DynamoDB table exports. */
  dynamodb?: DynamoDbEmulatorOptions;
}

export const SOURCE_EMULATORS = {
  pinpoint: (ctx, options) => createPinpointService(ctx, options),
  'customer-profiles': (ctx, options) => createCustomerProfilesService(ctx, options.profiles),
  dynamodb: (ctx, options) => createDynamoDbService(ctx, options.dynamodb),
} as const satisfies {
  readonly [K in SourceId]: (ctx: ServiceContext, options: SourceEmulatorOptions) => EmulatedService;
};

/** The sources' services, in registration order. */
export type SourceServices = { [K in SourceId]: ReturnType<(typeof SOURCE_EMULATORS)[K]> };
