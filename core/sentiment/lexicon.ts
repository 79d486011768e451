import afinnModule from 'afinn-165-financialmarketnews';
import type { Sentiment } from '../events/index.js';
import type { SentimentScorer } from './scorer.js';

const AFINN: Record<string, number> = (afinnModule as { afinn165FinancialMarketNews: Record<string, number> })
  .afinn165FinancialMarketNews;

/** Words that flip the valence of the next few tokens ("not profitable", "no growth"). */
const NEGATORS = new Set([
  'not',
  'no',
  'never',
  "isn't",
  "wasn't",
  "aren't",
  "doesn't",
  "didn't",
  "don't",
  "won't",
  "can't",
  'cannot',
  'without',
]);
const NEGATION_SPAN = 3;
/** VADER's normalisation constant: maps an unbounded valence sum smoothly into (-1, 1). */
const NORMALISATION_ALPHA = 15;

const TOKEN = /[a-z][a-z'-]*/g;
const PHRASES = Object.keys(AFINN).filter((k) => k.includes(' '));
const MAX_PHRASE_WORDS = Math.max(1, ...PHRASES.map((p) => p.split(' ').length));

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

/** Raw AFINN valence sum with multi-word entries and simple negation; exported for tests. */
export function lexiconValence(text: string): { valence: number; matched: number; tokens: number } {
  const tokens = tokenize(text);
  let valence = 0;
  let matched = 0;
  let negateUntil = -1;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (NEGATORS.has(token)) {
      negateUntil = i + NEGATION_SPAN;
      continue;
    }
    let value: number | undefined;
    let span = 1;
    for (let n = Math.min(MAX_PHRASE_WORDS, tokens.length - i); n > 1 && value === undefined; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      if (phrase in AFINN) {
        value = AFINN[phrase];
        span = n;
      }
    }
    if (value === undefined && Object.hasOwn(AFINN, token)) value = AFINN[token];
    if (value !== undefined) {
      valence += i <= negateUntil ? -value : value;
      matched += 1;
    }
    i += span - 1;
  }
  return { valence, matched, tokens: tokens.length };
}

export function normaliseValence(valence: number): number {
  return valence / Math.sqrt(valence * valence + NORMALISATION_ALPHA);
}

/** Offline, deterministic scorer over the AFINN-165 lexicon extended with financial-market-news terms. */
export class LexiconSentimentScorer implements SentimentScorer {
  readonly model = 'afinn-165-financialmarketnews@3';

  scoreText(text: string): Sentiment {
    const { valence } = lexiconValence(text);
    return { score: Math.round(normaliseValence(valence) * 1e6) / 1e6, model: this.model };
  }

  async scoreBatch(texts: readonly string[]): Promise<Sentiment[]> {
    return texts.map((t) => this.scoreText(t));
  }
}
