import { describe, expect, it } from 'vitest';
import { AwsFaultsConfigError, FAULT_KINDS, parseAwsFaults } from '../../../../local/aws-faults/config';
import { scriptedDecider, seededDecider } from '../../../../local/aws-faults/decider';

describe('parseAwsFaults', () => {
  it('returns undefined when LOCAL_AWS_FAULTS is unset or empty', () => {
    expect(parseAwsFaults(undefined)).toBeUndefined();
    expect(parseAwsFaults('  ')).toBeUndefined();
  });

  it('gives every service the top-level rate and all its kinds when only rate and seed are set', () => {
    const config = parseAwsFaults('{"rate":0.05,"seed":7}');

    expect(config).toEqual({
      seed: 7,
      services: {
        dynamodb: { rate: 0.05, kinds: FAULT_KINDS.dynamodb },
        s3: { rate: 0.05, kinds: FAULT_KINDS.s3 },
        sfn: { rate: 0.05, kinds: FAULT_KINDS.sfn },
        secretsmanager: { rate: 0.05, kinds: FAULT_KINDS.secretsmanager },
        lambda: { rate: 0.05, kinds: FAULT_KINDS.lambda },
      },
    });
  });

  it('applies a service its own rate and kinds when they are given', () => {
    const config = parseAwsFaults(
      JSON.stringify({
        rate: 0.05,
        seed: 1,
        dynamodb: { rate: 0.5, kinds: ['throttle', 'lost'] },
        lambda: { rate: 0 },
      }),
    );

    expect(config?.services.dynamodb).toEqual({ rate: 0.5, kinds: ['throttle', 'lost'] });
    expect(config?.services.lambda).toEqual({ rate: 0, kinds: FAULT_KINDS.lambda });
    expect(config?.services.s3.rate).toBe(0.05);
  });

  it.each([
    ['not JSON', '{rate:1}'],
    ['a missing seed', '{"rate":0.1}'],
    ['a rate above 1', '{"rate":1.5,"seed":1}'],
    ['a kind of another service', '{"rate":0.1,"seed":1,"s3":{"kinds":["throttle"]}}'],
    ['an unknown service', '{"rate":0.1,"seed":1,"sqs":{}}'],
    ['an empty kinds list', '{"rate":0.1,"seed":1,"sfn":{"kinds":[]}}'],
  ])('throws AwsFaultsConfigError for %s', (_, raw) => {
    expect(() => parseAwsFaults(raw)).toThrow(AwsFaultsConfigError);
  });
});

describe('seededDecider', () => {
  const draw = (seed: number, rate: number, calls: number) => {
    const decider = seededDecider('dynamodb', { rate, kinds: FAULT_KINDS.dynamodb }, seed);
    return Array.from({ length: calls }, () => decider.next());
  };

  it('returns the same sequence of faults for the same seed', () => {
    expect(draw(7, 0.3, 500)).toEqual(draw(7, 0.3, 500));
  });

  it('returns a different sequence for another seed', () => {
    expect(draw(8, 0.3, 500)).not.toEqual(draw(7, 0.3, 500));
  });

  it('faults about `rate` of the calls and draws every configured kind', () => {
    const decisions = draw(7, 0.05, 20_000);
    const faults = decisions.filter((kind) => kind !== undefined);

    expect(faults.length / decisions.length).toBeGreaterThan(0.04);
    expect(faults.length / decisions.length).toBeLessThan(0.06);
    expect(new Set(faults)).toEqual(new Set(FAULT_KINDS.dynamodb));
  });

  it('draws each kind once before any kind twice, so the first faults cover every kind', () => {
    for (const seed of [1, 2, 3, 416884, 646286]) {
      const firstFaults = draw(seed, 1, FAULT_KINDS.dynamodb.length);

      expect(new Set(firstFaults)).toEqual(new Set(FAULT_KINDS.dynamodb));
    }
  });

  it("faults a call with a rate factor that many times the service's rate, capped at every call", () => {
    const decider = seededDecider('dynamodb', { rate: 0.05, kinds: FAULT_KINDS.dynamodb }, 7);
    const boosted = Array.from({ length: 20_000 }, () => decider.next(undefined, 3)).filter(Boolean).length;

    expect(boosted / 20_000).toBeGreaterThan(0.13);
    expect(boosted / 20_000).toBeLessThan(0.17);
    const capped = seededDecider('dynamodb', { rate: 0.5, kinds: FAULT_KINDS.dynamodb }, 7);
    expect(Array.from({ length: 1000 }, () => capped.next(undefined, 3)).every(Boolean)).toBe(true);
  });

  it('faults the first calls with each kind once when every_kind_first is set, then draws against the rate', () => {
    const config = parseAwsFaults('{"rate":0,"seed":7,"secretsmanager":{"rate":0,"every_kind_first":true}}');
    const decider = seededDecider('secretsmanager', config!.services.secretsmanager, 7);

    const calls = Array.from({ length: 10 }, () => decider.next());

    expect(config?.services.secretsmanager).toEqual({
      rate: 0,
      kinds: FAULT_KINDS.secretsmanager,
      everyKindFirst: true,
    });
    expect(calls.slice(0, FAULT_KINDS.secretsmanager.length)).toEqual([...FAULT_KINDS.secretsmanager]);
    expect(calls.slice(FAULT_KINDS.secretsmanager.length).every((kind) => kind === undefined)).toBe(true);
  });

  it('never faults at rate 0 and always faults at rate 1', () => {
    expect(draw(7, 0, 1000).every((kind) => kind === undefined)).toBe(true);
    expect(draw(7, 1, 1000).every((kind) => kind !== undefined)).toBe(true);
  });

  it('draws only among the configured kinds that apply to the call', () => {
    const decider = seededDecider('dynamodb', { rate: 1, kinds: ['throttle', 'transaction-conflict'] }, 3);

    const kinds = new Set(Array.from({ length: 200 }, () => decider.next(['throttle', 'reset', 'lost'])));

    expect(kinds).toEqual(new Set(['throttle']));
  });

  it('lets the call through when none of the configured kinds applies', () => {
    const decider = seededDecider('dynamodb', { rate: 1, kinds: ['transaction-conflict'] }, 3);

    expect(decider.next(['throttle'])).toBeUndefined();
  });

  it('keeps each service on its own sequence', () => {
    const faults = { rate: 0.5, kinds: ['reset', 'lost'] as const };
    const dynamodb = seededDecider('dynamodb', faults, 7);
    const s3 = seededDecider('s3', faults, 7);

    const a = Array.from({ length: 200 }, () => dynamodb.next());
    const b = Array.from({ length: 200 }, () => s3.next());

    expect(a).not.toEqual(b);
  });
});

describe('scriptedDecider', () => {
  it('plays its script, skipping an entry that does not apply, then lets every call through', () => {
    const decider = scriptedDecider<'dynamodb'>(['throttle', 'transaction-conflict', undefined, 'lost']);

    expect([decider.next(), decider.next(['throttle']), decider.next(), decider.next(), decider.next()]).toEqual([
      'throttle',
      undefined,
      undefined,
      'lost',
      undefined,
    ]);
  });
});
