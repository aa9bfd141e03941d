import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../core/errors.ts';
import {
  CONFIG_DEFAULTS,
  CONFIG_LIMITS,
  loadCreateExportJobConfig,
  loadGetExportJobStatusConfig,
  loadPublishSummaryConfig,
} from '../../functions/shared/config.ts';

/** The run ledger's table: required by create-export-job and publish-summary. */
const LEDGER = { RUN_LEDGER_TABLE: 'scheduled-exports-prod-runs' };
const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:pinpoint-export-summary-prod';

/** The documented defaults (the poll-schedule owner tunes the numbers; the loader must apply them). */
const DEFAULT_POLL = {
  minWaitSeconds: CONFIG_DEFAULTS.POLL_MIN_WAIT_SECONDS,
  maxWaitSeconds: CONFIG_DEFAULTS.POLL_MAX_WAIT_SECONDS,
  runDeadlineSeconds: CONFIG_DEFAULTS.RUN_DEADLINE_SECONDS,
};

afterEach(() => {
  vi.unstubAllEnvs();
});

function configErrorOf(load: () => unknown): ConfigurationError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected the loader to reject the configuration, but it loaded');
}

describe('loadCreateExportJobConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadCreateExportJobConfig(LEDGER);

    expect(DEFAULT_POLL.minWaitSeconds).toBeLessThanOrEqual(DEFAULT_POLL.maxWaitSeconds);

    expect(config).toMatchObject({ stage: 'dev', poll: DEFAULT_POLL });
    expect(config.inputDefaults).toEqual({});
  });

  it('reads the stage, the input defaults and the poll settings', () => {
    const config = loadCreateExportJobConfig({
      ...LEDGER,
      STAGE: 'prod',
      DEFAULT_ROLE_ARN: 'arn:aws:iam::123456789012:role/pinpoint-export',
      DEFAULT_S3_URL_PREFIX: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
      POLL_MIN_WAIT_SECONDS: '10',
      POLL_MAX_WAIT_SECONDS: ' 600 ',
      RUN_DEADLINE_SECONDS: '7200',
    });

    expect(config).toMatchObject({
      stage: 'prod',
      inputDefaults: {
        RoleArn: 'arn:aws:iam::123456789012:role/pinpoint-export',
        S3UrlPrefix: 's3://exports-bucket/pinpoint/{ApplicationId}/{date}/',
      },
      poll: { minWaitSeconds: 10, maxWaitSeconds: 600, runDeadlineSeconds: 7_200 },
    });
  });

  it('treats blank variables as unset', () => {
    const config = loadCreateExportJobConfig({
      ...LEDGER,
      STAGE: '  ',
      DEFAULT_ROLE_ARN: '',
      POLL_MIN_WAIT_SECONDS: ' ',
    });

    expect(config.stage).toBe('dev');
    expect(config.inputDefaults.RoleArn).toBeUndefined();
    expect(config.poll.minWaitSeconds).toBe(5);
  });

  it('reads process.env when called without an environment', () => {
    vi.stubEnv('STAGE', 'staging');
    vi.stubEnv('POLL_MAX_WAIT_SECONDS', '120');
    vi.stubEnv('RUN_LEDGER_TABLE', 'runs');

    const config = loadCreateExportJobConfig();

    expect(config.stage).toBe('staging');
    expect(config.poll.maxWaitSeconds).toBe(120);
  });

  it.each([
    { name: 'POLL_MIN_WAIT_SECONDS', value: '2.5' },
    { name: 'POLL_MIN_WAIT_SECONDS', value: '0' },
    { name: 'POLL_MAX_WAIT_SECONDS', value: 'five minutes' },
    { name: 'POLL_MAX_WAIT_SECONDS', value: '-300' },
    { name: 'RUN_DEADLINE_SECONDS', value: '12h' },
    { name: 'RUN_DEADLINE_SECONDS', value: 'Infinity' },
    { name: 'RUN_DEADLINE_SECONDS', value: '604801' },
    { name: 'RUN_DEADLINE_SECONDS', value: '31536000000' },
    { name: 'POLL_MAX_WAIT_SECONDS', value: '3601' },
    { name: 'POLL_NEAR_WAIT_SECONDS', value: '86400' },
  ])('rejects $name=$value, naming the variable and its range', ({ name, value }) => {
    const error = configErrorOf(() => loadCreateExportJobConfig({ ...LEDGER, [name]: value }));

    expect(error.name).toBe('ConfigurationError');
    const [min, max] = CONFIG_LIMITS[name as keyof typeof CONFIG_LIMITS];
    expect(error.message).toBe(
      `Environment variable ${name} must be an integer from ${min} to ${max}, got "${value}"`,
    );
  });

  it('bounds RUN_DEADLINE_SECONDS like the stage config (a week) and accepts the bound itself', () => {
    expect(CONFIG_LIMITS.RUN_DEADLINE_SECONDS[1]).toBe(7 * 24 * 3600);
    expect(
      loadCreateExportJobConfig({ ...LEDGER, RUN_DEADLINE_SECONDS: '604800' }).poll.runDeadlineSeconds,
    ).toBe(604_800);
  });

  it('rejects a minimum wait longer than the maximum wait', () => {
    const error = configErrorOf(() =>
      loadCreateExportJobConfig({ ...LEDGER, POLL_MIN_WAIT_SECONDS: '600', POLL_MAX_WAIT_SECONDS: '300' }),
    );

    expect(error.message).toContain(
      'POLL_MIN_WAIT_SECONDS (600) must not exceed POLL_MAX_WAIT_SECONDS (300)',
    );
  });

  it('rejects a minimum wait above the default maximum', () => {
    const max = CONFIG_DEFAULTS.POLL_MAX_WAIT_SECONDS;

    const error = configErrorOf(() =>
      loadCreateExportJobConfig({ ...LEDGER, POLL_MIN_WAIT_SECONDS: String(max + 1) }),
    );

    expect(error.message).toContain(`must not exceed POLL_MAX_WAIT_SECONDS (${max})`);
  });

  it('accepts equal minimum and maximum waits', () => {
    const config = loadCreateExportJobConfig({
      ...LEDGER,
      POLL_MIN_WAIT_SECONDS: '30',
      POLL_MAX_WAIT_SECONDS: '30',
    });

    expect(config.poll).toMatchObject({ minWaitSeconds: 30, maxWaitSeconds: 30 });
  });

  it('returns a frozen configuration, poll settings included', () => {
    const config = loadCreateExportJobConfig({ ...LEDGER, STAGE: 'prod' });

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.poll)).toBe(true);
    expect(() => {
      (config as { stage: string }).stage = 'dev';
    }).toThrow(TypeError);
    expect(() => {
      (config.poll as { maxWaitSeconds: number }).maxWaitSeconds = 1;
    }).toThrow(TypeError);
  });
});

