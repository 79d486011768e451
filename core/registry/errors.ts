/** Another writer moved the model's aliases between our read and our write; re-read and decide again. */
export class ConcurrentModificationError extends Error {
  override readonly name = 'ConcurrentModificationError';
}

/** The transition is not allowed from the model's current state (unknown version, archived, in use, ...). */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}
