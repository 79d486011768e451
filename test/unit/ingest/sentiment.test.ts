import { describe, expect, it } from 'vitest';
import { LexiconSentimentScorer, lexiconValence } from '../../../core/sentiment/index.js';

describe('lexicon sentiment', () => {
  const scorer = new LexiconSentimentScorer();
  it('scores bullish text positive, bearish negative, neutral zero, within [-1, 1]', async () => {
    const [bull, bear, flat] = await scorer.scoreBatch([
      'Record profit and strong growth, analysts upgrade the stock',
      'Fraud probe deepens as losses mount and shares plunge',
      'The annual meeting is on Tuesday',
    ]);
    expect(bull!.score).toBeGreaterThan(0.3);
    expect(bear!.score).toBeLessThan(-0.3);
    expect(flat!.score).toBe(0);
    for (const s of [bull!, bear!, flat!]) expect(Math.abs(s.score)).toBeLessThan(1);
    expect(bull!.model).toBe('afinn-165-financialmarketnews@3');
  });
  it('flips valence after a negator', () => {
    expect(lexiconValence('good').valence).toBeGreaterThan(0);
    expect(lexiconValence('not good').valence).toBe(-lexiconValence('good').valence);
  });
});
