export type { SentimentScorer } from './scorer.js';
export { LexiconSentimentScorer, lexiconValence, normaliseValence, tokenize } from './lexicon.js';
