import { describe, expect, it } from 'vitest';
import { resolveS3UrlPrefix } from '../../sources/pinpoint/names.ts';

/*
 * vitest.config.ts runs the suite in Pacific/Kiritimati (UTC+14), so that code
 * computing dates in local time instead of UTC fails somewhere. This checks the
 * zone really reaches the test workers.
 */

describe('the test suite', () => {
  it('runs in a time zone that is not UTC', () => {
    expect(process.env.TZ).toBe('Pacific/Kiritimati');
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe('Pacific/Kiritimati');
    expect(new Date('2026-11-28T12:00:00Z').getTimezoneOffset()).toBe(-14 * 60);
    // In this zone, local time is already the next day from 10:00 UTC.
    expect(new Date('2026-11-28T23:30:00Z').getDate()).toBe(29);
  });

  it('resolves {date} and {day} to the UTC date near midnight, not the local one', () => {
    const prefix = resolveS3UrlPrefix('s3://b/{date}/{day}/{hour}/', {
      ApplicationId: 'a'.repeat(32),
      ScheduledTime: new Date('2026-11-28T23:59:59Z'),
    });

    expect(prefix).toBe('s3://b/2026-11-28/28/23/');
  });
});
