import { describe, expect, it } from 'vitest';
import { intArg, parseCliArgs, parseOrReport, UsageError } from '../../../core/cli/index.js';
import { commaList } from '../../../core/config/index.js';

describe('the shared CLI argument parser (core/cli)', () => {
  it('turns an unknown or malformed flag into a UsageError naming it', () => {
    const parse = (args: string[]) => parseCliArgs({ args, options: { port: { type: 'string' } } });
    expect(parse(['--port', '80']).values.port).toBe('80');
    expect(() => parse(['--prot', '80'])).toThrow(UsageError);
    expect(() => parse(['--prot', '80'])).toThrow(/--prot/);
  });

  it('reads integers with a floor and names the flag when one is not an integer or too small', () => {
    expect(intArg('--workers', '4', 1)).toBe(4);
    expect(intArg('--workers', undefined, 1)).toBeUndefined();
    expect(() => intArg('--workers', '0', 1)).toThrow('--workers must be an integer >= 1, got 0');
    expect(() => intArg('VERSION', '1.5', 1)).toThrow('VERSION must be an integer >= 1, got 1.5');
    expect(() => intArg('--seed', '', 0)).toThrow(UsageError);
  });

  it('reports a usage mistake and gives undefined, but lets any other error through', () => {
    const reported: string[] = [];
    const report = (m: string) => reported.push(m);
    expect(parseOrReport(() => intArg('--n', 'x'), report)).toBeUndefined();
    expect(reported).toEqual(['--n must be an integer >= 0, got x']);
    expect(() =>
      parseOrReport(() => {
        throw new TypeError('a bug');
      }, report),
    ).toThrow(TypeError);
  });

  it('reads comma lists the same way for flags, env lists and broker strings', () => {
    expect(commaList(' a, b ,,c ')).toEqual(['a', 'b', 'c']);
    expect(commaList(undefined)).toEqual([]);
    expect(commaList('')).toEqual([]);
  });
});