describe('loadGetExportJobStatusConfig', () => {
  it('uses the defaults when nothing is set', () => {
    const config = loadGetExportJobStatusConfig({});

    expect(config).toMatchObject({
      stage: 'dev',
      poll: DEFAULT_POLL,
    });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.poll)).toBe(true);
  });

  it('rejects non-integer poll values', () => {
    const error = configErrorOf(() => loadGetExportJobStatusConfig({ POLL_MAX_WAIT_SECONDS: '30.5' }));

    expect(error.message).toContain('POLL_MAX_WAIT_SECONDS must be an integer from 1 to 3600, got "30.5"');
  });

  it('rejects a minimum wait longer than the maximum wait', () => {
    const error = configErrorOf(() =>
      loadGetExportJobStatusConfig({ POLL_MIN_WAIT_SECONDS: '60', POLL_MAX_WAIT_SECONDS: '59' }),
    );

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toContain('must not exceed');
  });
});

describe('loadPublishSummaryConfig', () => {
  it('reads the topic and defaults the stage', () => {
    const config = loadPublishSummaryConfig({ ...LEDGER, SUMMARY_TOPIC_ARN: TOPIC_ARN });

    expect(config).toEqual({
      stage: 'dev',
      topicArn: TOPIC_ARN,
      ledgerTableName: LEDGER.RUN_LEDGER_TABLE,
      metricsNamespace: 'ExportOrchestrator',
      maxFailurePercent: 1,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the failure limit, the dashboard and the runbook, and refuses a limit outside 0-100 by name', () => {
    const config = loadPublishSummaryConfig({
      ...LEDGER,
      SUMMARY_TOPIC_ARN: TOPIC_ARN,
      MAX_FAILURE_PERCENT: '0',
      DASHBOARD_URL: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/x',
      RUNBOOK_URL: 'https://wiki.example.com/exports',
    });
    expect(config).toMatchObject({
      maxFailurePercent: 0,
      dashboardUrl: 'https://eu-west-1.console.aws.amazon.com/cloudwatch/home#dashboards/dashboard/x',
      runbookUrl: 'https://wiki.example.com/exports',
    });
    for (const bad of ['-1', '101', 'ten']) {
      const error = configErrorOf(() =>
        loadPublishSummaryConfig({ ...LEDGER, SUMMARY_TOPIC_ARN: TOPIC_ARN, MAX_FAILURE_PERCENT: bad }),
      );
      expect(error.message).toContain('MAX_FAILURE_PERCENT');
    }
  });

  it.each([
    { what: 'missing', env: {} },
    { what: 'blank', env: { SUMMARY_TOPIC_ARN: '   ' } },
  ])('names SUMMARY_TOPIC_ARN when it is $what', ({ env }) => {
    const error = configErrorOf(() => loadPublishSummaryConfig({ STAGE: 'prod', ...env }));

    expect(error.name).toBe('ConfigurationError');
    expect(error.message).toBe('Environment variable SUMMARY_TOPIC_ARN is not set');
  });
});

describe('run ledger settings', () => {
  it('names RUN_LEDGER_TABLE when create-export-job or publish-summary would start without it', () => {
    expect(() => loadCreateExportJobConfig({})).toThrow('Environment variable RUN_LEDGER_TABLE is not set');
    expect(() => loadPublishSummaryConfig({ SUMMARY_TOPIC_ARN: TOPIC_ARN })).toThrow(
      'Environment variable RUN_LEDGER_TABLE is not set',
    );
  });

  it('claims runs for 90 s (three function timeouts) and keeps them 400 days unless told otherwise', () => {
    expect(loadCreateExportJobConfig(LEDGER).ledger).toEqual({
      tableName: LEDGER.RUN_LEDGER_TABLE,
      claimSeconds: 90,
      retentionDays: 400,
    });
    expect(
      loadCreateExportJobConfig({ ...LEDGER, LEDGER_CLAIM_SECONDS: '120', LEDGER_RETENTION_DAYS: '30' })
        .ledger,
    ).toMatchObject({ claimSeconds: 120, retentionDays: 30 });
  });

  it('reads the drop warning as a percentage in (0, 100], and none when unset', () => {
    const base = { ...LEDGER, SUMMARY_TOPIC_ARN: TOPIC_ARN };
    expect(loadPublishSummaryConfig(base).recordsDropWarnPercent).toBeUndefined();
    expect(
      loadPublishSummaryConfig({ ...base, RECORDS_DROP_WARN_PERCENT: '20' }).recordsDropWarnPercent,
    ).toBe(20);
    expect(() => loadPublishSummaryConfig({ ...base, RECORDS_DROP_WARN_PERCENT: '150' })).toThrow(
      /RECORDS_DROP_WARN_PERCENT must be a number in \(0, 100\]/,
    );
  });
});
